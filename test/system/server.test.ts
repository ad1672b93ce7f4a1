import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { type AddressInfo, createServer } from 'node:net';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import SqliteDatabase from 'better-sqlite3';
import { tempDir } from '../helpers/backends.js';
import { compiledModule } from '../helpers/compiled.js';
import { rawExchange } from '../helpers/http.js';
import { jsonLogLines } from '../helpers/reliability.js';
import { startServer } from '../helpers/server-process.js';
import { waitFor } from '../helpers/wait.js';

// The real process (src/server.ts compiled, see helpers/compiled.ts), as operators run it: folders, migrations,
// both log destinations, the raw 405 for unknown methods, graceful stop, bad configuration, workers.

/** A busy machine can be slow to start a process: a generous bound, which costs nothing when it is fast. */
const STARTUP_MS = 60_000;
/**
 * Runs the server until it exits by itself; its exit code and standard error. Its ports are free
 * ones unless `env` names them: the default 8000 may be taken (bundle.test.ts takes it on purpose).
 */
async function runToExit(env: Record<string, string>): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, [await compiledModule('server.js')], {
    env: { ...process.env, PORT: '0', METRICS_PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk) => {
    stderr += chunk;
  });
  const code = await new Promise<number | null>((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), STARTUP_MS);
    child.once('exit', (exitCode) => {
      clearTimeout(timer);
      resolve(exitCode);
    });
  });
  return { code, stderr };
}

describe('the server process', { timeout: 300_000 }, () => {
  test('creates the data and log folders, migrates, logs to stderr and the file, stops with 0 on SIGTERM', async (t) => {
    const dir = tempDir(t);
    const dbPath = join(dir, 'nested', 'data', 'db.sqlite3');
    const logPath = join(dir, 'other', 'logs', 'api_server.log');
    const server = await startServer(
      { DATABASE_URL: `sqlite:${dbPath}`, LOG_FILE: logPath, LOG_LEVEL: 'info' },
      STARTUP_MS,
    );
    t.after(() => server.stop('SIGKILL'));
    assert.ok(existsSync(dbPath), 'database file created in a new folder');
    assert.ok(existsSync(join(dir, 'other', 'logs')), 'log folder created');

    const created = await fetch(`${server.base}/api/items/`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ product: 'Apple', price: 100 }),
    });
    assert.equal(created.status, 201);
    assert.deepEqual(await created.json(), { id: 1, product: 'Apple', price: 100 });
    const list = await fetch(`${server.base}/api/items/`);
    assert.equal(list.status, 200);
    assert.equal(await list.text(), '[{"id":1,"product":"Apple","price":100}]');

    const raw = await rawExchange(server.port, 'FOO /api/items/ HTTP/1.1\r\nHost: x\r\n\r\n');
    assert.match(raw, /^HTTP\/1.1 405 Method Not Allowed\r\n/);
    assert.match(raw, /\r\nallow: GET, POST, HEAD, OPTIONS\r\n/i);
    assert.ok(raw.endsWith('{"detail":"Method \\"FOO\\" not allowed."}'));

    assert.equal(await server.stop('SIGTERM'), 0);

    const sqlite = new SqliteDatabase(dbPath, { readonly: true });
    try {
      const migrations = sqlite.prepare('select name from kysely_migration order by name').all() as Array<{
        name: string;
      }>;
      assert.ok(migrations.some((m) => m.name === '001_create_items'));
      assert.deepEqual(sqlite.prepare('select id, product, price from items').all(), [
        { id: 1, product: 'Apple', price: 100 },
      ]);
      assert.equal(sqlite.pragma('journal_mode', { simple: true }), 'wal');
    } finally {
      sqlite.close();
    }

    const console = jsonLogLines(server.output());
    const file = jsonLogLines(readFileSync(logPath, 'utf8'));
    for (const [name, lines] of [
      ['stderr', console],
      ['log file', file],
    ] as const) {
      const messages = lines.map((line) => line.message);
      for (const message of [
        '[REQUEST] GET /api/items/',
        '[RESPONSE] GET /api/items/ - 200',
        '[REQUEST] POST /api/items/',
        '[RESPONSE] POST /api/items/ - 201',
      ]) {
        assert.ok(messages.includes(message), `${name}: ${message}`);
      }
      const response = lines.find((line) => line.message === '[RESPONSE] GET /api/items/ - 200');
      assert.equal(response?.status_code, 200);
      assert.equal(typeof response?.request_id, 'string');
      assert.equal(typeof response?.duration_ms, 'number');
    }
    assert.ok(console.some((line) => line.message === 'Method Not Allowed: /api/items/'));
  });

  test('SIGTERM lets an in-flight request finish, then exits 0', async (t) => {
    const dir = tempDir(t);
    const server = await startServer(
      {
        DATABASE_URL: `sqlite:${join(dir, 'db.sqlite3')}`,
        LOG_LEVEL: 'info',
        SHUTDOWN_GRACE_MS: '8000',
      },
      STARTUP_MS,
    );
    t.after(() => server.stop('SIGKILL'));
    const body = JSON.stringify({ product: 'Slow', price: 7 });
    const exitCode = new Promise<number | null>((resolve) => server.child.once('exit', resolve));
    const response = new Promise<{ status: number; body: string }>((resolve, reject) => {
      const request = httpRequest(
        {
          host: '127.0.0.1',
          port: server.port,
          method: 'POST',
          path: '/api/items/',
          headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
        },
        (res) => {
          let text = '';
          res.on('data', (chunk) => {
            text += chunk;
          });
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
        },
      );
      request.on('error', reject);
      request.write(body.slice(0, 10));
      // The rest arrives after SIGTERM.
      waitFor(() => server.output().includes('[REQUEST] POST /api/items/'), 5000, 'the request line')
        .then(async () => {
          server.child.kill('SIGTERM');
          await sleep(300);
          request.end(body.slice(10));
        })
        .catch(reject);
    });
    const answer = await response;
    assert.equal(answer.status, 201, answer.body);
    assert.equal(answer.body, '{"id":1,"product":"Slow","price":7}');
    assert.equal(await exitCode, 0);
    const sqlite = new SqliteDatabase(join(dir, 'db.sqlite3'), { readonly: true });
    try {
      assert.deepEqual(sqlite.prepare('select id, product, price from items').all(), [
        { id: 1, product: 'Slow', price: 7 },
      ]);
    } finally {
      sqlite.close();
    }
  });

  test('an invalid environment exits 1 with a message naming the variable', async (t) => {
    const dir = tempDir(t);
    for (const [env, message] of [
      [{ PORT: 'abc' }, 'PORT must be a whole number from 0 to 65535, got "abc"'],
      [{ LOG_LEVEL: 'loud', WORKERS: '0' }, 'WORKERS must be a whole number from 1 to 64, got "0"'],
    ] as const) {
      const { code, stderr } = await runToExit({
        DATABASE_URL: `sqlite:${join(dir, 'db.sqlite3')}`,
        LOG_FILE: '',
        ...env,
      });
      assert.equal(code, 1, stderr);
      assert.match(stderr, /Invalid configuration/);
      assert.ok(stderr.includes(message), stderr);
    }
    assert.equal(existsSync(join(dir, 'db.sqlite3')), false, 'nothing is created on a bad configuration');
  });

  test('a start-up failure is one plain line naming the setting to fix, with no stack trace', async (t) => {
    const dir = tempDir(t);
    const notAFolder = join(dir, 'file');
    writeFileSync(notAFolder, 'x');
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    t.after(() => blocker.close());
    const taken = String((blocker.address() as AddressInfo).port);
    for (const [env, line] of [
      [
        { DATABASE_URL: `sqlite:${notAFolder}/data/db.sqlite3` },
        `Cannot start: DATABASE_URL (SQLite ${notAFolder}/data/db.sqlite3): a part of the path is not a folder`,
      ],
      [
        { DATABASE_URL: `sqlite:${join(dir, 'db.sqlite3')}`, PORT: taken, HOST: '127.0.0.1' },
        `Cannot start: PORT ${taken} / HOST 127.0.0.1: the address is already in use`,
      ],
      [
        { DATABASE_URL: `sqlite:${join(dir, 'db.sqlite3')}`, METRICS_PORT: taken, HOST: '127.0.0.1' },
        `Cannot start: METRICS_PORT ${taken}: the address is already in use`,
      ],
      [
        { DATABASE_URL: 'postgres://someone:s3cret-pw@127.0.0.1:1/shop' },
        'Cannot start: DATABASE_URL (PostgreSQL 127.0.0.1:1/shop): the connection was refused',
      ],
    ] as const) {
      const { code, stderr } = await runToExit({ LOG_FILE: '', ...env });
      assert.equal(code, 1, stderr);
      const lines = stderr.trim().split('\n');
      assert.ok(lines.at(-1)?.startsWith(line), stderr);
      assert.equal(lines.filter((text) => text.startsWith('Cannot start')).length, 1, stderr);
      assert.doesNotMatch(stderr, /\n\s+at |Error:|s3cret-pw/, 'no stack trace, no password');
      const [first] = jsonLogLines(stderr);
      assert.match(
        String(first?.message),
        /^pricebook on http:\/\/.+ \(page\) and .+\/api\/docs\/ \(API docs\); database: /,
      );
    }
  });

  test('WORKERS=2 whose workers cannot start backs off, then exits 1 with one line', async (t) => {
    const dir = tempDir(t);
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    t.after(() => blocker.close());
    const taken = String((blocker.address() as AddressInfo).port);
    const env = { DATABASE_URL: `sqlite:${join(dir, 'db.sqlite3')}`, PORT: taken, HOST: '127.0.0.1', WORKERS: '2' };
    const { code, stderr } = await runToExit({ LOG_FILE: '', ...env });
    assert.equal(code, 1, stderr);
    const failures = stderr.split('\n').filter((line) => line.startsWith('Cannot start'));
    assert.deepEqual(failures.length, 1, stderr);
    assert.match(
      failures[0] as string,
      /the address is already in use .*\(workers failed to start 5 times in a row\)$/,
    );
    const retries = jsonLogLines(stderr).filter((line) => line.message === 'A worker could not start; trying again');
    assert.deepEqual(
      retries.map((line) => line.retry_in_ms),
      [250, 500, 1000, 2000],
      'the delay doubles between tries',
    );
  });

  test('standard error closed by its reader: the service keeps serving and logging to the file, and exits 0', async (t) => {
    const dir = tempDir(t);
    const logPath = join(dir, 'api.log');
    const server = await startServer(
      { DATABASE_URL: `sqlite:${join(dir, 'db.sqlite3')}`, LOG_LEVEL: 'info', LOG_FILE: logPath, WORKERS: '2' },
      STARTUP_MS,
    );
    t.after(() => server.stop('SIGKILL'));
    server.child.stderr?.destroy();
    for (let i = 0; i < 200; i++) {
      assert.equal((await fetch(`${server.base}/api/items/`)).status, 200);
    }
    const exited = server.stop('SIGTERM');
    // Unreferenced: once the race is decided, this timer must not keep the test process alive.
    const outcome = await Promise.race([exited, sleep(15_000, 'hung', { ref: false })]);
    assert.equal(outcome, 0, 'exits 0 instead of retrying the broken write forever');
    const responses = readFileSync(logPath, 'utf8')
      .split('\n')
      .filter((line) => line.includes('[RESPONSE] GET /api/items/'));
    assert.equal(responses.length, 200, 'the log file has every response line');
  });

  test('WORKERS=2: both worker processes answer, and SIGTERM stops all with 0', async (t) => {
    const dir = tempDir(t);
    const logPath = join(dir, 'api.log');
    const server = await startServer(
      {
        DATABASE_URL: `sqlite:${join(dir, 'db.sqlite3')}`,
        WORKERS: '2',
        LOG_LEVEL: 'info',
        LOG_FILE: logPath,
      },
      STARTUP_MS,
    );
    t.after(() => server.stop('SIGKILL'));
    const pidsThatAnswered = () =>
      new Set(
        jsonLogLines(server.output())
          .filter((line) => String(line.message).startsWith('[RESPONSE] GET /api/items/'))
          .map((line) => line.pid),
      );
    const bothAnswered = async () => {
      // A new connection each time: the primary hands connections to the workers in turn.
      await Promise.all(
        Array.from({ length: 4 }, () =>
          fetch(`${server.base}/api/items/`, { headers: { connection: 'close' } }).then((r) => r.text()),
        ),
      );
      return pidsThatAnswered().size >= 2;
    };
    await waitFor(bothAnswered, 20_000, 'both workers to answer').catch(() => {});
    const pids = pidsThatAnswered();
    assert.equal(pids.size, 2, `pids seen: ${[...pids].join(', ')}`);
    for (const pid of pids) {
      assert.equal(typeof pid, 'number');
      assert.notEqual(pid, server.child.pid, 'workers, not the primary, serve requests');
    }
    // A worker that dies is replaced, and the service keeps answering.
    const [victim] = [...pids] as number[];
    process.kill(victim as number, 'SIGKILL');
    const replaced = async () => {
      const answers = await Promise.all(
        Array.from({ length: 4 }, () =>
          // A connection handed to the worker just as it died is lost: bound the wait.
          fetch(`${server.base}/api/items/`, {
            headers: { connection: 'close' },
            signal: AbortSignal.timeout(3000),
          }).then(
            (r) => r.status,
            () => 0,
          ),
        ),
      );
      return [...pidsThatAnswered()].some((pid) => !pids.has(pid)) && answers.every((status) => status === 200);
    };
    await waitFor(replaced, 20_000, 'a new worker to answer after one was killed');
    assert.match(server.output(), /Worker died; starting another/);

    assert.equal(await server.stop('SIGTERM'), 0);
    for (const pid of pidsThatAnswered()) {
      assert.throws(() => process.kill(pid as number, 0), 'the worker has exited');
    }
  });
});
