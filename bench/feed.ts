// The live feed under load (issue 17): SSE subscribers on one pricebook process while a writer
// makes 100 writes a second; and the delivery latency across three replicas on PostgreSQL.
//
//   node --import tsx bench/feed.ts [--subscribers 1000] [--rate 100] [--seconds 20] [--postgres]
//
// Runs the built server (npm run build first: dist/server.js) as the bench does (bench/lib.ts:
// pinned to the server core, its console drained through a pipe); this process (the subscribers
// and the writer) on the load core. Reports, for the run:
// delivery latency (from the moment the POST was sent to the event's arrival, per subscriber and
// event) p50/p99, the server's CPU time per delivered event, and its resident memory per subscriber
// (RSS with the subscribers connected and idle, minus RSS before, divided by their number).

import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { LOAD_CPU, pinSelf, type Server, startServer } from './lib.js';
import { cpuSeconds, rssKb } from './proc.js';

const args = process.argv.slice(2);
const option = (name: string, fallback: number) => {
  const at = args.indexOf(`--${name}`);
  return at === -1 ? fallback : Number(args[at + 1]);
};
const SUBSCRIBERS = option('subscribers', 1000);
const RATE = option('rate', 100);
const SECONDS = option('seconds', 20);
const POSTGRES = args.includes('--postgres');
const ADMIN_URL = process.env.BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** pricebook as shipped (dist/server.js, console to a drained pipe) on the server core. */
const startFeedServer = (databaseUrl: string, n: number) =>
  startServer({
    name: `feed-${n}`,
    kind: 'pricebook',
    env: {
      DATABASE_URL: databaseUrl,
      LOG_FILE: '',
      LOG_LEVEL: 'warn',
      METRICS: 'false',
      EVENTS_MAX_CLIENTS: String(SUBSCRIBERS + 10),
    },
  });

/**
 * Opens a subscriber on a bare socket; `onEvent(writeNumber)` for each event whose product is
 * `w<n>`. No HTTP parser: a thousand subscribers in one process of the load generator's single
 * core would otherwise measure that process's own queue more than the server.
 */
function subscribe(port: number, onEvent: (write: number) => void): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => {
      socket.write(`GET /api/events/ HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n`);
    });
    socket.setEncoding('latin1');
    let started = false;
    let rest = '';
    socket.on('data', (chunk: string) => {
      if (!started) {
        if (!chunk.startsWith('HTTP/1.1 200')) return reject(new Error(`subscriber got ${chunk.slice(0, 12)}`));
        started = true;
        resolve(socket);
      }
      // An event may span two reads: keep what follows the last line end for the next one.
      const text = rest + chunk;
      const end = text.lastIndexOf('\n') + 1;
      rest = text.slice(end);
      for (const match of text.slice(0, end).matchAll(/"product":"w(\d+)"/g)) onEvent(Number(match[1]));
    });
    socket.on('error', reject);
  });
}

async function write(port: number, n: number): Promise<void> {
  const response = await fetch(`http://127.0.0.1:${port}/api/items/`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ product: `w${n}`, price: n }),
  });
  if (response.status !== 201) throw new Error(`write got ${response.status}`);
  await response.arrayBuffer();
}

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;

/** Subscribers spread over `ports`, writes to the first; latencies per subscriber's port index. */
async function run(ports: number[], serverPids: number[]) {
  const sentAt = new Map<number, number>();
  const latencies: number[][] = ports.map(() => []);
  let delivered = 0;
  const rssBefore = serverPids.map((pid) => rssKb(pid));
  const requests: Socket[] = [];
  for (let i = 0; i < SUBSCRIBERS; i++) {
    const at = i % ports.length;
    requests.push(
      await subscribe(ports[at] as number, (n) => {
        const sent = sentAt.get(n);
        if (sent === undefined) return;
        delivered++;
        (latencies[at] as number[]).push(performance.now() - sent);
      }),
    );
  }
  await sleep(2000);
  const rssAfter = serverPids.map((pid) => rssKb(pid));
  const cpuBefore = serverPids.map((pid) => cpuSeconds(pid));
  const started = performance.now();
  const writes: Promise<void>[] = [];
  const total = RATE * SECONDS;
  for (let n = 1; n <= total; n++) {
    const due = started + ((n - 1) * 1000) / RATE;
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait);
    sentAt.set(n, performance.now());
    writes.push(write(ports[0] as number, n));
  }
  await Promise.all(writes);
  const expected = total * SUBSCRIBERS;
  const deadline = performance.now() + 10_000;
  while (delivered < expected && performance.now() < deadline) await sleep(50);
  const cpuAfter = serverPids.map((pid) => cpuSeconds(pid));
  for (const request of requests) request.destroy();
  const cpu = cpuAfter.reduce((sum, value, i) => sum + value - (cpuBefore[i] as number), 0);
  return {
    writes: total,
    subscribers: SUBSCRIBERS,
    delivered,
    expected,
    latencyMs: latencies.map((list) => {
      const sorted = [...list].sort((a, b) => a - b);
      return { p50: percentile(sorted, 50), p99: percentile(sorted, 99), count: list.length };
    }),
    cpuMicrosPerEvent: (cpu * 1e6) / Math.max(1, delivered),
    serverCpuSeconds: cpu,
    rssPerSubscriberKb:
      rssAfter.reduce((sum, value, i) => sum + value - (rssBefore[i] as number), 0) / Math.max(1, SUBSCRIBERS),
  };
}

async function main() {
  pinSelf(LOAD_CPU);
  const servers: Server[] = [];
  let cleanup = async () => {};
  try {
    let databaseUrl: string;
    if (POSTGRES) {
      const name = `pricebook_feed_${randomBytes(4).toString('hex')}`;
      const admin = new pg.Client({ connectionString: ADMIN_URL });
      await admin.connect();
      await admin.query(`create database ${name}`);
      await admin.end();
      const url = new URL(ADMIN_URL);
      url.pathname = `/${name}`;
      databaseUrl = url.toString();
      cleanup = async () => {
        const again = new pg.Client({ connectionString: ADMIN_URL });
        await again.connect();
        await again.query(`drop database if exists ${name} with (force)`);
        await again.end();
      };
    } else {
      const dir = mkdtempSync(join(tmpdir(), 'pricebook-feed-'));
      databaseUrl = `sqlite:${join(dir, 'db.sqlite3')}`;
      cleanup = async () => rmSync(dir, { recursive: true, force: true });
    }
    // One process; on PostgreSQL three replicas (A takes the writes), all on the server core.
    const replicas = POSTGRES ? 3 : 1;
    for (let i = 0; i < replicas; i++) servers.push(await startFeedServer(databaseUrl, i));
    const result = await run(
      servers.map((server) => server.port),
      servers.map((server) => server.pid),
    );
    console.log(
      JSON.stringify({ database: POSTGRES ? 'postgres' : 'sqlite', replicas, rate: RATE, ...result }, null, 2),
    );
  } finally {
    await Promise.all(servers.map((server) => server.stop()));
    await cleanup();
  }
}

await main();
