import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { sql } from 'kysely';
import type { Database } from '../../src/db/database.js';
import { pruneHistory, pruneOnce } from '../../src/history/retention.js';
import { MICROS_PER_DAY } from '../../src/history/time.js';
import { insertItem } from '../../src/items/repository/items.js';
import { backends } from '../helpers/backends.js';
import { build, call } from '../helpers/build.js';
import { eventually } from '../helpers/wait.js';

// Issue 17: the change log (triggers, items/migrations/006), each item's history and its lowest
// price, on both databases.

interface Entry {
  seq: number;
  kind: string;
  version: number;
  product: string;
  price: number;
  at: string;
}

/** The log as stored, in order. */
async function logOf(database: Database): Promise<Array<{ item_id: number; kind: string; price: number }>> {
  const { rows } = await sql<{ item_id: number; kind: string; price: number }>`
    select item_id, kind, price from item_changes order by seq`.execute(database.db);
  return rows.map((row) => ({ item_id: Number(row.item_id), kind: row.kind, price: Number(row.price) }));
}

/** Moves an item's entries into the past: entry i (in seq order) to `ages[i]` days ago. */
async function age(database: Database, id: number, agesInDays: number[]): Promise<void> {
  const { rows } = await sql<{ seq: number }>`select seq from item_changes where item_id = ${id} order by seq`.execute(
    database.db,
  );
  const now = Date.now() * 1000;
  for (const [i, row] of rows.entries()) {
    const at = Math.round(now - (agesInDays[i] as number) * MICROS_PER_DAY);
    await sql`update item_changes set at = ${at} where seq = ${row.seq}`.execute(database.db);
  }
}

const ISO_MICROS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;

for (const backend of backends) {
  describe(`price history (${backend})`, () => {
    test('create, updates, a no-op PATCH (no entry), delete: newest first; the deleted item’s history stays', async (t) => {
      const { app, database } = await build(t, backend);
      const created = (await call(app, 'POST', '/api/items/', { product: 'Tea', price: 300 })).json();
      const url = `/api/items/${created.id}/`;
      assert.equal((await call(app, 'PATCH', url, { price: 250 })).status, 200);
      assert.equal((await call(app, 'PATCH', url, { price: 250 })).status, 200, 'no-op');
      assert.equal((await call(app, 'PUT', url, { product: 'Green tea', price: 250 })).status, 200);
      assert.equal((await call(app, 'PUT', url, { product: 'Green tea', price: 250 })).status, 200, 'no-op');
      const history = await call(app, 'GET', `${url}history/`);
      assert.equal(history.status, 200);
      assert.match(String(history.headers['content-type']), /^application\/json/);
      const entries = history.json() as Entry[];
      assert.deepEqual(
        entries.map(({ kind, version, product, price }) => ({ kind, version, product, price })),
        [
          { kind: 'updated', version: 3, product: 'Green tea', price: 250 },
          { kind: 'updated', version: 2, product: 'Tea', price: 250 },
          { kind: 'created', version: 1, product: 'Tea', price: 300 },
        ],
      );
      for (const entry of entries) assert.match(entry.at, ISO_MICROS);
      assert.ok((entries[0] as Entry).seq > (entries[1] as Entry).seq);
      assert.ok((entries[0] as Entry).at >= (entries[2] as Entry).at);

      assert.equal((await call(app, 'DELETE', url)).status, 204);
      const after = (await call(app, 'GET', `${url}history/`)).json() as Entry[];
      assert.deepEqual(
        after.map((e) => [e.kind, e.version, e.price]),
        [
          ['deleted', 3, 250],
          ['updated', 3, 250],
          ['updated', 2, 250],
          ['created', 1, 300],
        ],
      );
      assert.deepEqual(await logOf(database), [
        { item_id: created.id, kind: 'created', price: 300 },
        { item_id: created.id, kind: 'updated', price: 250 },
        { item_id: created.id, kind: 'updated', price: 250 },
        { item_id: created.id, kind: 'deleted', price: 250 },
      ]);
      const never = await call(app, 'GET', '/api/items/999/history/');
      assert.equal(never.status, 404);
      assert.deepEqual(never.json(), { detail: 'No Item matches the given query.' });
      assert.equal((await call(app, 'GET', '/api/items/abc/history/')).status, 404);
    });

    test('since/until (ISO 8601), limit/offset pagination, and a bad date is a 400', async (t) => {
      const { app, database } = await build(t, backend);
      const { id } = (await call(app, 'POST', '/api/items/', { product: 'Tea', price: 300 })).json();
      for (const price of [290, 280, 270]) await call(app, 'PATCH', `/api/items/${id}/`, { price });
      await age(database, id, [10, 5, 2, 0]);
      const day = (n: number) => new Date(Date.now() - n * 86_400_000).toISOString();
      const prices = async (query: string) =>
        ((await call(app, 'GET', `/api/items/${id}/history/?${query}`)).json() as Entry[]).map((e) => e.price);
      assert.deepEqual(await prices(`since=${day(6)}`), [270, 280, 290]);
      assert.deepEqual(await prices(`until=${day(3)}`), [290, 300]);
      assert.deepEqual(await prices(`since=${day(6)}&until=${day(1)}`), [280, 290]);
      assert.deepEqual(await prices(`since=${day(20).slice(0, 10)}`), [270, 280, 290, 300], 'a date alone');
      assert.deepEqual(await prices('since=2999-01-01T00:00:00%2B02:00'), []);
      const page = await call(app, 'GET', `/api/items/${id}/history/?limit=2&offset=1`);
      assert.equal(page.status, 200);
      const body = page.json();
      assert.equal(body.count, 4);
      assert.deepEqual(
        body.results.map((e: Entry) => e.price),
        [280, 290],
      );
      assert.equal(body.next, `http://localhost/api/items/${id}/history/?limit=2&offset=3`);
      assert.equal(body.previous, `http://localhost/api/items/${id}/history/?limit=2`);
      const bad = await call(app, 'GET', `/api/items/${id}/history/?since=yesterday&until=2024-02-30`);
      assert.equal(bad.status, 400);
      assert.deepEqual(bad.json(), {
        since: ['Enter a valid ISO 8601 date or date-time.'],
        until: ['Enter a valid ISO 8601 date or date-time.'],
      });
    });

    test('writes that fail log nothing: 412, a constraint, an invalid body; an idempotent replay appends nothing', async (t) => {
      const { app, database, store } = await build(t, backend);
      const key = { 'idempotency-key': 'once' };
      const first = await call(app, 'POST', '/api/items/', { product: 'Tea', price: 1 }, key);
      const replayed = await call(app, 'POST', '/api/items/', { product: 'Tea', price: 1 }, key);
      assert.equal(replayed.headers['idempotent-replayed'], 'true');
      const url = `/api/items/${first.json().id}/`;
      assert.equal((await call(app, 'PATCH', url, { price: 2 }, { 'if-match': '"0-0"' })).status, 412);
      assert.equal((await call(app, 'PATCH', url, { price: -5 })).status, 400);
      assert.equal((await call(app, 'DELETE', url, undefined, { 'if-match': '"0-0"' })).status, 412);
      await assert.rejects(insertItem(store.store, { product: 'Bad', price: -1 }), /constraint|check/i);
      assert.deepEqual(await logOf(database), [{ item_id: first.json().id, kind: 'created', price: 1 }]);
      assert.equal((await call(app, 'GET', '/api/items/2/history/')).status, 404, 'the failed insert left no trace');
    });

    test('the lowest price: the price in effect when the window opened counts; later ones too; a delete ends them', async (t) => {
      const { app, database } = await build(t, backend);
      const { id } = (await call(app, 'POST', '/api/items/', { product: 'Tea', price: 500 })).json();
      for (const price of [300, 450, 400]) await call(app, 'PATCH', `/api/items/${id}/`, { price });
      // 500 from 60 days ago, 300 from 40 days ago (in effect when a 30-day window opens), 450, 400.
      await age(database, id, [60, 40, 20, 1]);
      const lowest = async (query = '') => call(app, 'GET', `/api/items/${id}/lowest-price/${query}`);
      const thirty = await lowest();
      assert.equal(thirty.status, 200);
      assert.equal(thirty.json().price, 300);
      assert.equal(thirty.json().days, 30);
      assert.match(thirty.json().at, ISO_MICROS);
      assert.ok(Date.parse(thirty.json().at) < Date.now() - 39 * 86_400_000, 'it took effect before the window');
      assert.equal((await lowest('?days=15')).json().price, 400, '450 in effect when it opened, then 400');
      assert.equal((await lowest('?days=25')).json().price, 300, '300 was in effect when it opened');
      assert.equal((await lowest('?days=45')).json().price, 300);

      // An item created inside the window: its prices only.
      const fresh = (await call(app, 'POST', '/api/items/', { product: 'Coffee', price: 900 })).json();
      await call(app, 'PATCH', `/api/items/${fresh.id}/`, { price: 950 });
      await age(database, fresh.id, [5, 2]);
      assert.equal((await call(app, 'GET', `/api/items/${fresh.id}/lowest-price/`)).json().price, 900);

      // Several changes within one second: each was in effect, however briefly.
      const quick = (await call(app, 'POST', '/api/items/', { product: 'Cocoa', price: 700 })).json();
      for (const price of [100, 800]) await call(app, 'PATCH', `/api/items/${quick.id}/`, { price });
      assert.equal((await call(app, 'GET', `/api/items/${quick.id}/lowest-price/?days=1`)).json().price, 100);

      // Deleted before the window opened: no price in it.
      await call(app, 'DELETE', `/api/items/${fresh.id}/`);
      await age(database, fresh.id, [5, 2.5, 1.5]);
      assert.equal((await call(app, 'GET', `/api/items/${fresh.id}/lowest-price/?days=2`)).json().price, 950);
      const gone = await call(app, 'GET', `/api/items/${fresh.id}/lowest-price/?days=1`);
      assert.equal(gone.status, 404);
      assert.deepEqual(gone.json(), { detail: 'The item had no price in the last 1 days.' });
      assert.equal((await call(app, 'GET', '/api/items/999/lowest-price/')).status, 404);
      for (const days of ['0', '401', 'abc', '1.5']) {
        const bad = await lowest(`?days=${days}`);
        assert.equal(bad.status, 400, days);
        assert.deepEqual(bad.json(), { days: ['Ensure this value is a whole number from 1 to 400.'] });
      }
    });

    test('retention: old entries are pruned, the newest one older than the cutoff of each item is kept', async (t) => {
      const { app, database } = await build(t, backend, { HISTORY_RETENTION_DAYS: '30' });
      const { id } = (await call(app, 'POST', '/api/items/', { product: 'Tea', price: 500 })).json();
      for (const price of [400, 300, 200]) await call(app, 'PATCH', `/api/items/${id}/`, { price });
      await age(database, id, [90, 60, 40, 10]);
      const other = (await call(app, 'POST', '/api/items/', { product: 'Old', price: 1 })).json();
      await age(database, other.id, [100]);
      assert.equal(await pruneOnce(database, 30), 2);
      const prices = ((await call(app, 'GET', `/api/items/${id}/history/`)).json() as Entry[]).map((e) => e.price);
      assert.deepEqual(prices, [200, 300], 'the price in effect 30 days ago stays');
      assert.equal((await call(app, 'GET', `/api/items/${id}/lowest-price/`)).json().price, 200);
      assert.equal(
        (await call(app, 'GET', `/api/items/${other.id}/history/`)).json().length,
        1,
        'its only entry stays',
      );
      assert.equal(await pruneOnce(database, 30), 0);
      assert.equal((await call(app, 'GET', `/api/items/${id}/lowest-price/?days=31`)).status, 400);
    });

    test('retention runs on a schedule; a pass that fails is a warning, and the next one prunes', async (t) => {
      const { app, database } = await build(t, backend, { HISTORY_RETENTION_DAYS: '30' });
      const { id } = (await call(app, 'POST', '/api/items/', { product: 'Tea', price: 500 })).json();
      for (const price of [400, 300]) await call(app, 'PATCH', `/api/items/${id}/`, { price });
      await age(database, id, [90, 60, 10]);
      // The log table is away: every pass fails until it is back.
      await sql`alter table item_changes rename to item_changes_away`.execute(database.db);
      const warnings: string[] = [];
      const log = { warn: (_fields: unknown, message?: string) => void warnings.push(message ?? '') };
      const stop = pruneHistory(database, 30, log, { firstAfterMs: 10, everyMs: 50 });
      t.after(stop);
      await eventually(async () => assert.ok(warnings.length >= 1));
      assert.equal(warnings[0], 'Could not prune the price history; will retry');
      await sql`alter table item_changes_away rename to item_changes`.execute(database.db);
      await eventually(async () => {
        const prices = ((await call(app, 'GET', `/api/items/${id}/history/`)).json() as Entry[]).map((e) => e.price);
        assert.deepEqual(prices, [300, 400], 'the entry of 90 days ago is pruned by a later pass');
      });
      await stop();
    });

    test('items that exist when the log is created start with one entry; imported ones with `imported`', async (t) => {
      const { app } = await build(
        t,
        backend,
        {},
        {
          afterMigrations: async (database) => {
            // A write as the importer makes it (imported_version set) is logged as imported.
            await sql`insert into items (id, product, price, product_search, version, imported_version)
              values (7, 'Imported', 5, 'imported', 1, 1)`.execute(database.db);
          },
        },
      );
      const entries = (await call(app, 'GET', '/api/items/7/history/')).json() as Entry[];
      assert.deepEqual(
        entries.map((e) => [e.kind, e.version, e.price]),
        [['imported', 1, 5]],
      );
    });
  });
}
