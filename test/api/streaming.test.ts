import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
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
        await database.db.insertInto('items').values(rows).execute();
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
  });
}
