import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import SqliteDatabase from 'better-sqlite3';
import pg from 'pg';
import { freePort } from './lib.js';
import { peakKb, resetPeaks } from './proc.js';

// Bulk writes and CSV, measured (bench/README.md, "Bulk writes and CSV"): for SQLite and PostgreSQL,
// 10,000 creates and then 10,000 updates as one POST /api/items/bulk/ against the same as single
// requests (one at a time, and 16 at once); a 10,000-row CSV import with dry_run and applied; the
// CSV export of 1,000,000 items. Each measurement runs on a fresh server process (from source, as
// `npm run dev` does), whose peak resident memory (VmHWM of the process tree, reset before the
// step) is reported with the wall time.
//
//   node --import tsx bench/bulk.ts [--no-postgres] [--export-rows 1000000] [--ops 10000]

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const args = process.argv.slice(2);
const option = (name: string, fallback: number) => {
  const at = args.indexOf(name);
  return at === -1 ? fallback : Number(args[at + 1]);
};
const OPS = option('--ops', 10_000);
const EXPORT_ROWS = option('--export-rows', 1_000_000);
const POSTGRES_ADMIN = process.env.BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

interface Server {
  base: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

async function startServer(databaseUrl: string): Promise<Server> {
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
    cwd: ROOT,
    env: {
      ...process.env,
      DATABASE_URL: databaseUrl,
      PORT: String(port),
      HOST: '127.0.0.1',
      LOG_FILE: '',
      LOG_LEVEL: 'warn',
      METRICS: 'false',
      BULK_MAX_OPERATIONS: String(OPS),
      IMPORT_MAX_ROWS: String(OPS),
      DB_STATEMENT_TIMEOUT_MS: '0',
      REQUEST_TIMEOUT_MS: '0',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const base = `http://127.0.0.1:${port}`;
  for (let tries = 0; ; tries++) {
    if (
      await fetch(`${base}/readyz`).then(
        (r) => r.ok,
        () => false,
      )
    )
      break;
    if (tries > 400) throw new Error('server did not start');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return {
    base,
    child,
    stop: () =>
      new Promise((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

interface Row {
  backend: string;
  step: string;
  seconds: number;
  peakMb: number;
  note?: string;
}
const results: Row[] = [];

/** Runs `work` against a fresh server on the database, timing it and reading the server's peak memory. */
async function measure(
  backend: string,
  databaseUrl: string,
  step: string,
  work: (base: string) => Promise<string | undefined>,
) {
  const server = await startServer(databaseUrl);
  try {
    const pid = server.child.pid as number;
    resetPeaks(pid);
    const started = performance.now();
    const note = await work(server.base);
    const seconds = (performance.now() - started) / 1000;
    const row = { backend, step, seconds, peakMb: peakKb(pid) / 1024, ...(note ? { note } : {}) };
    results.push(row);
    console.log(
      `${backend.padEnd(9)} ${step.padEnd(44)} ${seconds.toFixed(2).padStart(7)} s ${row.peakMb.toFixed(0).padStart(5)} MB ${note ?? ''}`,
    );
  } finally {
    await server.stop();
  }
}

async function post(url: string, body: string, type = 'application/json', method = 'POST'): Promise<string> {
  const response = await fetch(url, { method, body, headers: { 'content-type': type } });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${url}: ${response.status} ${text.slice(0, 300)}`);
  return text;
}

/** `count` requests made by `concurrency` clients, each waiting for its answer before the next. */
async function inParallel(count: number, concurrency: number, request: (i: number) => Promise<unknown>) {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) await request(next++);
    }),
  );
}

async function ids(base: string): Promise<number[]> {
  const items = (await (await fetch(`${base}/api/items/?ordering=id&price_max=2147483647`)).json()) as Array<{
    id: number;
  }>;
  return items.map((item) => item.id);
}

async function writes(backend: string, url: string, reset: () => Promise<void>) {
  const creates = Array.from({ length: OPS }, (_, i) => ({ op: 'create', product: `Bulk ${i}`, price: i }));
  await reset();
  await measure(backend, url, `${OPS} creates, one bulk request`, async (base) => {
    await post(`${base}/api/items/bulk/`, JSON.stringify(creates));
    return undefined;
  });
  const existing = await (async () => {
    const server = await startServer(url);
    try {
      return await ids(server.base);
    } finally {
      await server.stop();
    }
  })();
  await measure(backend, url, `${OPS} updates, one bulk request`, async (base) => {
    const updates = existing.map((id, i) => ({ op: 'update', id, price: i + 1 }));
    await post(`${base}/api/items/bulk/`, JSON.stringify(updates));
    return undefined;
  });
  for (const concurrency of [1, 16]) {
    await reset();
    await measure(backend, url, `${OPS} creates, single requests ×${concurrency}`, async (base) => {
      await inParallel(OPS, concurrency, (i) =>
        post(`${base}/api/items/`, JSON.stringify({ product: `Single ${i}`, price: i })),
      );
    });
    const created = await (async () => {
      const server = await startServer(url);
      try {
        return await ids(server.base);
      } finally {
        await server.stop();
      }
    })();
    await measure(backend, url, `${OPS} updates, single requests ×${concurrency}`, async (base) => {
      await inParallel(OPS, concurrency, (i) =>
        post(`${base}/api/items/${created[i]}/`, JSON.stringify({ price: i + 1 }), 'application/json', 'PATCH'),
      );
    });
  }
  // The import: half of the rows update the items there, half create new ones.
  const existingNow = await (async () => {
    const server = await startServer(url);
    try {
      return await ids(server.base);
    } finally {
      await server.stop();
    }
  })();
  const lines = Array.from({ length: OPS }, (_, i) =>
    i % 2 === 0 ? `${existingNow[i]},"Imported ${i}",${i + 7}\r\n` : `,"New, ${i}",${i}\r\n`,
  );
  const file = `id,product,price\r\n${lines.join('')}`;
  for (const dryRun of [true, false]) {
    await measure(backend, url, `${OPS}-row CSV import${dryRun ? ', dry_run' : ', applied'}`, async (base) => {
      const answer = JSON.parse(await post(`${base}/api/items/import/?dry_run=${dryRun}`, file, 'text/csv')) as {
        created: number;
        updated: number;
      };
      return `${(file.length / 1024).toFixed(0)} KiB; created ${answer.created}, updated ${answer.updated}`;
    });
  }
}

async function exportCsv(backend: string, url: string) {
  await measure(backend, url, `CSV export of ${EXPORT_ROWS.toLocaleString('en')} items`, async (base) => {
    const response = await fetch(`${base}/api/items/?format=csv`);
    let bytes = 0;
    let lines = 0;
    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
      bytes += chunk.length;
      for (const byte of chunk) if (byte === 0x0a) lines++;
    }
    if (lines !== EXPORT_ROWS + 1) throw new Error(`expected ${EXPORT_ROWS + 1} lines, got ${lines}`);
    return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
  });
}

const started = performance.now();
console.log(`bench/bulk.ts: ${OPS} operations, export of ${EXPORT_ROWS} items; machine shared, results noisy`);

// SQLite: a temp file, migrated by the server on start.
const dir = mkdtempSync(join(tmpdir(), 'pricebook-bulk-'));
try {
  const path = join(dir, 'db.sqlite3');
  const sqliteUrl = `sqlite:${path}`;
  const resetSqlite = async () => {
    const server = await startServer(sqliteUrl); // migrates
    await server.stop();
    const db = new SqliteDatabase(path);
    db.exec('delete from items; delete from idempotency_keys;');
    db.close();
  };
  await writes('SQLite', sqliteUrl, resetSqlite);
  await resetSqlite();
  const db = new SqliteDatabase(path);
  db.exec(`insert into items (product, price, product_search)
    with recursive n(i) as (select 1 union all select i + 1 from n where i < ${EXPORT_ROWS})
    select 'Product ' || i || ', "q"', i % 100000, 'product ' || i || ', "q"' from n`);
  db.close();
  await exportCsv('SQLite', sqliteUrl);
} finally {
  rmSync(dir, { recursive: true, force: true });
}

if (!args.includes('--no-postgres')) {
  const name = `pricebook_bench_bulk_${process.pid}`;
  const admin = new pg.Client({ connectionString: POSTGRES_ADMIN });
  await admin.connect();
  await admin.query(`create database ${name}`);
  const pgUrl = new URL(POSTGRES_ADMIN);
  pgUrl.pathname = `/${name}`;
  const url = pgUrl.toString();
  try {
    const resetPostgres = async () => {
      const server = await startServer(url);
      await server.stop();
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      await client.query('truncate items, idempotency_keys');
      await client.end();
    };
    await writes('PostgreSQL', url, resetPostgres);
    await resetPostgres();
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    await client.query(
      `insert into items (product, price, product_search)
       select 'Product ' || i || ', "q"', i % 100000, 'product ' || i || ', "q"' from generate_series(1, $1) i`,
      [EXPORT_ROWS],
    );
    await client.query('analyze items');
    await client.end();
    await exportCsv('PostgreSQL', url);
  } finally {
    await admin.query(`drop database if exists ${name} with (force)`);
    await admin.end();
  }
}

console.log(`\n| Database | Step | Time (s) | Server peak RSS (MB) | Note |\n|---|---|---:|---:|---|`);
for (const row of results) {
  console.log(
    `| ${row.backend} | ${row.step} | ${row.seconds.toFixed(2)} | ${row.peakMb.toFixed(0)} | ${row.note ?? ''} |`,
  );
}
console.log(`\n(${((performance.now() - started) / 1000).toFixed(0)} s in all)`);
