import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, test } from 'node:test';
import { setImmediate } from 'node:timers/promises';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/app.js';
import { openDatabase } from '../../src/db/database.js';
import { createLogger } from '../../src/logging/logger.js';
import { backends } from '../helpers/backends.js';
import { type Built, build, call } from '../helpers/build.js';

// Two replicas, one database: writes through replica A, reads through replica B, interleaved.
// B caches rendered lists and read items per state of the database (its change token); an answer
// from B must never be older than a write A acknowledged before B's request began.

type Item = { id: number; product: string; price: number };

/** A second app on the same database, as another replica process would be. */
async function replicaOf(t: Parameters<typeof build>[0], first: Built): Promise<FastifyInstance> {
  const database = await openDatabase(first.config.database);
  const quiet = new Writable({ write: (_chunk, _encoding, done) => done() });
  const app = await buildApp(first.config, { database, log: createLogger(first.config, quiet) });
  t.after(() => app.close());
  return app;
}

const detail = async (app: FastifyInstance, id: number) => {
  const response = await call(app, 'GET', `/api/items/${id}/`);
  return response.status === 200 ? (response.json() as Item) : response.status;
};

const list = async (app: FastifyInstance, query = '') => {
  const response = await call(app, 'GET', `/api/items/${query}`);
  assert.equal(response.status, 200);
  return response.json() as Item[];
};

for (const backend of backends) {
  describe(`replicas on one database (${backend})`, () => {
    test('every list B answers holds every write A acknowledged before it', async (t) => {
      const built = await build(t, backend);
      const a = built.app;
      const b = await replicaOf(t, built);
      const expected = new Map<number, Item>();
      const sorted = () => [...expected.values()].sort((x, y) => x.id - y.id);

      for (let round = 1; round <= 60; round++) {
        // B reads first, so its cache holds the list and the items of the state before A's write.
        assert.deepEqual(await list(b), sorted(), `round ${round}: before the write`);
        const existing = sorted();
        for (const item of existing)
          assert.deepEqual(await detail(b, item.id), item, `round ${round}: item ${item.id}`);
        const kind = round % 4;
        if (kind === 3 && existing.length > 0) {
          const victim = existing[round % existing.length] as Item;
          assert.equal((await call(a, 'DELETE', `/api/items/${victim.id}/`)).status, 204);
          expected.delete(victim.id);
          assert.equal(await detail(b, victim.id), 404, `round ${round}: B sees A's delete at once`);
        } else if (kind === 2 && existing.length > 0) {
          const target = existing[round % existing.length] as Item;
          const response = await call(a, 'PATCH', `/api/items/${target.id}/`, { price: round * 10 });
          assert.equal(response.status, 200);
          expected.set(target.id, response.json());
          assert.deepEqual(await detail(b, target.id), response.json(), `round ${round}: B sees A's change at once`);
        } else {
          const response = await call(a, 'POST', '/api/items/', { product: `R${round}`, price: round });
          assert.equal(response.status, 201);
          const item = response.json() as Item;
          expected.set(item.id, item);
        }
        assert.deepEqual(await list(b), sorted(), `round ${round}: B sees A's write at once`);
        assert.deepEqual(
          await list(b, '?ordering=-price'),
          sorted().sort((x, y) => y.price - x.price || x.id - y.id),
          `round ${round}: and in another order`,
        );
      }
    });

    test('item reads on B racing changes on A: a change acknowledged before a read began is in it', async (t) => {
      const built = await build(t, backend);
      const b = await replicaOf(t, built);
      const created = await call(built.app, 'POST', '/api/items/', { product: 'Racing', price: 0 });
      const id = (created.json() as Item).id;
      let acknowledged = 0;
      const stale: string[] = [];
      const writer = (async () => {
        for (let price = 1; price <= 40; price++) {
          assert.equal((await call(built.app, 'PATCH', `/api/items/${id}/`, { price })).status, 200);
          acknowledged = price;
        }
      })();
      const reader = (async () => {
        let done = false;
        writer.finally(() => {
          done = true;
        });
        while (!done) {
          const before = acknowledged;
          const seen = await detail(b, id);
          if (typeof seen === 'number' || seen.price < before)
            stale.push(`read ${JSON.stringify(seen)} after ${before}`);
          await setImmediate();
        }
      })();
      await Promise.all([writer, reader]);
      assert.deepEqual(stale, [], 'no read missed an acknowledged change');
      assert.equal(((await detail(b, id)) as Item).price, 40);
    });

    test('reads on B racing writes on A: a write acknowledged before a read began is in it', async (t) => {
      const built = await build(t, backend);
      const b = await replicaOf(t, built);
      const acknowledged = new Set<number>();
      const stale: string[] = [];
      const writer = (async () => {
        for (let n = 1; n <= 40; n++) {
          const response = await call(built.app, 'POST', '/api/items/', { product: `W${n}`, price: n });
          assert.equal(response.status, 201);
          acknowledged.add((response.json() as Item).id);
        }
      })();
      const reader = (async () => {
        let done = false;
        writer.finally(() => {
          done = true;
        });
        while (!done) {
          const before = [...acknowledged];
          const seen = new Set((await list(b)).map((item) => item.id));
          const missing = before.filter((id) => !seen.has(id));
          if (missing.length > 0) stale.push(`missing ${missing.join(',')}`);
          // A cached answer comes back within microtasks: let the writer's commit have its turn.
          await setImmediate();
        }
      })();
      await Promise.all([writer, reader]);
      assert.deepEqual(stale, [], 'no read missed an acknowledged write');
      assert.equal((await list(b)).length, 40);
    });
  });
}
