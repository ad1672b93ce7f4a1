import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { itemDb } from '../../src/items/repository/tables.js';
import { backends } from '../helpers/backends.js';
import { build, call } from '../helpers/build.js';

// A list longer than one chunk (20,000 rows) is streamed out chunk by chunk; it must be the same
// JSON array the contract describes, in order, with every item once.
const COUNT = 20_050;

for (const backend of backends) {
  describe(`streamed lists (${backend})`, () => {
    test('a list longer than one chunk streams out whole and in order, both directions', async (t) => {
      const { app, database } = await build(t, backend);
      for (let start = 0; start < COUNT; start += 1000) {
        const rows = Array.from({ length: Math.min(1000, COUNT - start) }, (_, i) => ({
          product: `S${start + i}`,
          price: start + i,
          product_search: `s${start + i}`,
        }));
        await itemDb(database).insertInto('items').values(rows).execute();
      }
      const ascending = await call(app, 'GET', '/api/items/');
      assert.equal(ascending.status, 200);
      assert.match(String(ascending.headers['content-type']), /^application\/json/);
      const items = ascending.json() as Array<{ id: number; product: string; price: number }>;
      assert.equal(items.length, COUNT);
      assert.deepEqual(items[0], { id: 1, product: 'S0', price: 0 });
      assert.deepEqual(items.at(-1), { id: COUNT, product: `S${COUNT - 1}`, price: COUNT - 1 });
      assert.ok(
        items.every((item, i) => item.id === i + 1),
        'every id once, ascending',
      );

      const descending = (await call(app, 'GET', '/api/items/?ordering=-id')).json() as Array<{ id: number }>;
      assert.equal(descending.length, COUNT);
      assert.equal(descending[0]?.id, COUNT);
      assert.equal(descending.at(-1)?.id, 1);

      const filtered = await call(app, 'GET', '/api/items/?price_min=20000');
      assert.deepEqual(
        (filtered.json() as Array<{ id: number }>).map((item) => item.id),
        Array.from({ length: COUNT - 20_000 }, (_, i) => 20_001 + i),
        'a short filtered list is answered at once',
      );
    });

    test('every ordering streams out in keyset chunks: ties by id, products by code point', async (t) => {
      const { app, database } = await build(t, backend);
      const names = ['apple', 'Zebra', 'éclair', 'Éclair', 'apple pie', '😀', 'ábc', 'a'];
      const all: Array<{ id: number; product: string; price: number }> = [];
      for (let start = 0; start < COUNT; start += 1000) {
        const rows = Array.from({ length: Math.min(1000, COUNT - start) }, (_, i) => {
          const n = start + i;
          return { product: `${names[n % names.length]}${n % 13}`, price: (n * 7) % 101, product_search: '' };
        });
        await itemDb(database).insertInto('items').values(rows).execute();
        for (const [i, row] of rows.entries()) all.push({ id: start + i + 1, product: row.product, price: row.price });
      }
      const codePoints = (text: string) => [...text].map((c) => c.codePointAt(0) ?? 0);
      const byText = (a: string, b: string) => {
        const [x, y] = [codePoints(a), codePoints(b)];
        for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return (x[i] ?? 0) - (y[i] ?? 0);
        return x.length - y.length;
      };
      type Row = (typeof all)[number];
      const orders: Record<string, (a: Row, b: Row) => number> = {
        price: (a, b) => a.price - b.price || a.id - b.id,
        '-price': (a, b) => b.price - a.price || a.id - b.id,
        product: (a, b) => byText(a.product, b.product) || a.id - b.id,
        '-product,price': (a, b) => byText(b.product, a.product) || a.price - b.price || a.id - b.id,
        'price,-id': (a, b) => a.price - b.price || b.id - a.id,
      };
      for (const [ordering, compare] of Object.entries(orders)) {
        const response = await call(app, 'GET', `/api/items/?ordering=${ordering}`);
        assert.equal(response.status, 200, ordering);
        assert.equal(response.headers['content-length'], undefined, `${ordering}: streamed, not rendered whole`);
        const ids = (response.json() as Row[]).map((item) => item.id);
        assert.deepEqual(
          ids,
          [...all].sort(compare).map((item) => item.id),
          ordering,
        );
      }
      const filtered = await call(app, 'GET', '/api/items/?ordering=-price&price_max=50');
      const expected = all.filter((row) => row.price <= 50).sort(orders['-price']);
      assert.deepEqual(
        (filtered.json() as Row[]).map((item) => item.id),
        expected.map((item) => item.id),
      );
    });
  });
}
