import assert from 'node:assert/strict';
import { Agent } from 'node:http';
import { test } from 'node:test';
import { openDatabase } from '../../src/db/database.js';
import { backends, databaseUrlOf, freshDatabase } from '../helpers/backends.js';
import { itemsIn } from '../helpers/items.js';
import { httpCall } from '../helpers/reliability.js';
import { type ServerProcess, startServer } from '../helpers/server-process.js';

// Crash durability: clients keep creating, updating and deleting items against the real server
// process; after some hundreds of acknowledged writes the server is killed with SIGKILL while
// requests are in flight, then restarted on the same database. Every write that got a 2xx must
// be there with its acknowledged value. To make the check exact, each item is written by one
// client only, one request at a time, with strictly increasing prices: so the stored price is
// either the last acknowledged one or the one request that was in flight when the server died.

const CLIENTS = 8;
const KILL_AFTER_ACKS = 300;

interface Tracked {
  product: string;
  createPrice: number;
  created: 'sent' | 'acked';
  id?: number;
  /** Price of the last acknowledged write (create or update). */
  lastAck?: number;
  /** Price of the last write sent (acknowledged or not). */
  lastSent: number;
  deleted: 'no' | 'sent' | 'acked';
}

for (const backend of backends) {
  test(`SIGKILL mid-load loses no acknowledged write (${backend})`, { timeout: 120_000 }, async (t) => {
    const database = await freshDatabase(t, backend);
    const databaseUrl = databaseUrlOf(database);
    const env = { DATABASE_URL: databaseUrl, LOG_LEVEL: 'warn', DB_POOL_SIZE: '10' };
    const servers: ServerProcess[] = [];
    t.after(async () => {
      for (const server of servers) await server.stop('SIGKILL');
    });

    const first = await startServer(env);
    servers.push(first);
    const agent = new Agent({ keepAlive: true, maxSockets: CLIENTS });
    t.after(() => agent.destroy());

    const items: Tracked[] = [];
    let acks = 0;
    let inFlight = 0;
    let inFlightAtKill = -1;
    let killed = false;
    const kill = () => {
      if (killed) return;
      killed = true;
      inFlightAtKill = inFlight;
      first.child.kill('SIGKILL');
    };
    const ack = () => {
      acks++;
      if (acks >= KILL_AFTER_ACKS) kill();
    };
    const call = async (method: string, path: string, body?: unknown) => {
      inFlight++;
      try {
        return await httpCall(first.port, method, path, { body, agent, timeoutMs: 10_000 });
      } finally {
        inFlight--;
      }
    };

    const client = async (c: number) => {
      for (let n = 0; ; n++) {
        const price = (c * 100_000 + n) * 10;
        const item: Tracked = {
          product: `c${c}-${n}`,
          createPrice: price,
          created: 'sent',
          lastSent: price,
          deleted: 'no',
        };
        items.push(item);
        const created = await call('POST', '/api/items/', { product: item.product, price });
        if (created.kind !== 'answer') return;
        assert.equal(created.status, 201, created.body);
        const body = JSON.parse(created.body) as { id: number; product: string; price: number };
        assert.deepEqual(body, { id: body.id, product: item.product, price });
        item.created = 'acked';
        item.id = body.id;
        item.lastAck = price;
        ack();
        // Updates with increasing prices, alternately PATCH and PUT, one at a time.
        for (let u = 1; u <= 3; u++) {
          const next = price + u;
          item.lastSent = next;
          const updated =
            u % 2 === 1
              ? await call('PATCH', `/api/items/${body.id}/`, { price: next })
              : await call('PUT', `/api/items/${body.id}/`, { product: item.product, price: next });
          if (updated.kind !== 'answer') return;
          assert.equal(updated.status, 200, updated.body);
          assert.deepEqual(JSON.parse(updated.body), { id: body.id, product: item.product, price: next });
          item.lastAck = next;
          ack();
        }
        if (n % 4 === 3) {
          item.deleted = 'sent';
          const deleted = await call('DELETE', `/api/items/${body.id}/`);
          if (deleted.kind !== 'answer') return;
          assert.equal(deleted.status, 204, deleted.body);
          item.deleted = 'acked';
          ack();
        }
        if (n > 10_000) throw new Error('the server was never killed');
      }
    };
    await Promise.all(Array.from({ length: CLIENTS }, (_, c) => client(c)));
    assert.ok(killed, 'the server was killed');
    assert.equal(await first.stop('SIGKILL'), null, 'the server died by the signal');
    assert.ok(acks >= KILL_AFTER_ACKS, `${acks} acknowledged writes`);
    assert.ok(inFlightAtKill > 0, `requests were in flight when the server was killed (${inFlightAtKill})`);

    // Restart on the same database and compare what is stored with what was acknowledged.
    const second = await startServer(env);
    servers.push(second);
    const list = await httpCall(second.port, 'GET', '/api/items/');
    assert.ok(list.kind === 'answer' && list.status === 200);
    const listed = JSON.parse(list.body) as Array<{ id: number; product: string; price: number }>;

    const db = await openDatabase(database);
    t.after(() => db.close());
    const stored = await itemsIn(db).list();
    assert.deepEqual(
      listed,
      stored.map(({ id, product, price }) => ({ id, product, price })),
      'the restarted server lists what the database holds',
    );

    const byProduct = new Map(items.map((item) => [item.product, item]));
    const seen = new Set<string>();
    for (const row of stored) {
      const item = byProduct.get(row.product);
      assert.ok(item, `row ${JSON.stringify(row)} was written by a client`);
      assert.ok(!seen.has(row.product), `${row.product} is stored once`);
      seen.add(row.product);
      assert.notEqual(item.deleted, 'acked', `${row.product}: an acknowledged delete stays deleted`);
      if (item.created === 'acked') assert.equal(row.id, item.id, `${row.product} keeps its id`);
      // Stored: the last acknowledged price, or the one write in flight when the server died.
      const allowed = new Set([item.lastAck ?? item.createPrice, item.lastSent]);
      assert.ok(allowed.has(row.price), `${row.product}: price ${row.price} ∈ {${[...allowed].join(', ')}}`);
    }
    let acknowledgedCreates = 0;
    for (const item of items) {
      if (item.created !== 'acked') continue;
      acknowledgedCreates++;
      if (item.deleted === 'no') assert.ok(seen.has(item.product), `acknowledged ${item.product} is present`);
    }
    assert.ok(acknowledgedCreates > 20, `${acknowledgedCreates} acknowledged creates`);

    // Ids are never reused after the crash.
    const maxId = Math.max(...items.map((item) => item.id ?? 0));
    const next = await httpCall(second.port, 'POST', '/api/items/', { body: { product: 'after', price: 1 } });
    assert.ok(next.kind === 'answer' && next.status === 201, JSON.stringify(next));
    assert.ok((JSON.parse(next.body) as { id: number }).id > maxId, 'a new id is larger than every acknowledged one');
    assert.equal(await second.stop('SIGTERM'), 0);
  });
}
