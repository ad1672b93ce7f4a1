import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import {
  closeSync,
  constants,
  createReadStream,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  rmSync,
  statSync,
  truncateSync,
  unlinkSync,
} from 'node:fs';
import { request } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import autocannon, { type Request, type RequestParams, type Result } from 'autocannon';
import SqliteDatabase from 'better-sqlite3';
import pg from 'pg';
import { addChangeLogClock } from '../src/db/sqlite-driver.js';
import { cpuDelta, cpuOfCommand, cpuSnapshot, pidsOf, rssSampler } from './proc.js';

// Shared machinery of bench/run.ts and bench/profile.ts: starting and stopping servers (pinned to
// a core with taskset when it exists), seeding each backend, running autocannon and measuring the
// server's CPU, RSS and log lines around the run.

export const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const SERVER_JS = join(ROOT, 'dist', 'server.js');
export const CEILING_TS = join(ROOT, 'bench', 'ceiling-server.ts');
export const FLOOR_TS = join(ROOT, 'bench', 'floor-server.ts');

export const HAS_TASKSET = (() => {
  try {
    execFileSync('taskset', ['-p', String(process.pid)], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

/** Server core and load-generator core (the last one); the same core on a 1-core machine. */
export const SERVER_CPU = '0';
/** CPUs this process may use, read before pinSelf narrows it. */
export const NPROC = Number(execFileSync('nproc').toString().trim());
export const LOAD_CPU = String(Math.max(0, NPROC - 1));

/** Pins this process (every thread: autocannon runs here) to the load core, or unpins it. */
export function pinSelf(cpus: string): void {
  if (HAS_TASKSET) execFileSync('taskset', ['-a', '-p', '-c', cpus, String(process.pid)], { stdio: 'ignore' });
}

/**
 * Moves every running process named `command` (a local database server) onto `cpus`, as RDS
 * runs on other machines than the service: otherwise it preempts the pinned server and inflates
 * the server's CPU per request. Returns a function that gives each process its old CPUs back.
 * Without taskset, or for a process this user may not move, nothing changes.
 */
export function pinCommand(command: string, cpus: string): () => void {
  if (!HAS_TASKSET) return () => {};
  const moved: Array<{ pid: string; before: string }> = [];
  for (const pid of pidsOf(command).map(String)) {
    try {
      const before = execFileSync('taskset', ['-c', '-p', pid], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
      })
        .split(':')
        .at(-1)
        ?.trim();
      execFileSync('taskset', ['-a', '-c', '-p', cpus, pid], { stdio: 'ignore' });
      if (before) moved.push({ pid, before });
    } catch {
      // gone meanwhile, or not ours to move
    }
  }
  return onCleanup(() => {
    for (const { pid, before } of moved) {
      try {
        execFileSync('taskset', ['-a', '-c', '-p', before, pid], { stdio: 'ignore' });
      } catch {
        // gone meanwhile
      }
    }
  });
}

/** A free port that is not `taken` (the system may hand out a port just released again). */
async function freePortOtherThan(taken: number): Promise<number> {
  for (;;) {
    const port = await freePort();
    if (port !== taken) return port;
  }
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

const SERVER_SETTINGS =
  /^(PORT|HOST|DATABASE_URL|PG[A-Z]*|LOG_[A-Z]+|WORKERS|MIGRATE_ON_START|API_TOKEN|RATE_LIMIT|BODY_LIMIT|TRUST_PROXY|METRICS[A-Z_]*|[A-Z_]*TIMEOUT_MS|DB_[A-Z_]+)$/;

/** Servers running now; killed if the bench itself is interrupted. */
const live = new Set<ChildProcess>();
/** Synchronous clean-ups (CPUs given back, temp dirs removed) that must also run when interrupted. */
const cleanups = new Set<() => void>();
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    for (const child of live) child.kill('SIGKILL');
    for (const cleanup of cleanups) cleanup();
    process.exit(130);
  });
}

/** Runs `cleanup` once: when the returned function is called, or when the bench is interrupted. */
export function onCleanup(cleanup: () => void): () => void {
  let done = false;
  const once = () => {
    if (done) return;
    done = true;
    cleanups.delete(once);
    cleanup();
  };
  cleanups.add(once);
  return once;
}

/** True while the server process runs. */
export const alive = (server: Server) => server.child.exitCode === null && server.child.signalCode === null;

export interface Server {
  name: string;
  pid: number;
  port: number;
  url: string;
  child: ChildProcess;
  /** The pricebook log file (null for the ceiling). */
  logFile: string | null;
  stop(): Promise<void>;
}

export interface StartOptions {
  name: string;
  kind: 'pricebook' | 'ceiling' | 'floor';
  /** pricebook only: the checkout whose dist/server.js runs (default: this one). */
  root?: string;
  env?: Record<string, string>;
  /** Pin to the server core (default true). */
  pin?: boolean;
  nodeArgs?: string[];
  /**
   * Where the server's console output (stdout and stderr) goes: by default a pipe that a separate
   * process drains, as a container runtime reads a container's output; or this file.
   */
  consoleFile?: string;
  timeoutMs?: number;
}

/**
 * Spawns a server and resolves once GET /healthz answers 200; `startMs` is spawn → first 200.
 * On this shared machine other jobs sometimes signal every server process, and a port found free
 * can be taken before the server binds it: a server that fails to start is started again (twice
 * at most).
 */
export async function startServer(options: StartOptions): Promise<Server & { startMs: number }> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(options);
    } catch (error) {
      if (attempt >= 3 || !(error instanceof FailedToStart)) throw error;
      process.stderr.write(`!! ${options.name}: ${(error as Error).message}; starting again\n`);
    }
  }
}

class FailedToStart extends Error {}

async function startOnce(options: StartOptions): Promise<Server & { startMs: number }> {
  const port = await freePort();
  const pin = options.pin !== false && HAS_TASKSET;
  const root = options.kind === 'pricebook' ? (options.root ?? ROOT) : ROOT;
  const script = {
    pricebook: [join(root, 'dist', 'server.js')],
    ceiling: ['--import', 'tsx', CEILING_TS],
    floor: ['--import', 'tsx', FLOOR_TS],
  }[options.kind];
  const command = [process.execPath, ...(options.nodeArgs ?? []), ...script];
  const argv = pin ? ['taskset', '-c', SERVER_CPU, ...command] : command;
  const output = options.consoleFile ? { fd: openSync(options.consoleFile, 'a') } : consolePipe();
  // The server's own settings come from the bench only (as shipped = defaults), not from this shell.
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([key]) => !SERVER_SETTINGS.test(key)));
  // Metrics stay on, as shipped, each server on a port of its own (several run at once).
  const env = {
    ...inherited,
    ...options.env,
    PORT: String(port),
    HOST: '127.0.0.1',
    ...(options.kind === 'pricebook' ? { METRICS_PORT: String(await freePortOtherThan(port)) } : {}),
  };
  const started = performance.now();
  // taskset execs the command: the child's pid is the server's pid.
  let child: ChildProcess;
  try {
    child = spawn(argv[0] as string, argv.slice(1), { cwd: root, env, stdio: ['ignore', output.fd, output.fd] });
  } finally {
    // The server has its own copy: when it exits, the drain reads the end of the pipe and exits.
    closeSync(output.fd);
  }
  let stopping = false;
  const exited = new Promise<void>((resolve) =>
    child.once('exit', (code, signal) => {
      live.delete(child);
      if (!stopping)
        process.stderr.write(
          `!! ${options.name} (pid ${child.pid}) exited unexpectedly: code ${code}, signal ${signal}\n`,
        );
      resolve();
    }),
  );
  live.add(child);
  const url = `http://127.0.0.1:${port}`;
  const deadline = started + (options.timeoutMs ?? 30_000);
  while ((await status(`${url}/healthz`)) !== 200) {
    if (child.signalCode !== null) throw new FailedToStart(`killed by ${child.signalCode} while starting`);
    if (child.exitCode !== null) throw new FailedToStart(`exited with ${child.exitCode} while starting`);
    if (performance.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`${options.name} did not start in time`);
    }
    await sleep(2);
  }
  const startMs = performance.now() - started;
  return {
    name: options.name,
    pid: child.pid as number,
    port,
    url,
    child,
    logFile: options.kind === 'pricebook' ? options.env?.LOG_FILE || null : null,
    startMs,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      stopping = true;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

let fifoDir: string | undefined;
process.once('exit', () => {
  if (fifoDir) rmSync(fifoDir, { recursive: true, force: true });
});

/** A new temp dir, removed by the returned function (or when the bench is interrupted). */
export function makeTempDir(prefix: string): { path: string; remove: () => void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, remove: onCleanup(() => rmSync(path, { recursive: true, force: true })) };
}

/** Drains its standard input (the pipe) to nowhere, and exits when every writer is gone. */
const DRAIN_JS = 'process.stdin.resume()';

/**
 * A pipe for a server's console output whose read end a separate drain process (on the load
 * core) reads and discards: writing costs the server what it costs in a container (containerd
 * also hands a container FIFOs), where /dev/null would cost nothing and a full pipe back-pressures
 * as it would there. A FIFO, not Node's stdio "pipe" (a socket pair), and a write end of its own.
 */
function consolePipe(): { fd: number } {
  fifoDir ??= mkdtempSync(join(tmpdir(), 'pricebook-bench-fifo-'));
  const path = join(fifoDir, `console-${process.hrtime.bigint()}`);
  execFileSync('mkfifo', ['-m', '600', path]);
  // Opened for reading first (without waiting for a writer), so opening for writing cannot block.
  const readFd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  const writeFd = openSync(path, constants.O_WRONLY);
  unlinkSync(path);
  try {
    const command = [process.execPath, '-e', DRAIN_JS];
    const argv = HAS_TASKSET ? ['taskset', '-c', LOAD_CPU, ...command] : command;
    spawn(argv[0] as string, argv.slice(1), { stdio: [readFd, 'ignore', 'ignore'] }).unref();
  } finally {
    closeSync(readFd);
  }
  return { fd: writeFd };
}

/** The status of one request, or 0 when the connection fails. */
export function status(url: string, method = 'GET', body?: string): Promise<number> {
  return new Promise((resolve) => {
    const req = request(url, { method, headers: body ? { 'content-type': 'application/json' } : {} }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', () => resolve(0));
    req.end(body);
  });
}

// ---------------------------------------------------------------------------------------------
// Data sets: ids 1..n, product "P<id % 1000>", price = id — the same in every backend.

export interface Seeder {
  seed(n: number): Promise<void>;
  close(): Promise<void>;
}

export function sqliteSeeder(path: string): Seeder {
  let db: SqliteDatabase.Database | undefined;
  return {
    async seed(n) {
      // The server created the table (migration on start); open after it.
      if (!db) {
        db = new SqliteDatabase(path, { timeout: 10_000 });
        // The change log's triggers call the clock pricebook registers (items/migrations/006).
        addChangeLogClock(db);
      }
      db.exec('BEGIN IMMEDIATE');
      db.exec('DELETE FROM items');
      // The change log, where the build has one (--compare may measure a build from before it).
      if (db.prepare("SELECT 1 FROM sqlite_master WHERE name = 'item_changes'").get())
        db.exec('DELETE FROM item_changes');
      db.exec("DELETE FROM sqlite_sequence WHERE name = 'items'");
      db.prepare(
        `WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < ?)
         INSERT INTO items (id, product, price) SELECT x, 'P' || (x % 1000), x FROM c`,
      ).run(n);
      db.exec('COMMIT');
      db.pragma('wal_checkpoint(TRUNCATE)');
    },
    async close() {
      db?.close();
    },
  };
}

export function postgresSeeder(url: string): Seeder {
  const client = new pg.Client({ connectionString: url });
  let connected: Promise<void> | undefined;
  return {
    async seed(n) {
      connected ??= client.connect().then(() => undefined);
      await connected;
      await client.query('TRUNCATE items RESTART IDENTITY');
      await client.query(
        `DO $$ BEGIN IF to_regclass('item_changes') IS NOT NULL THEN TRUNCATE item_changes; END IF; END $$`,
      );
      await client.query(
        `INSERT INTO items (product, price) SELECT 'P' || (g % 1000), g FROM generate_series(1, $1::int) g ORDER BY g`,
        [n],
      );
      await client.query('ANALYZE items');
    },
    async close() {
      if (connected) await client.end().catch(() => {});
    },
  };
}

export function ceilingSeeder(server: Server): Seeder {
  return {
    async seed(n) {
      const code = await status(`${server.url}/__seed`, 'POST', JSON.stringify({ n }));
      if (code !== 200) throw new Error(`ceiling seed failed: ${code}`);
    },
    async close() {},
  };
}

// ---------------------------------------------------------------------------------------------
// Scenarios

const JSON_HEADERS = { 'content-type': 'application/json' };
const randomId = (n: number) => 1 + Math.floor(Math.random() * n);
/** A request built anew for every send (autocannon passes its defaults: keep them). */
const dynamic = (build: () => RequestParams): Request => ({
  setupRequest: (defaults) => {
    const request = build();
    return { ...defaults, ...request, headers: { ...defaults.headers, ...request.headers } };
  },
});

export interface Scenario {
  name: string;
  label: string;
  /** Items in the table before the run. */
  seed: number;
  /** Target on SQLite: pricebook req/CPU-s ÷ the in-memory ceiling's at least this. */
  ceilingTarget: number;
  /** Target on PostgreSQL: pricebook req/CPU-s ÷ the PostgreSQL floor's at least this. */
  floorTarget: number;
  requests: () => Request[];
}

const detail = (n: number) => ({ method: 'GET', path: `/api/items/${randomId(n)}/` });
const filter = () => ({ method: 'GET', path: `/api/items/?product=P${Math.floor(Math.random() * 1000)}` });
const create = () => ({
  method: 'POST',
  path: '/api/items/',
  headers: JSON_HEADERS,
  body: JSON.stringify({ product: 'Bench item', price: Math.floor(Math.random() * 100_000) }),
});
const put = (n: number) => {
  const id = randomId(n);
  return {
    method: 'PUT',
    path: `/api/items/${id}/`,
    headers: JSON_HEADERS,
    body: JSON.stringify({ product: `P${id % 1000}`, price: Math.floor(Math.random() * 100_000) }),
  };
};

export const SCENARIOS: Scenario[] = [
  {
    name: 'list100',
    label: 'list of 100',
    seed: 100,
    ceilingTarget: 0.5,
    floorTarget: 2,
    requests: () => [{ method: 'GET', path: '/api/items/' }],
  },
  {
    name: 'list10k',
    label: 'list of 10,000',
    seed: 10_000,
    ceilingTarget: 0.5,
    floorTarget: 2,
    requests: () => [{ method: 'GET', path: '/api/items/' }],
  },
  {
    name: 'detail',
    label: 'detail (random id)',
    seed: 10_000,
    ceilingTarget: 0.5,
    floorTarget: 0.8,
    requests: () => [dynamic(() => detail(10_000))],
  },
  {
    name: 'filter',
    label: '?product= (10 of 10,000)',
    seed: 10_000,
    ceilingTarget: 0.5,
    floorTarget: 0.9,
    requests: () => [dynamic(filter)],
  },
  {
    name: 'create',
    label: 'create (POST)',
    seed: 10_000,
    ceilingTarget: 0.25,
    floorTarget: 0.8,
    requests: () => [dynamic(create)],
  },
  {
    name: 'put',
    label: 'PUT (random id)',
    seed: 10_000,
    ceilingTarget: 0.25,
    floorTarget: 0.8,
    requests: () => [dynamic(() => put(10_000))],
  },
  {
    name: 'mix',
    label: 'mix 80% read / 20% write',
    seed: 10_000,
    ceilingTarget: 0.25,
    floorTarget: 0.7,
    // 70 % detail, 10 % filter, 10 % create, 10 % PUT
    requests: () => [
      dynamic(() => {
        const r = Math.random();
        return r < 0.7 ? detail(10_000) : r < 0.8 ? filter() : r < 0.9 ? create() : put(10_000);
      }),
    ],
  },
];

// ---------------------------------------------------------------------------------------------
// One measured run

export interface LoadOptions {
  duration: number;
  warmup: number;
  connections: number;
}

export interface Measurement {
  requests: number;
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  non2xx: number;
  cpuSeconds: number;
  reqPerCpuSecond: number;
  /** CPU of this process (the load generator) per request during the run, µs. */
  loadCpuPerRequestUs: number;
  peakRssMB: number;
  /** CPU seconds of the PostgreSQL server processes during the run (information only). */
  postgresCpuSeconds?: number;
  /** pricebook only: per-request log lines written to LOG_FILE during warm-up + run. */
  log?: LogCount;
}

export interface LogCount {
  /** Requests autocannon got an answer to (warm-up included). */
  answered: number;
  requestLines: number;
  responseLines: number;
  /** Answered requests without their [REQUEST] or [RESPONSE] line. */
  missing: number;
}

export function measure(
  server: Server,
  requests: Request[],
  load: LoadOptions,
  options: { postgres?: boolean } = {},
): Promise<Measurement> {
  return measureTogether([{ server, requests }], load, options).then(([m]) => m as Measurement);
}

/** `requests` sent to `server` for `duration` seconds over `connections` connections, unmeasured. */
export const loadFor = (server: Server, requests: Request[], duration: number, connections: number): Promise<Result> =>
  autocannon({ url: server.url, connections, requests, timeout: 10, duration });

/** The warm-ups a run had, in words, for the results' first line. */
export const describeWarmups = ({ warmup, serverWarmup }: { warmup: number; serverWarmup: number }): string =>
  `+${warmup} s warm-up${serverWarmup > 0 ? `; each server first ran every scenario for ${serverWarmup} s` : ''}`;

/**
 * Loads several servers at the same time, each with its own autocannon run of `load` (warm-up,
 * then the measured run), and measures each. With one server, the bench's usual measurement; with
 * two on one core, a side-by-side comparison in which both see the same machine at the same time.
 * The PostgreSQL server's CPU is recorded only for a single server (it serves them all).
 */
export async function measureTogether(
  targets: Array<{ server: Server; requests: Request[] }>,
  load: LoadOptions,
  options: { postgres?: boolean } = {},
): Promise<Measurement[]> {
  const logStarts = targets.map(({ server }) =>
    server.logFile && existsSync(server.logFile) ? statSync(server.logFile).size : 0,
  );
  const run = (duration: number) =>
    Promise.all(targets.map(({ server, requests }) => loadFor(server, requests, duration, load.connections)));
  const warm = load.warmup > 0 ? await run(load.warmup) : undefined;
  // Requests the warm-up left in flight, and its last log batch (written every 200 ms), are not
  // the measured run's work.
  await Promise.all(targets.map(({ server }) => waitUntilIdle(server, 250)));
  const samplers = targets.map(({ server }) => rssSampler(server.pid));
  const cpuBefore = targets.map(({ server }) => cpuSnapshot(server.pid));
  const countPostgres = options.postgres && targets.length === 1;
  const pgBefore = countPostgres ? cpuOfCommand('postgres') : 0;
  const loadBefore = process.cpuUsage();
  const results: Result[] = await run(load.duration);
  const loadCpu = process.cpuUsage(loadBefore);
  const cpus = targets.map(({ server }, i) => cpuDelta(cpuBefore[i] as Map<number, number>, cpuSnapshot(server.pid)));
  const pgCpu = countPostgres ? cpuOfCommand('postgres') - pgBefore : undefined;
  const allRequests = results.reduce((sum, r) => sum + r.requests.total, 0);
  return Promise.all(
    targets.map(async ({ server }, i) => {
      const result = results[i] as Result;
      const cpu = cpus[i] as number;
      const total = result.requests.total;
      const measurement: Measurement = {
        requests: total,
        rps: total / result.duration,
        p50: result.latency.p50,
        p99: result.latency.p99,
        errors: result.errors + result.timeouts,
        non2xx: result.non2xx,
        cpuSeconds: cpu,
        reqPerCpuSecond: cpu > 0 ? total / cpu : 0,
        loadCpuPerRequestUs: allRequests > 0 ? (loadCpu.user + loadCpu.system) / allRequests : 0,
        peakRssMB: (samplers[i] as ReturnType<typeof rssSampler>).stop(),
      };
      if (pgCpu !== undefined) measurement.postgresCpuSeconds = pgCpu;
      if (server.logFile) {
        const answered = total + (warm?.[i]?.requests.total ?? 0);
        measurement.log = await countLogLines(server.logFile, logStarts[i] as number, answered);
      }
      return measurement;
    }),
  );
}

/**
 * Waits (`atLeastMs` at least) until the server's process tree is idle for 200 ms: requests that
 * an earlier load left in flight are still being answered after the load generator has hung up
 * (64 lists of 10,000 items can keep a busy core for seconds). At most 30 s, then it says so.
 */
export async function waitUntilIdle(server: Server, atLeastMs = 0): Promise<void> {
  const cpu = () => cpuDelta(new Map(), cpuSnapshot(server.pid));
  await sleep(atLeastMs);
  const deadline = performance.now() + 30_000;
  // /proc counts in 10 ms ticks: one tick in 100 ms is idle enough, twice running (a server
  // that is busy but not scheduled on a crowded core can look idle for a moment).
  for (let last = cpu(), idle = 0; performance.now() < deadline; ) {
    await sleep(100);
    const now = cpu();
    idle = now - last <= 0.011 ? idle + 1 : 0;
    if (idle === 2) return;
    last = now;
  }
  process.stderr.write(`!! ${server.name} still busy after 30 s; measuring anyway\n`);
}

/**
 * Counts the request log lines appended to the file since `from`, then truncates it. Buffered
 * destinations flush late: it counts once the file has stopped growing for a moment, and again
 * after each further pause while lines are missing, up to 15 s.
 */
export async function countLogLines(path: string, from: number, answered: number): Promise<LogCount> {
  const counted = { requestLines: 0, responseLines: 0, to: from, rest: '' };
  const missing = () => Math.max(0, answered - counted.requestLines) + Math.max(0, answered - counted.responseLines);
  let size = -1;
  let stableSince = performance.now();
  const deadline = performance.now() + 15_000;
  while (performance.now() < deadline) {
    const now = existsSync(path) ? statSync(path).size : 0;
    if (now !== size) {
      size = now;
      stableSince = performance.now();
    } else if (performance.now() - stableSince > 300) {
      await countLines(path, size, counted);
      if (missing() === 0 || performance.now() - stableSince > 1300) break;
    }
    await sleep(100);
  }
  // The server opened the file with O_APPEND: truncating keeps its next lines at the start.
  truncateSync(path, 0);
  return { answered, requestLines: counted.requestLines, responseLines: counted.responseLines, missing: missing() };
}

/** Counts the complete lines from `counted.to` up to `end`, carrying a partial last line over. */
async function countLines(
  path: string,
  end: number,
  counted: { requestLines: number; responseLines: number; to: number; rest: string },
): Promise<void> {
  if (end <= counted.to) return;
  const count = (line: string) => {
    if (/"message": ?"\[REQUEST\] /.test(line)) counted.requestLines++;
    else if (/"message": ?"\[RESPONSE\] /.test(line)) counted.responseLines++;
  };
  for await (const chunk of createReadStream(path, { start: counted.to, end: end - 1, encoding: 'utf8' })) {
    const lines = (counted.rest + chunk).split('\n');
    counted.rest = lines.pop() ?? '';
    for (const line of lines) count(line);
  }
  counted.to = end;
}

export function median(values: number[]): number {
  const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

export function tempDir(root: string, name: string): string {
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true });
  return dir;
}
