import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { pricebookContender } from './contenders.js';
import { describeWarmups, LOAD_CPU, type Measurement, makeTempDir, median, pinSelf, ROOT, SERVER_CPU } from './lib.js';
import type { BenchOptions } from './options.js';
import { type BenchDatabase, createBenchDatabase, pinLocalPostgresAway } from './postgres.js';
import { type Backend, commandLine, fmt, machineInfo } from './report.js';
import { type Contender, type Run, runRounds } from './rounds.js';

// npm run bench -- --compare REF: two builds of pricebook side by side. A is REF, built in a
// temporary checkout (git archive; node_modules hard-linked from this checkout when
// package-lock.json is the same, else npm ci); B is this working tree's build. Both run pinned to
// the same core, on SQLite and PostgreSQL, measured back to back in every round (the order flips)
// at every load shape; the figure is B's requests per CPU-second ÷ A's, per round, then the median.

interface Build {
  side: 'A' | 'B';
  root: string;
  description: string;
  env: Record<string, string>;
}

const git = (cwd: string, ...args: string[]) =>
  execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();

function describeWorkingTree(): string {
  const head = git(ROOT, 'log', '-1', '--format=%h %<(60,trunc)%s').trim();
  const dirty = git(ROOT, 'status', '--porcelain', '--untracked-files=no') !== '';
  return `working tree (${head}${dirty ? ', with uncommitted changes' : ''})`;
}

/** The commit REF names; exits with one plain line when it names none. */
function resolveRef(ref: string): string {
  try {
    return git(ROOT, 'rev-parse', '--verify', '--quiet', `${ref}^{commit}`);
  } catch {
    console.error(`npm run bench: --compare ${ref}: not a commit in this repository (or "." for this working tree)`);
    process.exit(2);
  }
}

/** Checks commit `sha` (named `ref`) out into `dir` and builds it there. */
function buildRef(ref: string, sha: string, dir: string, log: (line: string) => void): string {
  const description = `${ref} (${git(ROOT, 'log', '-1', '--format=%h %<(60,trunc)%s', sha).trim()})`;
  mkdirSync(dir, { recursive: true });
  log(`A = ${description}: checking out into ${dir}`);
  const tar = `${dir}.tar`;
  git(ROOT, 'archive', '--format=tar', '-o', tar, sha);
  execFileSync('tar', ['-xf', tar, '-C', dir]);
  const lock = (path: string) => (existsSync(path) ? readFileSync(path, 'utf8') : undefined);
  if (lock(join(dir, 'package-lock.json')) === lock(join(ROOT, 'package-lock.json'))) {
    log('A: same package-lock.json: node_modules hard-linked from this checkout');
    execFileSync('cp', ['-al', join(ROOT, 'node_modules'), join(dir, 'node_modules')]);
  } else {
    log('A: package-lock.json differs: npm ci');
    execFileSync('npm', ['ci', '--no-audit', '--no-fund', '--silent'], { cwd: dir, stdio: 'inherit' });
  }
  log('A: npm run build');
  execFileSync('npm', ['run', 'build', '--silent'], { cwd: dir, stdio: 'inherit' });
  return description;
}

const describeEnv = (env: Record<string, string>) =>
  Object.keys(env).length === 0
    ? ''
    : ` with ${Object.entries(env)
        .map(([k, v]) => `${k}=${v}`)
        .join(' ')}`;

export async function runComparison(options: BenchOptions, log: (line: string) => void): Promise<void> {
  const ref = options.compare as string;
  const sha = ref === '.' ? undefined : resolveRef(ref);
  pinSelf(LOAD_CPU);
  const { path: tmp, remove: removeTmp } = makeTempDir('pricebook-compare-');
  const databases: BenchDatabase[] = [];
  let unpinPostgres = () => {};
  const started = Date.now();
  try {
    const a: Build = {
      side: 'A',
      root: sha ? join(tmp, 'a') : ROOT,
      description: sha ? buildRef(ref, sha, join(tmp, 'a'), log) : describeWorkingTree(),
      env: options.envA,
    };
    const b: Build = { side: 'B', root: ROOT, description: describeWorkingTree(), env: options.envB };
    // Separate databases: A's migrations may differ from B's.
    const dbA = options.postgres ? await createBenchDatabase('a') : undefined;
    const dbB = dbA ? await createBenchDatabase('b') : undefined;
    for (const db of [dbA, dbB]) if (db) databases.push(db);
    if (dbA && dbB) unpinPostgres = pinLocalPostgresAway();
    else if (options.postgres) log('PostgreSQL rows skipped: SQLite only.');

    const toFile = options.consoleToFile;
    const contenders = [contender(a, tmp, toFile), contender(b, tmp, toFile)];
    if (dbA && dbB) contenders.push(contender(a, tmp, toFile, dbA), contender(b, tmp, toFile, dbB));
    const runs = await runRounds({
      contenders,
      scenarios: options.scenarios,
      rounds: options.rounds,
      shapes: options.shapes,
      load: { duration: options.duration, warmup: options.warmup },
      serverWarmup: options.serverWarmup,
      together: options.together,
      log,
    });

    const backends: Backend[] = dbA && dbB ? ['sqlite', 'postgres'] : ['sqlite'];
    const rows = compareRows(runs, backends, options);
    const logMissing = runs.reduce((sum, r) => sum + (r.m.log?.missing ?? 0), 0);
    const results = {
      date: new Date().toISOString(),
      command: commandLine(),
      durationSeconds: Math.round((Date.now() - started) / 1000),
      machine: machineInfo(),
      a: { description: a.description, env: a.env },
      b: { description: b.description, env: b.env },
      settings: {
        rounds: options.rounds,
        duration: options.duration,
        warmup: options.warmup,
        serverWarmup: options.serverWarmup,
        connections: options.shapes,
        together: options.together,
        pinned: { servers: SERVER_CPU, loadGenerator: LOAD_CPU, postgres: LOAD_CPU },
      },
      rows,
      allRoundRatios: summarizeRatios(rows.flatMap((r) => r.roundRatios)),
      logging: { complete: logMissing === 0, missingLines: logMissing },
      runs,
    };
    const markdown = renderComparison(results);
    mkdirSync(dirname(options.outPrefix), { recursive: true });
    writeFileSync(`${options.outPrefix}.json`, `${JSON.stringify({ ...results, markdown }, null, 2)}\n`);
    writeFileSync(`${options.outPrefix}.md`, markdown);
    console.log(`\n${markdown}`);
    console.log(`Wrote ${options.outPrefix}.json and ${options.outPrefix}.md (${results.durationSeconds} s).`);
    if (logMissing > 0) {
      console.error(`FAIL: ${logMissing} request log lines missing from LOG_FILE.`);
      process.exitCode = 1;
    }
  } finally {
    unpinPostgres();
    for (const db of databases) await db.drop();
    removeTmp();
  }
}

function contender(build: Build, tmp: string, consoleToFile: boolean, database?: BenchDatabase): Contender {
  return pricebookContender({
    key: `${build.side}-${database ? 'postgres' : 'sqlite'}`,
    tmp,
    postgresUrl: database?.url,
    root: build.root,
    env: build.env,
    consoleFile: (name) => (consoleToFile ? join(tmp, `${name}.console`) : undefined),
  });
}

interface CompareRow {
  backend: Backend;
  scenario: string;
  connections: number;
  aReqPerCpuSecond: number;
  bReqPerCpuSecond: number;
  /** Median of the per-round ratios of B's requests per CPU-second to A's. */
  ratio: number;
  roundRatios: number[];
  aRps: number;
  bRps: number;
  ratioRps: number;
  errors: { a: number; b: number };
  logMissing: number;
}

function compareRows(runs: Run[], backends: Backend[], options: BenchOptions): CompareRow[] {
  const rows: CompareRow[] = [];
  for (const backend of backends) {
    for (const scenario of options.scenarios) {
      for (const connections of options.shapes) {
        const of = (side: 'A' | 'B') =>
          runs.filter(
            (r) => r.server === `${side}-${backend}` && r.scenario === scenario.name && r.connections === connections,
          );
        const [a, b] = [of('A'), of('B')];
        const pairs = a.flatMap((ra) => {
          const rb = b.find((r) => r.round === ra.round);
          return rb ? [{ a: ra.m, b: rb.m }] : [];
        });
        const ratios = (pick: (m: Measurement) => number) => pairs.map((p) => pick(p.b) / pick(p.a));
        const roundRatios = ratios((m) => m.reqPerCpuSecond);
        rows.push({
          backend,
          scenario: scenario.name,
          connections,
          aReqPerCpuSecond: median(a.map((r) => r.m.reqPerCpuSecond)),
          bReqPerCpuSecond: median(b.map((r) => r.m.reqPerCpuSecond)),
          ratio: median(roundRatios),
          roundRatios,
          aRps: median(a.map((r) => r.m.rps)),
          bRps: median(b.map((r) => r.m.rps)),
          ratioRps: median(ratios((m) => m.rps)),
          errors: {
            a: a.reduce((s, r) => s + r.m.errors + r.m.non2xx, 0),
            b: b.reduce((s, r) => s + r.m.errors + r.m.non2xx, 0),
          },
          logMissing: [...a, ...b].reduce((s, r) => s + (r.m.log?.missing ?? 0), 0),
        });
      }
    }
  }
  return rows;
}

function summarizeRatios(ratios: number[]) {
  const finite = ratios.filter(Number.isFinite);
  return { count: finite.length, median: median(finite), min: Math.min(...finite), max: Math.max(...finite) };
}

function renderComparison(results: {
  date: string;
  command: string;
  machine: ReturnType<typeof machineInfo>;
  a: { description: string; env: Record<string, string> };
  b: { description: string; env: Record<string, string> };
  settings: {
    rounds: number;
    duration: number;
    warmup: number;
    serverWarmup: number;
    connections: number[];
    together: boolean;
  };
  rows: CompareRow[];
  allRoundRatios: ReturnType<typeof summarizeRatios>;
  logging: { complete: boolean; missingLines: number };
}): string {
  const { machine, settings, allRoundRatios: all } = results;
  const lines = [
    `Compared ${results.date.slice(0, 16).replace('T', ' ')} UTC on ${machine.cpuModel} (nproc ${machine.nproc}), Node ${machine.node}; ` +
      `command: \`${results.command}\`.`,
    '',
    `- **A** = ${results.a.description}${describeEnv(results.a.env)}`,
    `- **B** = ${results.b.description}${describeEnv(results.b.env)}`,
    `- Both pinned to core ${SERVER_CPU} (load generator and PostgreSQL on core ${LOAD_CPU}), ${settings.together ? 'loaded at the same time (each its own autocannon)' : 'measured back to back in every round (order flipped each round)'}, ` +
      `${settings.rounds} round(s) × ${settings.duration} s (${describeWarmups(settings)}) at ${settings.connections.join(' and ')} connections. ` +
      `**B/A** is the median over rounds of B's requests per server CPU-second ÷ A's in the same round; "rounds" lists every round's ratio.`,
    '',
    '| backend | scenario | conn | A req/CPU-s | B req/CPU-s | **B/A** | rounds | B/A req/s | errors A / B | log lines missing |',
    '| --- | --- | ---: | ---: | ---: | ---: | --- | ---: | ---: | ---: |',
    ...results.rows.map(
      (r) =>
        `| ${r.backend} | ${r.scenario} | ${r.connections} | ${fmt(r.aReqPerCpuSecond)} | ${fmt(r.bReqPerCpuSecond)} | **${fmt(r.ratio, 3)}** | ` +
        `${r.roundRatios.map((x) => fmt(x, 3)).join(', ')} | ${fmt(r.ratioRps, 3)} | ${r.errors.a} / ${r.errors.b} | ${r.logMissing} |`,
    ),
    '',
    `All ${all.count} per-round ratios: median ${fmt(all.median, 3)}, from ${fmt(all.min, 3)} to ${fmt(all.max, 3)}` +
      ' (with A and B the same build, this is the noise floor of one comparison).',
    `- Logging: ${results.logging.complete ? 'complete' : `**${results.logging.missingLines} lines missing**`}.`,
    '',
  ];
  return lines.join('\n');
}
