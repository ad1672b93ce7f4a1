import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { backends } from '../helpers/backends.js';
import { build, call } from '../helpers/build.js';

for (const backend of backends) {
  describe(`smoke (${backend})`, () => {
    test('create then list', async (t) => {
      const { app, store } = await build(t, backend);
      const created = await call(app, 'POST', '/api/items/', { product: 'Apple', price: 100 });
      assert.equal(created.status, 201);
      assert.deepEqual(created.json(), { id: 1, product: 'Apple', price: 100 });
      const list = await call(app, 'GET', '/api/items/');
      assert.deepEqual(list.json(), [{ id: 1, product: 'Apple', price: 100 }]);
      assert.deepEqual(await store.list(), [{ id: 1, product: 'Apple', price: 100, version: 1 }]);
    });
  });
}
