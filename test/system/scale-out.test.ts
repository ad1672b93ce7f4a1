import assert from 'node:assert/strict';
import { Agent } from 'node:http';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { createPostgresDatabase, postgresAvailable, tempDir } from '../helpers/backends.js';
import { httpCall, jsonLogLines, logFileLines, waitFor } from '../helpers/reliability.js';
import { inParallel, type ServerProcess, startServer } from '../helpers/server-process.js';

// Many replicas, one database: 1,000 creates, 64 at a time, spread round-robin over the replicas,
// with updates and deletes racing them. Afterwards every acknowledged create is there exactly
// once with its last acknowledged price, deleted items are gone, and every replica lists the same.

const CREATES = 1000;
const CONCURRENCY = 64;

type Item = { id: number; product: string; price: number };

async function hammer(servers: ServerProcess[]) {
  let turn = 0;
  const nextPort = () => (servers[turn++ % servers.length] as ServerProcess).port;
  const acknowledged = new Map<string, Item>(); // product → last acknowledged state
  const deleted = new Set<number>();
  const failures: string[] = [];
  // Plain HTTP on kept-alive connections: fetch cost the test process more CPU than the servers.
  const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  const send = async (method: string, path: string, body?: unknown) => {
    const outcome = await httpCall(nextPort(), method, path, { body, agent });
    // A request that got no answer fails with its error code in place of a status.
    if (outcome.kind !== 'answer') return { status: outcome.code, json: () => undefined };
    return { status: outcome.status, json: () => JSON.parse(outcome.body) };
  };

  const writes: Array<Promise<void>> = [];
  await inParallel(CREATES, CONCURRENCY, async (n) => {
    const product = `S-${n}`;
    const created = await send('POST', '/api/items/', { product, price: n });
    if (created.status !== 201) return void failures.push(`POST ${product} → ${created.status}`);
    const item = created.json() as Item;
    acknowledged.set(product, item);
    // Race the creates with changes to what already exists: every 7th is deleted, every other
    // 5th re-priced.
    if (n % 7 === 0) {
      writes.push(
        send('DELETE', `/api/items/${item.id}/`).then((r) => {
          if (r.status !== 204) failures.push(`DELETE ${item.id} → ${r.status}`);
          deleted.add(item.id);
          acknowledged.delete(product);
        }),
      );
    } else if (n % 5 === 0) {
      writes.push(
        send('PATCH', `/api/items/${item.id}/`, { price: n + 1 }).then((r) => {
          if (r.status === 200) acknowledged.set(product, r.json());
          else failures.push(`PATCH ${item.id} → ${r.status}`);
        }),
      );
    }
  });
  await Promise.all(writes);
  agent.destroy();
  return { acknowledged, deleted, failures };
}

async function assertConsistent(servers: ServerProcess[], result: Awaited<ReturnType<typeof hammer>>) {
  assert.deepEqual(result.failures, [], 'every request succeeded');
  const lists = await Promise.all(servers.map((server) => fetch(`${server.base}/api/items/`).then((r) => r.text())));
  for (const list of lists.slice(1)) assert.equal(list, lists[0], 'every replica lists the same');
  const items = JSON.parse(lists[0] as string) as Item[];
  const ids = items.map((item) => item.id);
  assert.equal(new Set(ids).size, ids.length, 'ids are unique');
  assert.deepEqual(
    ids,
    [...ids].sort((a, b) => a - b),
    'ascending ids',
  );
  const expected = CREATES - Math.floor((CREATES - 1) / 7) - 1;
  assert.equal(items.length, expected, 'every acknowledged create is present once, deleted ones are gone');
  assert.equal(result.acknowledged.size, expected);
  for (const item of items) {
    assert.ok(!result.deleted.has(item.id), `deleted item ${item.id} is gone`);
    assert.deepEqual(item, result.acknowledged.get(item.product), `${item.product} has its acknowledged value`);
  }
}

/** How many processes wrote a line whose message includes `text`. */
const processesLogging = (lines: Array<Record<string, unknown>>, text: string): number =>
  new Set(lines.filter((line) => String(line.message).includes(text)).map((line) => line.pid)).size;

async function stopAll(servers: ServerProcess[]) {
  const codes = await Promise.all(servers.map((server) => server.stop()));
  assert.deepEqual(
    codes,
    servers.map(() => 0),
    'every process exits 0 on SIGTERM',
  );
}

describe('scale-out', { timeout: 240_000 }, () => {
  test('three replicas on one PostgreSQL database', {
    skip: !postgresAvailable && 'PostgreSQL not reachable',
  }, async (t) => {
    const { url, drop } = await createPostgresDatabase();
    t.after(drop);
    // All three migrate at once on start: Kysely's migration lock must make that safe.
    const servers = await Promise.all(
      [1, 2, 3].map(() => startServer({ DATABASE_URL: url, DB_POOL_SIZE: '8', LOG_LEVEL: 'warn' })),
    );
    t.after(() => Promise.all(servers.map((server) => server.stop('SIGKILL'))));
    await assertConsistent(servers, await hammer(servers));
    await stopAll(servers);
  });

  test('WORKERS=2 on one SQLite file', async (t) => {
    const dir = tempDir(t);
    const server = await startServer({
      DATABASE_URL: `sqlite:${join(dir, 'db.sqlite3')}`,
      WORKERS: '2',
      LOG_LEVEL: 'info',
      LOG_FILE: join(dir, 'api.log'),
    });
    t.after(() => server.stop('SIGKILL'));
    // /healthz answers once one worker listens. The load's kept-alive connections are all opened
    // at its start, so it waits for the second worker, or on a busy machine the first gets them all.
    const listening = () => processesLogging(jsonLogLines(server.output()), 'Listening on') === 2;
    await waitFor(listening, 20_000, 'both workers listening');
    await assertConsistent([server], await hammer([server]));
    await stopAll([server]);
    const answering = processesLogging(logFileLines(join(dir, 'api.log')), '[RESPONSE]');
    assert.equal(answering, 2, 'both workers answered requests');
  });
});
