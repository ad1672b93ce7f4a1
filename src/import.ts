import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from './config.js';
import { openDatabase } from './db/database.js';
import { describeImport } from './importer/report.js';
import { runImport } from './importer/run.js';
import { openSource, SourceError } from './importer/source.js';
import { itemStore } from './items/repository/items.js';
import { migrate } from './migrations.js';
import { databaseSetting, startupStep } from './startup.js';

// `npm run import -- SOURCE [options]` / `node dist/import.js SOURCE [options]`: moves the items
// of the Django service's database into the database DATABASE_URL names (as the server would).

const USAGE = `Usage: npm run import -- SOURCE [--dry-run] [--skip-invalid] [--mirror] [--overwrite] [--table NAME]

  SOURCE          the Django database: sqlite:PATH or postgres://user:password@host:5432/db
  --dry-run       write nothing; say what would be done
  --skip-invalid  import the valid rows and list the others (default: import nothing if any is invalid)
  --mirror        delete items imported earlier that the source no longer has (default: list them)
  --overwrite     replace items here that differ from their source rows and were not imported from them
  --table NAME    the source's items table (default: myapi_item)

The target is the database DATABASE_URL names (default sqlite:data/db.sqlite3), migrated first.
Exit status: 0 imported (or would import), 1 refused or failed, 2 usage.`;

function parse() {
  try {
    const { values, positionals } = parseArgs({
      allowPositionals: true,
      options: {
        'dry-run': { type: 'boolean', default: false },
        'skip-invalid': { type: 'boolean', default: false },
        mirror: { type: 'boolean', default: false },
        overwrite: { type: 'boolean', default: false },
        table: { type: 'string', default: 'myapi_item' },
        help: { type: 'boolean', default: false },
      },
    });
    if (values.help) {
      process.stdout.write(`${USAGE}\n`);
      process.exit(0);
    }
    if (positionals.length !== 1) throw new Error('give exactly one SOURCE');
    return { source: positionals[0] as string, ...values };
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n${USAGE}\n`);
    process.exit(2);
  }
}

async function main(): Promise<number> {
  const args = parse();
  const config = loadConfig();
  const source = await openSource(args.source, args.table);
  try {
    const database = await startupStep(databaseSetting(config.database), () => openDatabase(config.database));
    try {
      await startupStep(databaseSetting(config.database), () => migrate(database));
      const progress = process.stderr.isTTY
        ? (pass: string, rows: number) => process.stderr.write(`\r${pass}: ${rows.toLocaleString('en')} rows`)
        : undefined;
      const report = await runImport(source, itemStore(database), {
        dryRun: args['dry-run'],
        skipInvalid: args['skip-invalid'],
        mirror: args.mirror,
        overwrite: args.overwrite,
        batchSize: 5000,
        progress,
      });
      if (progress) process.stderr.write('\r\x1b[K');
      const { lines, ok } = describeImport(report, { dryRun: args['dry-run'], from: source.name });
      process.stdout.write(`${lines.join('\n')}\n`);
      return ok ? 0 : 1;
    } finally {
      await database.close();
    }
  } finally {
    await source.close();
  }
}

main().then(
  (code) => process.exit(code),
  (error) => {
    // One plain line: a configuration problem, a source that cannot be read, or a database error.
    const known = error instanceof ConfigError || error instanceof SourceError;
    const message = known ? error.message : `Import failed: ${(error as Error).message}`;
    process.stderr.write(`${message.split('\n').join('\n')}\n`);
    process.exit(1);
  },
);
