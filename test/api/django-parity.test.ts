import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { backends } from '../helpers/backends.js';
import { build, call } from '../helpers/build.js';
import { ALLOW, expectDetail, expectJson, publicItem, rows, seed, sendJson } from '../helpers/http.js';

// The current Django service's eight unit tests (items/tests.py), ported one for one: each
// checks the status, the body and what the database holds afterwards.

for (const backend of backends) {
  describe(`Django parity: the current service's unit tests (${backend})`, () => {
    test('create: POST /api/items/ stores the item and answers 201 with it', async (t) => {
      const { app, store } = await build(t, backend);
      const res = await sendJson(app, 'POST', '/api/items/', { product: 'Apple', price: 100 });
      expectJson(res, 201, { id: 1, product: 'Apple', price: 100 }, ALLOW.list);
      assert.equal(res.headers.location, undefined);
      assert.deepEqual(await store.list(), [{ id: 1, product: 'Apple', price: 100, version: 1 }]);
    });

    test('list: GET /api/items/ answers every item in id order', async (t) => {
      const { app, store } = await build(t, backend);
      const items = await seed(store, { product: 'Apple', price: 100 }, { product: 'Banana', price: 50 });
      const res = await call(app, 'GET', '/api/items/');
      assert.equal(res.status, 200);
      assert.equal(res.body, JSON.stringify(items.map(publicItem)));
      assert.equal(res.headers.allow, ALLOW.list);
      assert.deepEqual(await rows(store), items.map(publicItem));
    });

    test('detail: GET /api/items/{id}/ answers the item', async (t) => {
      const { app, store } = await build(t, backend);
      const [, banana] = await seed(store, { product: 'Apple', price: 100 }, { product: 'Banana', price: 50 });
      assert.ok(banana);
      const res = await call(app, 'GET', `/api/items/${banana.id}/`);
      expectJson(res, 200, { id: 2, product: 'Banana', price: 50 }, ALLOW.detail);
      assert.deepEqual(await store.get(2), banana);
    });

    test('update: PUT /api/items/{id}/ replaces both fields', async (t) => {
      const { app, store } = await build(t, backend);
      await seed(store, { product: 'Apple', price: 100 });
      const res = await sendJson(app, 'PUT', '/api/items/1/', { product: 'Green Apple', price: 120 });
      expectJson(res, 200, { id: 1, product: 'Green Apple', price: 120 }, ALLOW.detail);
      assert.deepEqual(await store.get(1), { id: 1, product: 'Green Apple', price: 120, version: 2 });
    });

    test('partial update: PATCH /api/items/{id}/ changes only the given field', async (t) => {
      const { app, store } = await build(t, backend);
      await seed(store, { product: 'Apple', price: 100 });
      const res = await sendJson(app, 'PATCH', '/api/items/1/', { price: 90 });
      expectJson(res, 200, { id: 1, product: 'Apple', price: 90 }, ALLOW.detail);
      assert.deepEqual(await store.get(1), { id: 1, product: 'Apple', price: 90, version: 2 });
    });

    test('delete: DELETE /api/items/{id}/ answers 204 and removes the row', async (t) => {
      const { app, store } = await build(t, backend);
      await seed(store, { product: 'Apple', price: 100 }, { product: 'Banana', price: 50 });
      const res = await call(app, 'DELETE', '/api/items/1/');
      assert.equal(res.status, 204);
      assert.equal(res.body, '');
      assert.equal(res.headers['content-type'], undefined);
      assert.deepEqual(await rows(store), [{ id: 2, product: 'Banana', price: 50 }]);
    });

    test('invalid create: a blank product and a negative price store nothing', async (t) => {
      const { app, store } = await build(t, backend);
      const res = await sendJson(app, 'POST', '/api/items/', { product: '', price: -10 });
      expectJson(
        res,
        400,
        {
          product: ['This field may not be blank.'],
          price: ['Ensure this value is greater than or equal to 0.'],
        },
        ALLOW.list,
      );
      assert.deepEqual(await store.list(), []);
    });

    test('missing item: GET /api/items/999/ answers 404', async (t) => {
      const { app, store } = await build(t, backend);
      await seed(store, { product: 'Apple', price: 100 });
      const res = await call(app, 'GET', '/api/items/999/');
      expectDetail(res, 404, 'No Item matches the given query.', ALLOW.detail);
      assert.equal(await store.get(999), undefined);
    });
  });
}
