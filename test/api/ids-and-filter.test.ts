import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { backends } from '../helpers/backends.js';
import { build } from '../helpers/build.js';
import { ALLOW, expectDetail, expectJson, publicItem, rows, seed, send, sendJson } from '../helpers/http.js';

// Contract §6 (item URLs and their 404s, ids never reused) and §7 (the ?product= filter).

const NO_ITEM = 'No Item matches the given query.';
const NUL_FILTER = { product: ['Null characters are not allowed.'] };

for (const backend of backends) {
  describe(`item ids (${backend})`, () => {
    test('a non-integer id is "Not found.", an integer without an item is "No Item matches…"', async (t) => {
      const { app, store } = await build(t, backend);
      await seed(store, { product: 'Apple', price: 100 });
      const cases: Array<[string, string]> = [
        ['abc', 'Not found.'],
        ['1a', 'Not found.'],
        ['0x1', 'Not found.'],
        ['1e0', 'Not found.'],
        ['NaN', 'Not found.'],
        ['Infinity', 'Not found.'],
        ['--1', 'Not found.'],
        ['%E2%91%A0', 'Not found.'],
        ['2', NO_ITEM],
        ['0', NO_ITEM],
        ['-1', NO_ITEM],
        ['-0', NO_ITEM],
        ['2147483648', NO_ITEM],
        ['9007199254740991', NO_ITEM],
        ['9223372036854775807', NO_ITEM],
        ['9223372036854775808', NO_ITEM],
        ['99999999999999999999999999999', NO_ITEM],
      ];
      for (const [id, message] of cases) {
        await t.test(`/api/items/${id}/`, async () => {
          for (const url of [`/api/items/${id}/`, `/api/items/${id}`]) {
            expectDetail(await send(app, 'GET', url), 404, message, ALLOW.detail);
            expectDetail(await sendJson(app, 'PUT', url, { product: 'X', price: 1 }), 404, message, ALLOW.detail);
            expectDetail(await sendJson(app, 'PATCH', url, { price: 1 }), 404, message, ALLOW.detail);
            expectDetail(await send(app, 'DELETE', url), 404, message, ALLOW.detail);
            const head = await send(app, 'HEAD', url);
            assert.equal(head.status, 404);
            assert.equal(head.body, '');
          }
        });
      }
      assert.deepEqual(await store.list(), [{ id: 1, product: 'Apple', price: 100, version: 1 }]);
    });

    test('Python-style integers (01, +1, " 1") resolve to item 1 (optional in the contract)', async (t) => {
      const { app, store } = await build(t, backend);
      await seed(store, { product: 'Apple', price: 100 });
      for (const id of ['01', '+1', '%201', '1%20', '0001']) {
        expectJson(await send(app, 'GET', `/api/items/${id}/`), 200, { id: 1, product: 'Apple', price: 100 });
      }
    });

    test('ids increase and are never reused, not even after deleting the last item', async (t) => {
      const { app, store } = await build(t, backend);
      const post = (product: string) => sendJson(app, 'POST', '/api/items/', { product, price: 1 });
      for (const [i, product] of ['A', 'B', 'C'].entries()) {
        expectJson(await post(product), 201, { id: i + 1, product, price: 1 });
      }
      assert.equal((await send(app, 'DELETE', '/api/items/3/')).status, 204);
      expectJson(await post('D'), 201, { id: 4, product: 'D', price: 1 });
      for (const id of [1, 2, 4]) assert.equal((await send(app, 'DELETE', `/api/items/${id}/`)).status, 204);
      assert.deepEqual(await store.list(), []);
      expectJson(await post('E'), 201, { id: 5, product: 'E', price: 1 });
      // A failed create does not use up an id in a way that shows… but never goes back either.
      assert.equal((await sendJson(app, 'POST', '/api/items/', { product: '', price: 1 })).status, 400);
      const next = (await post('F')).json() as { id: number };
      assert.ok(next.id > 5);
      expectDetail(await send(app, 'GET', '/api/items/3/'), 404, NO_ITEM);
      assert.deepEqual(await rows(store), [
        { id: 5, product: 'E', price: 1 },
        { id: next.id, product: 'F', price: 1 },
      ]);
    });
  });

  describe(`?product= filter (${backend})`, () => {
    test('exact, case-sensitive, trimmed, + is a space, literal SQL metacharacters', async (t) => {
      const { app, store } = await build(t, backend);
      const items = await seed(
        store,
        { product: 'Apple', price: 1 },
        { product: 'apple', price: 2 },
        { product: 'Apple pie', price: 3 },
        { product: 'Big Apple', price: 4 },
        { product: 'Apple', price: 5 },
        { product: '%', price: 6 },
        { product: 'A_ple', price: 7 },
        { product: "O'Brien", price: 8 },
        { product: '"quoted"', price: 9 },
        { product: 'back\\slash', price: 10 },
        { product: 'a+b', price: 11 },
        { product: 'Caf\u00e9', price: 12 },
        { product: 'Cafe\u0301', price: 13 },
        { product: '\ufeffBOM', price: 14 },
      );
      const byPrice = (...prices: number[]) =>
        items.filter((item) => prices.includes(item.price)).map((item) => publicItem(item));
      const cases: Array<[string, number[]]> = [
        ['Apple', [1, 5]],
        ['apple', [2]],
        ['APPLE', []],
        ['Appl', []],
        ['pple', []],
        ['Apple%20pie', [3]],
        ['Apple+pie', [3]],
        ['Big+Apple', [4]],
        ['+Apple+', [1, 5]],
        ['%20%09Apple%0A', [1, 5]],
        ['%E3%80%80Apple%C2%85', [1, 5]],
        ['%1FApple%1C', [1, 5]],
        ['%', [6]],
        ['%25', [6]],
        ['A%25', []],
        ['A_ple', [7]],
        ['A_pl_', []],
        ['O%27Brien', [8]],
        ["' OR 1=1 --", []],
        ['%22quoted%22', [9]],
        ['back%5Cslash', [10]],
        ['a%2Bb', [11]],
        ['a+b', []],
        ['Caf%C3%A9', [12]],
        ['Cafe%CC%81', [13]],
        ['%EF%BB%BFBOM', [14]],
        ['BOM', []],
        ['abcdefghijklmnopqrstuvwxyz', []],
      ];
      for (const [value, prices] of cases) {
        const res = await send(app, 'GET', `/api/items/?product=${value}`);
        expectJson(res, 200, byPrice(...prices), ALLOW.list);
      }
      assert.equal((await rows(store)).length, 14);
    });

    test('empty or whitespace-only means no filter; the last occurrence wins, even when empty', async (t) => {
      const { app, store } = await build(t, backend);
      const items = (await seed(store, { product: 'Apple', price: 1 }, { product: 'Pear', price: 2 })).map(publicItem);
      const [apple, pear] = items;
      const cases: Array<[string, unknown]> = [
        ['?product=', items],
        ['?product', items],
        ['?product=%20%20', items],
        ['?product=+', items],
        ['?product=%E3%80%80', items],
        ['?product=Apple&product=Pear', [pear]],
        ['?product=Pear&product=Apple', [apple]],
        ['?product=Apple&product=', items],
        ['?product=&product=Pear', [pear]],
        ['?product=Apple&price=2&id=2&PRODUCT=Pear&product__icontains=p&product__exact=Pear', [apple]],
        ['?price=1&id=1&PRODUCT=Pear&product__icontains=P&colour=red', items],
      ];
      for (const [query, expected] of cases) {
        expectJson(await send(app, 'GET', `/api/items/${query}`), 200, expected, ALLOW.list);
        expectJson(await send(app, 'GET', `/api/items${query}`), 200, expected, ALLOW.list);
      }
    });

    test('a NUL in the value is 400; it is not trimmed away', async (t) => {
      const { app, store } = await build(t, backend);
      await seed(store, { product: 'Apple', price: 1 });
      for (const value of ['%00', 'App%00le', '%20%00%20', 'Apple&product=%00']) {
        expectJson(await send(app, 'GET', `/api/items/?product=${value}`), 400, NUL_FILTER, ALLOW.list);
      }
      expectJson(await send(app, 'GET', '/api/items/?product=%00&product=Apple'), 200, [
        { id: 1, product: 'Apple', price: 1 },
      ]);
      for (const method of ['GET', 'PUT', 'PATCH', 'DELETE']) {
        expectJson(
          await sendJson(app, method, '/api/items/1/?product=%00', { product: 'X', price: 2 }),
          400,
          NUL_FILTER,
          ALLOW.detail,
        );
      }
      assert.deepEqual(await store.list(), [{ id: 1, product: 'Apple', price: 1, version: 1 }]);
    });

    test('on item URLs the filter hides a non-matching item (404) and nothing changes', async (t) => {
      const { app, store } = await build(t, backend);
      await seed(store, { product: 'Apple', price: 1 }, { product: 'Pear', price: 2 });
      const before = await store.list();
      for (const query of ['?product=Pear', '?product=apple', '?product=Appl', '?product=Pear&product=x']) {
        await t.test(query, async () => {
          const url = `/api/items/1/${query}`;
          expectDetail(await send(app, 'GET', url), 404, NO_ITEM, ALLOW.detail);
          expectDetail(await sendJson(app, 'PUT', url, { product: 'Plum', price: 9 }), 404, NO_ITEM, ALLOW.detail);
          expectDetail(await sendJson(app, 'PATCH', url, { price: 9 }), 404, NO_ITEM, ALLOW.detail);
          expectDetail(await send(app, 'DELETE', url), 404, NO_ITEM, ALLOW.detail);
          assert.deepEqual(await store.list(), before);
        });
      }
      // Matching (after trimming) or empty filters let the request through.
      expectJson(await send(app, 'GET', '/api/items/1/?product=+Apple+'), 200, { id: 1, product: 'Apple', price: 1 });
      expectJson(await send(app, 'GET', '/api/items/1/?product=Pear&product='), 200, {
        id: 1,
        product: 'Apple',
        price: 1,
      });
      expectJson(await sendJson(app, 'PATCH', '/api/items/1/?product=Apple', { price: 3 }), 200, {
        id: 1,
        product: 'Apple',
        price: 3,
      });
      expectJson(await sendJson(app, 'PUT', '/api/items/1/?product=Apple', { product: 'Plum', price: 4 }), 200, {
        id: 1,
        product: 'Plum',
        price: 4,
      });
      assert.equal((await send(app, 'DELETE', '/api/items/2/?product=Pear')).status, 204);
      assert.deepEqual(await rows(store), [{ id: 1, product: 'Plum', price: 4 }]);
    });

    test('the filter does not affect POST', async (t) => {
      const { app, store } = await build(t, backend);
      for (const query of ['?product=Other', '?product=%00', '?product=']) {
        const res = await sendJson(app, 'POST', `/api/items/${query}`, { product: 'Apple', price: 1 });
        assert.equal(res.status, 201, `${query}: ${res.body}`);
      }
      assert.deepEqual(await rows(store), [
        { id: 1, product: 'Apple', price: 1 },
        { id: 2, product: 'Apple', price: 1 },
        { id: 3, product: 'Apple', price: 1 },
      ]);
    });
  });
}
