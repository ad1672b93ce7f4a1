import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { backends } from '../helpers/backends.js';
import { build } from '../helpers/build.js';
import { ALLOW, assertSecurityHeaders, expectJson, type Res, rows, seed, send, sendJson } from '../helpers/http.js';
import { outsideTheApi } from '../helpers/openapi.js';

// Contract §3: the headers of every answer and how JSON is written.

for (const backend of backends) {
  describe(`response headers and JSON encoding (${backend})`, () => {
    test('security headers on every answer, Allow and Vary on every API answer incl. errors', async (t) => {
      const { app, store } = await build(t, backend);
      await seed(store, { product: 'Apple', price: 100 }, { product: 'Pear', price: 5 });
      const cases: Array<[string, () => Promise<Res>, number, string | undefined]> = [
        ['list', () => send(app, 'GET', '/api/items/'), 200, ALLOW.list],
        ['create', () => sendJson(app, 'POST', '/api/items/', { product: 'Plum', price: 1 }), 201, ALLOW.list],
        ['detail', () => send(app, 'GET', '/api/items/1/'), 200, ALLOW.detail],
        ['delete', () => send(app, 'DELETE', '/api/items/2/'), 204, ALLOW.detail],
        ['options', () => send(app, 'OPTIONS', '/api/items/'), 200, ALLOW.list],
        ['root', () => send(app, 'GET', '/api/'), 200, ALLOW.root],
        ['validation 400', () => sendJson(app, 'POST', '/api/items/', {}), 400, ALLOW.list],
        ['parse 400', () => sendJson(app, 'PUT', '/api/items/1/', '{'), 400, ALLOW.detail],
        ['filter 400', () => send(app, 'GET', '/api/items/?product=%00'), 400, ALLOW.list],
        ['missing item 404', () => send(app, 'GET', '/api/items/9/'), 404, ALLOW.detail],
        ['bad id 404', () => send(app, 'GET', '/api/items/abc/'), 404, ALLOW.detail],
        ['format 404', () => send(app, 'GET', '/api/?format=xml'), 404, ALLOW.root],
        ['405', () => send(app, 'DELETE', '/api/items/'), 405, ALLOW.list],
        ['406', () => send(app, 'GET', '/api/items/1/', { headers: { accept: 'application/xml' } }), 406, ALLOW.detail],
        ['415', () => send(app, 'POST', '/api/items/', { body: 'x', type: 'text/plain' }), 415, ALLOW.list],
        ['healthz', () => send(app, 'GET', '/healthz'), 200, undefined],
        ['404 page', () => outsideTheApi(() => send(app, 'GET', '/nowhere')), 404, undefined],
        [
          '404 page for POST',
          () => outsideTheApi(() => send(app, 'POST', '/api/items/1/x/', { body: 'x', type: 'text/plain' })),
          404,
          undefined,
        ],
      ];
      for (const [name, run, status, allow] of cases) {
        await t.test(name, async () => {
          const res = await run();
          assert.equal(res.status, status);
          assertSecurityHeaders(res, name);
          assert.equal(res.headers.allow, allow);
          if (allow) assert.equal(res.headers.vary, 'Accept, Cookie');
          // No cookies, no CORS, no caching headers.
          for (const name of ['set-cookie', 'access-control-allow-origin', 'cache-control', 'location']) {
            assert.equal(res.headers[name], undefined, name);
          }
          if (status !== 204) assert.equal(Number(res.headers['content-length']), res.raw.length);
        });
      }
    });

    test('201 carries the item and no Location', async (t) => {
      const { app, store } = await build(t, backend);
      const res = await sendJson(app, 'POST', '/api/items/', { product: 'Apple', price: 100 });
      expectJson(res, 201, { id: 1, product: 'Apple', price: 100 }, ALLOW.list);
      assert.equal(res.headers.location, undefined);
      assert.deepEqual(await rows(store), [{ id: 1, product: 'Apple', price: 100 }]);
    });

    test('204 has no body and no Content-Type, also with a filter and without the slash', async (t) => {
      const { app, store } = await build(t, backend);
      await seed(store, { product: 'Apple', price: 100 }, { product: 'Pear', price: 5 });
      for (const url of ['/api/items/1/?product=Apple', '/api/items/2']) {
        const res = await send(app, 'DELETE', url);
        assert.equal(res.status, 204, url);
        assert.equal(res.raw.length, 0, url);
        assert.equal(res.headers['content-type'], undefined, url);
        assert.ok(res.headers['content-length'] === undefined || res.headers['content-length'] === '0');
        assertSecurityHeaders(res, url);
        assert.equal(res.headers.allow, ALLOW.detail);
      }
      assert.deepEqual(await rows(store), []);
    });

    test('JSON is compact UTF-8: non-ASCII raw, U+2028 and U+2029 escaped, in every item answer', async (t) => {
      const { app, store } = await build(t, backend);
      const product = 'Café\u2028☕\u2029😀 ü';
      const escaped = '"Café\\u2028☕\\u2029😀 ü"';
      const expectEscaped = (res: Res, status: number, json: string) => {
        assert.equal(res.status, status);
        assert.equal(res.body, json);
        assert.equal(res.raw.toString('utf8'), json);
        assert.ok(!res.body.includes('\u2028') && !res.body.includes('\u2029'));
        assert.ok(res.raw.includes(Buffer.from('Café', 'utf8')), 'é sent as raw UTF-8');
        assert.ok(res.raw.includes(Buffer.from('😀', 'utf8')), 'emoji sent as raw UTF-8');
        assert.equal(Number(res.headers['content-length']), res.raw.length);
        assert.deepEqual(JSON.parse(res.body), JSON.parse(json));
      };
      expectEscaped(
        await sendJson(app, 'POST', '/api/items/', { product, price: 1 }),
        201,
        `{"id":1,"product":${escaped},"price":1}`,
      );
      // Stored as given (inner line separators are not trimmed).
      assert.deepEqual(await rows(store), [{ id: 1, product, price: 1 }]);
      expectEscaped(await send(app, 'GET', '/api/items/'), 200, `[{"id":1,"product":${escaped},"price":1}]`);
      expectEscaped(await send(app, 'GET', '/api/items/1/'), 200, `{"id":1,"product":${escaped},"price":1}`);
      expectEscaped(
        await sendJson(app, 'PATCH', '/api/items/1/', { price: 2 }),
        200,
        `{"id":1,"product":${escaped},"price":2}`,
      );
      expectEscaped(
        await sendJson(app, 'PUT', '/api/items/1/', { product, price: 3 }),
        200,
        `{"id":1,"product":${escaped},"price":3}`,
      );
      expectEscaped(
        await send(app, 'GET', `/api/items/?product=${encodeURIComponent(product)}`),
        200,
        `[{"id":1,"product":${escaped},"price":3}]`,
      );
    });

    test('quotes, backslashes and control characters are JSON-escaped and round-trip', async (t) => {
      const { app, store } = await build(t, backend);
      const product = 'a"b\\c\u0001d\u007f/e';
      const res = await sendJson(app, 'POST', '/api/items/', { product, price: 1 });
      expectJson(res, 201, { id: 1, product, price: 1 }, ALLOW.list);
      assert.equal(res.body, '{"id":1,"product":"a\\"b\\\\c\\u0001d\u007f/e","price":1}');
      assert.deepEqual(await rows(store), [{ id: 1, product, price: 1 }]);
    });
  });
}
