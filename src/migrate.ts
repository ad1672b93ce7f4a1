import { ConfigError, loadConfig } from './config.js';
import { openDatabase } from './db/database.js';
import { migrate } from './migrations.js';
import { databaseSetting, startupStep } from './startup.js';

// `npm run migrate` / `node dist/migrate.js`: apply pending migrations and exit (a one-off task).

try {
  const config = loadConfig();
  const setting = databaseSetting(config.database);
  const database = await startupStep(setting, () => openDatabase(config.database));
  try {
    const applied = await startupStep(setting, () => migrate(database));
    process.stdout.write(applied.length ? `Applied: ${applied.join(', ')}\n` : 'Schema is up to date.\n');
  } finally {
    await database.close();
  }
} catch (error) {
  process.stderr.write(
    `${error instanceof ConfigError ? error.message : `Migration failed: ${(error as Error).message}`}\n`,
  );
  process.exit(1);
}
