import assert from 'node:assert/strict';
import net from 'node:net';
import { describe, test } from 'node:test';
import { sql } from 'kysely';
import pg from 'pg';
import { changes } from '../../client/index.js';
import { buildApp } from '../../src/app.js';
import { openDatabase } from '../../src/db/database.js';
import { createLogger } from '../../src/logging/logger.js';
import { backends } from '../helpers/backends.js';
import { build, call } from '../helpers/build.js';
import { listen } from '../helpers/http.js';
import { SseClient, type SseEvent } from '../helpers/sse.js';

// Issue 17: GET /api/events/, the live feed, on both databases: every change once and in order,
// resumed with Last-Event-ID, across replicas, bounded, and ended cleanly on close.

const until = (_events: SseEvent[], count: number) => (all: SseEvent[]) => all.length >= count;

for (const backend of backends) {
  describe(`live feed (${backend})`, () => {
    test('one event per change: id, event (the kind), data (the item with its version); a no-op sends none', async (t) => {
      const { app } = await build(t, backend, { CORS_ORIGINS: 'https://shop.example' });
      const port = await listen(app);
      const client = await SseClient.open(port, '/api/events/', { origin: 'https://shop.example' });
      t.after(() => client.close());
      assert.equal(client.status, 200);
      assert.equal(client.headers['content-type'], 'text/event-stream');
      assert.equal(client.headers['cache-control'], 'no-cache');
      assert.equal(client.headers['access-control-allow-origin'], 'https://shop.example');
      const { id } = (await call(app, 'POST', '/api/items/', { product: 'Tea', price: 300 })).json();
      await call(app, 'PATCH', `/api/items/${id}/`, { price: 250 });
      await call(app, 'PATCH', `/api/items/${id}/`, { price: 250 });
      await call(app, 'DELETE', `/api/items/${id}/`);
      const events = await client.waitFor((all) => all.length >= 3);
      assert.deepEqual(
        events.map(({ id: seq, event, data }) => [seq, event, data.id, data.product, data.price, data.version]),
        [
          [1, 'created', id, 'Tea', 300, 1],
          [2, 'updated', id, 'Tea', 250, 2],
          [3, 'deleted', id, 'Tea', 250, 2],
        ],
      );
      assert.match(client.body, /^retry: 1000\n\n/);
      assert.match(String(events[0]?.data.at), /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/);
    });

    test('resume with Last-Event-ID (or ?after=) while writes continue: nothing lost, nothing twice', async (t) => {
      const { app } = await build(t, backend);
      const port = await listen(app);
      const total = 60;
      let first = await SseClient.open(port);
      const writing = (async () => {
        for (let i = 1; i <= total; i++) await call(app, 'POST', '/api/items/', { product: `P${i}`, price: i });
      })();
      const seen: number[] = [];
      for (let round = 0; seen.length < total; round++) {
        const upTo = Math.min(total, seen.length + 7);
        await first.waitFor((all) => all.length + (seen.length - all.length) >= 0 && seen.length + all.length >= upTo);
        first.close();
        await first.ended;
        seen.push(...first.events.map((e) => e.id));
        if (seen.length >= total) break;
        const position = String(seen.at(-1));
        first =
          round % 2 === 0
            ? await SseClient.open(port, '/api/events/', { 'last-event-id': position })
            : await SseClient.open(port, `/api/events/?after=${position}`);
      }
      await writing;
      assert.deepEqual(
        seen.slice(0, total),
        Array.from({ length: total }, (_, i) => i + 1),
      );
      // Last-Event-ID wins over ?after= (EventSource keeps the URL it started with).
      const both = await SseClient.open(port, '/api/events/?after=1', { 'last-event-id': String(total - 2) });
      t.after(() => both.close());
      await both.waitFor(until([], 2));
      assert.deepEqual(
        both.events.map((e) => e.id),
        [total - 1, total],
      );
      const bad = await call(app, 'GET', '/api/events/?after=soon');
      assert.equal(bad.status, 400);
      assert.deepEqual(bad.json(), { after: ['A valid event id (a whole number) is required.'] });
    });

    test('?product= filters (exact, trimmed, as the list); the typed client’s changes() reads the feed', async (t) => {
      const { app } = await build(t, backend);
      const port = await listen(app);
      const tea = await SseClient.open(port, '/api/events/?product=%20Tea%20');
      t.after(() => tea.close());
      const controller = new AbortController();
      t.after(() => controller.abort());
      const typed = changes(`http://127.0.0.1:${port}`, { signal: controller.signal, after: 0 });
      for (const product of ['Coffee', 'Tea', 'tea', 'Tea'])
        await call(app, 'POST', '/api/items/', { product, price: 1 });
      const events = await tea.waitFor(until([], 2));
      assert.deepEqual(
        events.map((e) => [e.id, e.data.product]),
        [
          [2, 'Tea'],
          [4, 'Tea'],
        ],
      );
      const got = [];
      for await (const change of typed) {
        got.push([change.id, change.kind, change.item.product]);
        if (got.length === 4) break;
      }
      assert.deepEqual(got, [
        [1, 'created', 'Coffee'],
        [2, 'created', 'Tea'],
        [3, 'created', 'tea'],
        [4, 'created', 'Tea'],
      ]);
    });

    test('writes while nobody subscribes: a new stream starts after them, a resumed one gets them, live ones follow', async (t) => {
      const { app } = await build(t, backend);
      const port = await listen(app);
      const create = async (product: string) => (await call(app, 'POST', '/api/items/', { product, price: 1 })).json();
      const early = await SseClient.open(port);
      await create('Seen');
      await early.waitFor(until([], 1));
      early.close();
      await early.ended;
      // Nobody subscribes now: the feed stops following the log until someone does.
      await create('Unseen 1');
      await create('Unseen 2');
      const fresh = await SseClient.open(port);
      t.after(() => fresh.close());
      const resumed = await SseClient.open(port, '/api/events/', { 'last-event-id': '1' });
      t.after(() => resumed.close());
      await create('Live');
      const live = await fresh.waitFor(until([], 1));
      const all = await resumed.waitFor(until([], 3));
      assert.deepEqual(
        live.map((e) => [e.id, e.data.product]),
        [[4, 'Live']],
      );
      assert.deepEqual(
        all.map((e) => [e.id, e.data.product]),
        [
          [2, 'Unseen 1'],
          [3, 'Unseen 2'],
          [4, 'Live'],
        ],
      );
    });

    test('a subscriber on replica B sees a write on replica A within a second', async (t) => {
      const { app, config } = await build(t, backend);
      const other = await openDatabase(config.database);
      const replica = await buildApp(config, { database: other, log: createLogger({ ...config, logFile: null }) });
      t.after(() => replica.close());
      const port = await listen(replica);
      const client = await SseClient.open(port);
      t.after(() => client.close());
      const started = Date.now();
      const { id } = (await call(app, 'POST', '/api/items/', { product: 'Tea', price: 1 })).json();
      const [event] = await client.waitFor(until([], 1), 'the write of replica A', 1000);
      assert.equal(event?.data.id, id);
      assert.ok(Date.now() - started < 1000);
    });

    test('EVENTS_MAX_CLIENTS: one more is a 503 with Retry-After; a slow subscriber is dropped, the others get every event', async (t) => {
      const { app, database } = await build(t, backend, { EVENTS_MAX_CLIENTS: '2' });
      const port = await listen(app);
      const fast = await SseClient.open(port);
      t.after(() => fast.close());
      // The slow one: a raw socket that sends its request and then reads nothing.
      const slow = net.connect(port, '127.0.0.1');
      t.after(() => slow.destroy());
      await new Promise((resolve) => slow.once('connect', resolve));
      slow.write('GET /api/events/ HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\n\r\n');
      let slowHead = '';
      await new Promise<void>((resolve) => {
        slow.on('data', function first(chunk) {
          slowHead += chunk;
          if (slowHead.includes('retry: 1000')) {
            slow.off('data', first);
            slow.pause();
            resolve();
          }
        });
      });
      const third = await call(app, 'GET', '/api/events/', undefined, { accept: 'text/event-stream' });
      assert.equal(third.status, 503);
      assert.equal(third.headers['retry-after'], '5');
      assert.deepEqual(third.json(), {
        detail: 'Too many event stream connections on this server. Try again shortly.',
      });

      // Far more than the slow one's buffer and the kernel's socket buffers hold.
      const rows = 40_000;
      const product = 'x'.repeat(20);
      if (backend === 'postgres') {
        await sql`insert into items (product, price, product_search) select ${product}, g, ${product} from generate_series(1, ${rows}) g`.execute(
          database.db,
        );
      } else {
        await sql`with recursive c(x) as (select 1 union all select x + 1 from c where x < ${rows})
          insert into items (product, price, product_search) select ${product}, x, ${product} from c`.execute(
          database.db,
        );
      }
      const events = await fast.waitFor(until([], rows), 'every event', 60_000);
      assert.deepEqual(
        events.map((e) => e.id),
        Array.from({ length: rows }, (_, i) => i + 1),
      );
      // The slow one was disconnected: its stream ends (once read) well short of every event.
      let slowBody = '';
      slow.on('data', (chunk) => {
        slowBody += chunk;
      });
      slow.resume();
      await new Promise((resolve) => slow.once('close', resolve).once('end', resolve));
      const received = slowBody.match(/^id: /gm)?.length ?? 0;
      assert.ok(received < rows, `the slow subscriber got ${received} of ${rows}`);
      assert.match(slowBody, /0\r\n\r\n$/, 'its response ended cleanly (the last chunk)');
      // And a place is free again.
      const again = await SseClient.open(port);
      t.after(() => again.close());
      assert.equal(again.status, 200);
    });

    test('app.close() ends every stream at once', async (t) => {
      const { app } = await build(t, backend);
      const port = await listen(app);
      const clients = await Promise.all([1, 2, 3].map(() => SseClient.open(port)));
      const started = Date.now();
      await app.close();
      await Promise.all(clients.map((client) => client.ended));
      assert.ok(Date.now() - started < 2000, `closed in ${Date.now() - started} ms`);
    });
  });
}

if (backends.includes('postgres')) {
  describe('live feed: sequence gaps on PostgreSQL', () => {
    test('a later seq is held until the transaction that took an earlier one commits; a rollback releases it', async (t) => {
      const { app, config } = await build(t, 'postgres');
      const port = await listen(app);
      const client = await SseClient.open(port);
      t.after(() => client.close());
      const other = new pg.Client({ connectionString: (config.database as { url: string }).url });
      other.on('error', () => {}); // the test's database is dropped when it ends
      await other.connect();
      t.after(() => other.end().catch(() => {}));
      const hold = async () => {
        await other.query('begin');
        await other.query(`insert into items (product, price, product_search) values ('Held', 1, 'held')`);
      };

      await hold(); // takes seq 1
      await call(app, 'POST', '/api/items/', { product: 'Later', price: 2 }); // seq 2, committed
      // The absence of an event cannot be awaited: several of the reader's polls pass here.
      await new Promise((resolve) => setTimeout(resolve, 300));
      assert.equal(client.events.length, 0, 'seq 2 is held behind the open transaction');
      await other.query('commit');
      await client.waitFor(until([], 2));
      assert.deepEqual(
        client.events.map((e) => [e.id, e.data.product]),
        [
          [1, 'Held'],
          [2, 'Later'],
        ],
      );

      await hold(); // takes seq 3
      await call(app, 'POST', '/api/items/', { product: 'After', price: 3 }); // seq 4
      await new Promise((resolve) => setTimeout(resolve, 300));
      assert.equal(client.events.length, 2, 'seq 4 is held');
      await other.query('rollback');
      await client.waitFor(until([], 3));
      assert.deepEqual(
        client.events.map((e) => [e.id, e.data.product]),
        [
          [1, 'Held'],
          [2, 'Later'],
          [4, 'After'],
        ],
      );
    });
  });
}
