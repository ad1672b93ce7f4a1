import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CompiledQuery } from 'kysely';
import { openDatabase } from '../../../src/db/database.js';
import { migrate } from '../../../src/migrations.js';
import { backends, freshDatabase } from '../../helpers/backends.js';

// database.read answers as database.run would, on both databases: no row, one row, several rows
// in their order, and the state after every write (on PostgreSQL a repeated read is answered from
// memory while the change token holds).

for (const backend of backends) {
  test(`a read answers what a query would: none, one, many in order, after every write (${backend})`, async (t) => {
    const database = await openDatabase(await freshDatabase(t, backend));
    t.after(() => database.close());
    await migrate(database);
    const placeholder = (n: number) => (backend === 'postgres' ? `$${n}` : '?');
    const byId = (id: number) =>
      CompiledQuery.raw(`select id, product, price from items where id = ${placeholder(1)}`, [id]);
    const cheaperThan = (price: number) =>
      CompiledQuery.raw(
        `select id, product, price from items where price < ${placeholder(1)} order by price desc, id`,
        [price],
      );
    const insert = (product: string, price: number) =>
      database.run(
        CompiledQuery.raw(
          `insert into items (product, product_search, price) values (${placeholder(1)}, ${placeholder(2)}, ${placeholder(3)})`,
          [product, product.toLowerCase(), price],
        ),
      );
    const both = async (query: CompiledQuery) => {
      const read = await database.read(query);
      assert.deepEqual(read.rows, (await database.run(query)).rows, query.sql);
      return read.rows;
    };

    assert.deepEqual(await both(byId(1)), [], 'nothing yet');
    assert.deepEqual(await both(cheaperThan(100)), []);
    await insert('Apple', 30);
    await insert('Pear', 10);
    await insert('Plum', 30);
    for (let round = 0; round < 2; round++) {
      assert.deepEqual(await both(byId(1)), [{ id: 1, product: 'Apple', price: 30 }]);
      assert.deepEqual(await both(cheaperThan(100)), [
        { id: 1, product: 'Apple', price: 30 },
        { id: 3, product: 'Plum', price: 30 },
        { id: 2, product: 'Pear', price: 10 },
      ]);
      assert.deepEqual(await both(byId(4)), []);
    }
    await insert('Fig', 50);
    assert.deepEqual(await both(byId(4)), [{ id: 4, product: 'Fig', price: 50 }], 'a write since: read again');
    assert.equal((await both(cheaperThan(100))).length, 4);
  });
}
