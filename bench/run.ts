import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { renderChart } from './chart.js';
import { runComparison } from './compare.js';
import { pricebookContender, pricebookEnv, referenceContender } from './contenders.js';
import { extrasTargets, renderExtras, runExtras } from './extras.js';
import {
  describeWarmups,
  HAS_TASKSET,
  LOAD_CPU,
  makeTempDir,
  pinSelf,
  SERVER_CPU,
  SERVER_JS,
  startServer,
  tempDir,
} from './lib.js';
import { type BenchOptions, parseOptions } from './options.js';
import { type BenchDatabase, createBenchDatabase, pinLocalPostgresAway } from './postgres.js';
import {
  type Backend,
  commandLine,
  fmt,
  machineInfo,
  type Row,
  renderScenarioTables,
  scenarioTargets,
  summarize,
  type Target,
} from './report.js';
import { type Contender, runRounds } from './rounds.js';

// npm run bench: pricebook as shipped (console + file logging, SQLite in WAL mode, and PostgreSQL
// when reachable) against the bench's reference servers, alternated over several rounds at two
// load shapes: on SQLite the bare node:http in-memory ceiling, on PostgreSQL the bare node:http +
// pg floor. Plus cold start, WORKERS=2 scale-out, streaming of very large lists and log
// completeness. With --compare, two builds of pricebook side by side instead (compare.ts).
// See bench/README.md.

const options = parseOptions();
if (!existsSync(SERVER_JS)) {
  console.error(`${SERVER_JS} is missing: run \`npm run build\` first (npm run bench does).`);
  process.exit(2);
}
const log = (line: string) => process.stderr.write(`${line}\n`);

if (options.compare !== undefined) await runComparison(options, log);
else await runBench(options);

async function runBench(options: BenchOptions): Promise<void> {
  pinSelf(LOAD_CPU);
  const { path: tmp, remove: removeTmp } = makeTempDir('pricebook-bench-');
  const consoleFile = (name: string) => (options.consoleToFile ? join(tmp, `${name}.console`) : undefined);
  const database = options.postgres ? await createBenchDatabase() : undefined;
  if (options.postgres && !database) log('PostgreSQL rows skipped: SQLite only.');
  const unpinPostgres = database ? pinLocalPostgresAway() : () => {};
  const started = Date.now();
  try {
    const startPricebook = (name: string, dir: string, extra: Record<string, string> = {}, pin = true) =>
      startServer({
        name,
        kind: 'pricebook',
        env: pricebookEnv(dir, `sqlite:${join(dir, 'db.sqlite3')}`, extra),
        pin,
        consoleFile: consoleFile(name),
      });
    const runs = await runRounds({
      contenders: contenders(tmp, database, consoleFile),
      scenarios: options.scenarios,
      rounds: options.rounds,
      shapes: options.shapes,
      load: { duration: options.duration, warmup: options.warmup },
      serverWarmup: options.serverWarmup,
      log,
    });
    const extras = options.extras
      ? await runExtras({
          dir: tempDir(tmp, 'extras'),
          quick: options.quick,
          rounds: options.rounds,
          load: { duration: options.duration, warmup: options.warmup, connections: options.shapes[0] as number },
          startPricebook,
          log,
          record: (run) => runs.push(run),
        })
      : undefined;

    const backends: Backend[] = database ? ['sqlite', 'postgres'] : ['sqlite'];
    const rows = summarize(runs, backends, options.scenarios, options.shapes);
    const targets: Target[] = [...scenarioTargets(rows), ...(extras ? extrasTargets(extras) : [])];
    const logMissing = runs.reduce((sum, r) => sum + (r.m.log?.missing ?? 0), 0);
    const results = {
      date: new Date().toISOString(),
      command: commandLine(),
      durationSeconds: Math.round((Date.now() - started) / 1000),
      machine: machineInfo(),
      settings: {
        quick: options.quick,
        rounds: options.rounds,
        duration: options.duration,
        warmup: options.warmup,
        serverWarmup: options.serverWarmup,
        connections: options.shapes,
        pinned: HAS_TASKSET ? { servers: SERVER_CPU, loadGenerator: LOAD_CPU, postgres: LOAD_CPU } : null,
        serverConsole: options.consoleToFile ? 'file' : 'pipe drained by a separate process',
        pricebook: 'dist/server.js, LOG_LEVEL=info, LOG_FILE set (console + file), WORKERS=1, SQLite WAL',
        references: {
          ceiling: 'bench/ceiling-server.ts: node:http, in-memory Map, JSON.stringify (for SQLite)',
          floor: 'bench/floor-server.ts: node:http + pg, pool of 10, one named statement per request (for PostgreSQL)',
        },
      },
      scenarios: rows,
      extras,
      logging: { complete: logMissing === 0, missingLines: logMissing },
      targets,
      runs,
    };
    const markdown = renderMarkdown(results, rows, targets, extras);
    mkdirSync(dirname(options.outPrefix), { recursive: true });
    writeFileSync(`${options.outPrefix}.json`, `${JSON.stringify({ ...results, markdown }, null, 2)}\n`);
    writeFileSync(`${options.outPrefix}.svg`, renderChart(results));
    console.log(`\n${markdown}`);
    console.log(
      `Wrote ${options.outPrefix}.json (tables under "markdown") and ${options.outPrefix}.svg (${results.durationSeconds} s).`,
    );
    if (logMissing > 0) {
      console.error(`FAIL: ${logMissing} request log lines missing from LOG_FILE.`);
      process.exitCode = 1;
    } else if (options.strict && targets.some((t) => !t.met)) {
      console.error('FAIL: targets missed (--strict).');
      process.exitCode = 1;
    }
  } finally {
    unpinPostgres();
    await database?.drop();
    removeTmp();
  }
}

/** pricebook on SQLite and the ceiling, pricebook on PostgreSQL and the floor: each pair side by side. */
function contenders(
  tmp: string,
  database: BenchDatabase | undefined,
  consoleFile: (name: string) => string | undefined,
): Contender[] {
  const list = [
    pricebookContender({ key: 'sqlite', tmp, consoleFile }),
    referenceContender('ceiling', undefined, consoleFile),
  ];
  if (database) {
    list.push(
      pricebookContender({ key: 'postgres', tmp, postgresUrl: database.url, consoleFile }),
      referenceContender('floor', database.url, consoleFile),
    );
  }
  return list;
}

function renderMarkdown(
  results: {
    date: string;
    command: string;
    machine: ReturnType<typeof machineInfo>;
    logging: { complete: boolean; missingLines: number };
    settings: { rounds: number; duration: number; warmup: number; serverWarmup: number; connections: number[] };
  },
  rows: Row[],
  targets: Target[],
  extras: Awaited<ReturnType<typeof runExtras>> | undefined,
): string {
  const { machine, settings } = results;
  const shapes = settings.connections;
  const scenarioTargetCount = targets.filter((t) => Object.keys(t.values).some((k) => k !== '')).length;
  const missed = targets.filter((t) => !t.met);
  const lines = [
    `Measured ${results.date.slice(0, 16).replace('T', ' ')} UTC on ${machine.cpuModel} (nproc ${machine.nproc}), Node ${machine.node}, ` +
      `${settings.rounds} round(s) × ${settings.duration} s (${describeWarmups(settings)}) at ${shapes.join(' and ')} connections; ` +
      `command: \`${results.command}\`. Medians of rounds; a ratio is pricebook's requests per server CPU-second ÷ its ` +
      `reference server's in the same round: the in-memory ceiling on SQLite, the PostgreSQL floor on PostgreSQL.`,
    '',
    `Targets met: ${targets.length - missed.length} of ${targets.length} (${scenarioTargetCount} scenario targets, each at ${shapes.join(' and ')} connections)` +
      (missed.length ? `; missed: ${missed.map((t) => `${t.name} (${describeValues(t)})`).join('; ')}.` : '.'),
    '',
    ...renderScenarioTables(rows, shapes),
    '',
    ...(extras ? renderExtras(extras, shapes[0] as number) : []),
    `- Logging: ${results.logging.complete ? 'complete' : `**${results.logging.missingLines} lines missing**`} — every answered request has its \`[REQUEST]\` and \`[RESPONSE]\` line in LOG_FILE.`,
  ];
  const others = targets.filter((t) => Object.keys(t.values).every((k) => k === ''));
  if (others.length > 0) {
    lines.push(
      '',
      '| target | value | wanted | met |',
      '| --- | ---: | ---: | :---: |',
      ...others.map((t) => {
        const value = t.values[''] as number;
        return `| ${t.name} | ${fmt(value, value >= 100 ? 0 : 2)} | ${t.target} | ${t.met ? '✓' : '✗'} |`;
      }),
    );
  }
  lines.push('');
  return lines.join('\n');
}

function describeValues(t: Target): string {
  return Object.entries(t.values)
    .map(([shape, value]) => `${fmt(value, 2)}${shape ? ` at ${shape}` : ''}`)
    .join(', ');
}
