import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { parseArgs } from 'node:util';
import { LOAD_CPU, measure, pinSelf, postgresSeeder, ROOT, SCENARIOS, sqliteSeeder, startServer } from './lib.js';
import { createBenchDatabase, pinLocalPostgresAway } from './postgres.js';

// CPU profile of pricebook (as shipped, pinned; SQLite, or PostgreSQL moved off the server's core
// with --postgres) under one or more bench scenarios: node --cpu-prof on the server, then self
// time summed per function and per file/package. `--server floor` profiles the PostgreSQL floor
// server instead, to compare the two under the same load.
//   node --import tsx bench/profile.ts [--scenarios detail,create] [--duration 8] [--connections 10]
//                                      [--postgres] [--server pricebook|floor] [--keep DIR]
//   node --import tsx bench/profile.ts --summarize file.cpuprofile

const { values: args } = parseArgs({
  options: {
    scenarios: { type: 'string', default: 'detail,create' },
    duration: { type: 'string', default: '8' },
    connections: { type: 'string', default: '10' },
    top: { type: 'string', default: '25' },
    keep: { type: 'string' },
    postgres: { type: 'boolean', default: false },
    server: { type: 'string', default: 'pricebook' },
    summarize: { type: 'string' },
  },
});

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** Where a script belongs: a package, a pricebook source file, or Node's internals. */
function owner(url: string): string {
  if (!url) return '(native / VM)';
  if (url.startsWith('node:')) return `node:${url.slice(5).split('/')[0]}`;
  const path = url.replace(/^file:\/\//, '');
  const pkg = path.match(/node_modules\/((?:@[^/]+\/)?[^/]+)/);
  if (pkg) return pkg[1] as string;
  return relative(ROOT, path);
}

export function summarize(file: string, top: number): string {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  for (const [i, id] of profile.samples.entries()) self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  const perFunction = new Map<string, number>();
  const perOwner = new Map<string, number>();
  let total = 0;
  let idle = 0;
  for (const [id, us] of self) {
    const { functionName, url, lineNumber } = (byId.get(id) as ProfileNode).callFrame;
    if (functionName === '(idle)') {
      idle += us;
      continue;
    }
    total += us;
    const where = url ? `${owner(url)}:${lineNumber + 1}` : '';
    const key = `${functionName || '(anonymous)'} ${where}`.trim();
    perFunction.set(key, (perFunction.get(key) ?? 0) + us);
    const o = url ? owner(url) : functionName;
    perOwner.set(o, (perOwner.get(o) ?? 0) + us);
  }
  const table = (map: Map<string, number>, n: number) =>
    [...map]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(
        ([k, us]) =>
          `  ${((us / total) * 100).toFixed(1).padStart(5)} %  ${(us / 1000).toFixed(0).padStart(6)} ms  ${k}`,
      )
      .join('\n');
  return [
    `${relative(process.cwd(), file)}: ${(total / 1000).toFixed(0)} ms busy, ${(idle / 1000).toFixed(0)} ms idle`,
    'self time per file / package:',
    table(perOwner, 20),
    'self time per function:',
    table(perFunction, top),
  ].join('\n');
}

if (args.summarize) {
  console.log(summarize(args.summarize, Number(args.top)));
  process.exit(0);
}

const kind = args.server;
if (kind !== 'pricebook' && kind !== 'floor') throw new Error(`--server is pricebook or floor, not ${kind}`);
if (kind === 'floor' && !args.postgres) throw new Error('the floor server answers from PostgreSQL: add --postgres');
pinSelf(LOAD_CPU);
const postgres = args.postgres ? await createBenchDatabase() : undefined;
if (args.postgres && !postgres) process.exit(1);
const unpinPostgres = postgres ? pinLocalPostgresAway() : () => {};
const dir = args.keep ?? mkdtempSync(join(tmpdir(), 'pricebook-profile-'));
const report: string[] = [];
try {
  // The floor reads the tables pricebook's migrations make (as in the bench): pricebook starts on
  // the database once first.
  if (kind === 'floor' && postgres) {
    await (await startServer({ name: 'migrate', kind: 'pricebook', env: { DATABASE_URL: postgres.url } })).stop();
  }
  for (const name of (args.scenarios as string).split(',')) {
    const scenario = SCENARIOS.find((s) => s.name === name);
    if (!scenario) throw new Error(`unknown scenario ${name}`);
    const work = join(dir, name);
    rmSync(work, { recursive: true, force: true }); // a kept folder's earlier profile is not this one
    const server = await startServer({
      name,
      kind,
      nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${work}`],
      env: {
        DATABASE_URL: postgres?.url ?? `sqlite:${join(work, 'db.sqlite3')}`,
        LOG_FILE: join(work, 'api_server.log'),
        LOG_LEVEL: 'info',
      },
    });
    const seeder = postgres ? postgresSeeder(postgres.url) : sqliteSeeder(join(work, 'db.sqlite3'));
    await seeder.seed(scenario.seed);
    const m = await measure(server, scenario.requests(), {
      duration: Number(args.duration),
      warmup: 1,
      connections: Number(args.connections),
    });
    await seeder.close();
    await server.stop();
    const profile = readdirSync(work).find((f) => f.endsWith('.cpuprofile'));
    if (!profile) throw new Error(`no .cpuprofile written in ${work}`);
    report.push(
      `=== ${name}: ${m.requests} requests, ${m.reqPerCpuSecond.toFixed(0)} req/CPU-s (under the profiler) ===`,
      summarize(join(work, profile), Number(args.top)),
      '',
    );
  }
  const text = report.join('\n');
  console.log(text);
  writeFileSync(join(dir, 'summary.txt'), text);
  if (args.keep) console.log(`profiles kept in ${dir}`);
} finally {
  unpinPostgres();
  await postgres?.drop();
  if (!args.keep) rmSync(dir, { recursive: true, force: true });
}
