import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { backends } from '../helpers/backends.js';
import { build, call } from '../helpers/build.js';
import {
  ALLOW,
  assertSecurityHeaders,
  expectDetail,
  expectJson,
  expectNotFoundPage,
  listen,
  publicItem,
  rawExchange,
  rows,
  seed,
  send,
  sendJson,
} from '../helpers/http.js';
import { outsideTheApi } from '../helpers/openapi.js';

// Contract §2 (endpoints, HEAD, OPTIONS, /api/, /healthz, trailing slash, 405) and §10 (404 pages).

const PARSES = ['application/json', 'application/x-www-form-urlencoded', 'multipart/form-data'];
const RENDERS = ['application/json', 'text/html'];
const FIELDS = {
  id: { type: 'integer', required: false, read_only: true, label: 'ID' },
  product: { type: 'string', required: true, read_only: false, label: 'Product', max_length: 20 },
  price: {
    type: 'integer',
    required: true,
    read_only: false,
    label: 'Price',
    min_value: 0,
    max_value: 2147483647,
  },
};
const LIST_METADATA = {
  name: 'Item List',
  description: '',
  renders: RENDERS,
  parses: PARSES,
  actions: { POST: FIELDS },
};
const DETAIL_METADATA = {
  name: 'Item Instance',
  description: '',
  renders: RENDERS,
  parses: PARSES,
  actions: { PUT: FIELDS },
};
const MISSING_DETAIL_METADATA = { name: 'Item Instance', description: '', renders: RENDERS, parses: PARSES };
const ROOT_METADATA = {
  name: 'Api Root',
  description: 'The default basic root view for DefaultRouter',
  renders: RENDERS,
  parses: PARSES,
};

/** Headers that legitimately differ between two otherwise identical answers. */
const VOLATILE = new Set(['date', 'x-request-id', 'connection', 'keep-alive']);
const stable = (headers: Record<string, unknown>) =>
  Object.fromEntries(Object.entries(headers).filter(([name]) => !VOLATILE.has(name)));

for (const backend of backends) {
  describe(`endpoints (${backend})`, () => {
    test('every method answers the same with and without the trailing slash, never a redirect', async (t) => {
      for (const slash of ['/', '']) {
        await t.test(`URLs ending in "${slash}"`, async (t) => {
          const { app, store } = await build(t, backend);
          const list = `/api/items${slash}`;
          const one = `/api/items/1${slash}`;

          const created = await sendJson(app, 'POST', list, { product: 'Apple', price: 100 });
          expectJson(created, 201, { id: 1, product: 'Apple', price: 100 }, ALLOW.list);
          assert.deepEqual(await rows(store), [{ id: 1, product: 'Apple', price: 100 }]);

          expectJson(await call(app, 'GET', list), 200, [{ id: 1, product: 'Apple', price: 100 }], ALLOW.list);
          expectJson(await call(app, 'GET', one), 200, { id: 1, product: 'Apple', price: 100 }, ALLOW.detail);

          const put = await sendJson(app, 'PUT', one, { product: 'Pear', price: 7 });
          expectJson(put, 200, { id: 1, product: 'Pear', price: 7 }, ALLOW.detail);
          assert.deepEqual(await rows(store), [{ id: 1, product: 'Pear', price: 7 }]);

          const patch = await sendJson(app, 'PATCH', one, { price: 8 });
          expectJson(patch, 200, { id: 1, product: 'Pear', price: 8 }, ALLOW.detail);
          assert.deepEqual(await rows(store), [{ id: 1, product: 'Pear', price: 8 }]);

          expectJson(await call(app, 'OPTIONS', list), 200, LIST_METADATA, ALLOW.list);
          expectJson(await call(app, 'OPTIONS', one), 200, DETAIL_METADATA, ALLOW.detail);
          expectJson(await call(app, 'OPTIONS', `/api${slash}`), 200, ROOT_METADATA, ALLOW.root);
          expectJson(
            await call(app, 'GET', `/api${slash}`),
            200,
            { items: 'http://localhost:80/api/items/' },
            ALLOW.root,
          );

          const head = await call(app, 'HEAD', one);
          assert.equal(head.status, 200);
          assert.equal(head.body, '');

          const deleted = await call(app, 'DELETE', one);
          assert.equal(deleted.status, 204);
          assert.equal(deleted.headers.location, undefined);
          assert.deepEqual(await rows(store), []);
        });
      }
    });

    test('HEAD answers the same status and headers as GET, without a body', async (t) => {
      const { app, store } = await build(t, backend);
      await seed(store, { product: 'Apple', price: 100 }, { product: 'Café ☕', price: 5 });
      const urls = [
        '/api/items/',
        '/api/items',
        '/api/items/?product=Apple',
        '/api/items/2/',
        '/api/items/2',
        '/api/items/999/',
        '/api/items/abc/',
        '/api/',
        '/healthz',
        '/healthz?probe=1',
        '/api/items/?format=xml',
      ];
      for (const url of urls) {
        const get = await call(app, 'GET', url);
        const head = await call(app, 'HEAD', url);
        assert.equal(head.status, get.status, url);
        assert.equal(head.body, '', url);
        assert.notEqual(get.body, '', url);
        assert.deepEqual(stable(head.headers), stable(get.headers), url);
        assert.equal(Number(head.headers['content-length']), Buffer.byteLength(get.body), url);
      }
      assert.equal((await rows(store)).length, 2);
    });

    test('OPTIONS describes each URL (§9); an item URL without an item has no actions', async (t) => {
      const { app, store } = await build(t, backend);
      await seed(store, { product: 'Apple', price: 100 });
      const cases: Array<[string, unknown, string]> = [
        ['/api/items/', LIST_METADATA, ALLOW.list],
        ['/api/items/1/', DETAIL_METADATA, ALLOW.detail],
        ['/api/items/1/?product=Apple', DETAIL_METADATA, ALLOW.detail],
        ['/api/items/1/?product=Pear', MISSING_DETAIL_METADATA, ALLOW.detail],
        ['/api/items/2/', MISSING_DETAIL_METADATA, ALLOW.detail],
        ['/api/items/0/', MISSING_DETAIL_METADATA, ALLOW.detail],
        ['/api/items/abc/', MISSING_DETAIL_METADATA, ALLOW.detail],
        ['/api/', ROOT_METADATA, ALLOW.root],
      ];
      for (const [url, body, allow] of cases) {
        await t.test(`OPTIONS ${url}`, async () => expectJson(await call(app, 'OPTIONS', url), 200, body, allow));
      }
      // The exact bytes of the contract's example.
      const exact =
        '{"name":"Item List","description":"","renders":["application/json","text/html"],"parses":["application/json","application/x-www-form-urlencoded","multipart/form-data"],"actions":{"POST":{"id":{"type":"integer","required":false,"read_only":true,"label":"ID"},"product":{"type":"string","required":true,"read_only":false,"label":"Product","max_length":20},"price":{"type":"integer","required":true,"read_only":false,"label":"Price","min_value":0,"max_value":2147483647}}}}';
      assert.equal((await call(app, 'OPTIONS', '/api/items/')).body, exact);
      assert.deepEqual(await rows(store), [{ id: 1, product: 'Apple', price: 100 }]);
    });

    test('OPTIONS on a missing item with a filter error is still 400', async (t) => {
      const { app, store } = await build(t, backend);
      await seed(store, { product: 'Apple', price: 100 });
      expectJson(
        await call(app, 'OPTIONS', '/api/items/1/?product=a%00b'),
        400,
        { product: ['Null characters are not allowed.'] },
        ALLOW.detail,
      );
    });

    test('GET /api/ links the collection with an absolute URL built from Host', async (t) => {
      const { app } = await build(t, backend);
      const cases: Array<[Record<string, string>, string]> = [
        [{ host: 'example.com' }, 'http://example.com/api/items/'],
        [{ host: 'shop.example:8080' }, 'http://shop.example:8080/api/items/'],
        [{ host: '127.0.0.1:8000' }, 'http://127.0.0.1:8000/api/items/'],
        // X-Forwarded-Proto is not trusted by default (§12).
        [{ host: 'example.com', 'x-forwarded-proto': 'https' }, 'http://example.com/api/items/'],
      ];
      for (const [headers, link] of cases) {
        expectJson(await send(app, 'GET', '/api/', { headers }), 200, { items: link }, ALLOW.root);
        expectJson(await send(app, 'GET', '/api', { headers }), 200, { items: link }, ALLOW.root);
      }
    });

    test('GET /api/ honours X-Forwarded-Proto when TRUST_PROXY is on', async (t) => {
      const { app } = await build(t, backend, { TRUST_PROXY: 'true' });
      const res = await send(app, 'GET', '/api/', { headers: { host: 'example.com', 'x-forwarded-proto': 'https' } });
      expectJson(res, 200, { items: 'https://example.com/api/items/' }, ALLOW.root);
    });

    test('/healthz answers OK as text/html, ignores the query; /healthz/ is 404', async (t) => {
      const { app } = await build(t, backend);
      for (const url of ['/healthz', '/healthz?x=1', '/healthz?format=xml', '/healthz?product=%00']) {
        const res = await call(app, 'GET', url);
        assert.equal(res.status, 200, url);
        assert.equal(res.body, 'OK', url);
        assert.equal(res.headers['content-type'], 'text/html; charset=utf-8', url);
        assert.equal(res.headers['content-length'], '2', url);
        assert.equal(res.headers.allow, undefined, url);
        assertSecurityHeaders(res, url);
      }
      const head = await call(app, 'HEAD', '/healthz');
      assert.equal(head.status, 200);
      assert.equal(head.body, '');
      assert.equal(head.headers['content-type'], 'text/html; charset=utf-8');
      expectNotFoundPage(await outsideTheApi(() => send(app, 'GET', '/healthz/')));
      expectNotFoundPage(await outsideTheApi(() => send(app, 'GET', '/healthz/?x=1')));
    });

    test('unknown paths, double slashes and extra segments are 404 HTML pages for every method', async (t) => {
      const { app, store } = await build(t, backend);
      await seed(store, { product: 'Apple', price: 100 });
      // (`/` itself is the web front end's page.)
      const paths = [
        '/no-such-path/',
        '/api/item/',
        '/API/items/',
        '/api/Items/',
        '/api//items/',
        '/api/items//',
        '//api/items/',
        '/api/items/1//',
        '/api/items/1/x/',
        '/api/items/1/x',
        '/api/items/x/y/z/',
        '/api/items/?/',
        '/static/app.js',
      ];
      for (const path of paths) {
        for (const method of ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']) {
          const res = await outsideTheApi(() =>
            sendJson(app, method, path, { product: 'X', price: 1 }, { accept: 'application/xml' }),
          );
          if (path === '/api/items/?/') {
            // `?` starts the query: this is the collection with a query string `/`.
            assert.notEqual(res.status, 404);
            continue;
          }
          expectNotFoundPage(res);
        }
        const head = await outsideTheApi(() => call(app, 'HEAD', path));
        if (path !== '/api/items/?/') {
          assert.equal(head.status, 404, path);
          assert.equal(head.body, '', path);
        }
      }
      assert.deepEqual(await rows(store), [{ id: 1, product: 'Apple', price: 100 }]);
    });

    test('a method a URL does not allow is 405 with Allow and the DRF body, and changes nothing', async (t) => {
      const { app, store } = await build(t, backend);
      await seed(store, { product: 'Apple', price: 100 });
      const extra = ['TRACE', 'PROPFIND', 'MKCOL', 'COPY', 'MOVE', 'LOCK', 'UNLOCK', 'SEARCH', 'REPORT'];
      const cases: Array<[string, string, string[]]> = [
        ['/api/', ALLOW.root, ['POST', 'PUT', 'PATCH', 'DELETE', ...extra]],
        ['/api', ALLOW.root, ['POST', 'PUT', 'PATCH', 'DELETE']],
        ['/api/items/', ALLOW.list, ['PUT', 'PATCH', 'DELETE', ...extra]],
        ['/api/items', ALLOW.list, ['PUT', 'PATCH', 'DELETE']],
        ['/api/items/1/', ALLOW.detail, ['POST', ...extra]],
        ['/api/items/1', ALLOW.detail, ['POST']],
        // The method check comes before the item lookup.
        ['/api/items/999999/', ALLOW.detail, ['POST', 'TRACE']],
        ['/api/items/abc/', ALLOW.detail, ['POST']],
        ['/api/items/1/?product=Pear', ALLOW.detail, ['POST']],
      ];
      for (const [url, allow, methods] of cases) {
        for (const method of methods) {
          await t.test(`${method} ${url}`, async () => {
            const res = await sendJson(app, method, url, { product: 'Changed', price: 1 });
            expectDetail(res, 405, `Method "${method}" not allowed.`, allow);
            assert.equal(res.headers.vary, 'Accept, Cookie');
          });
        }
      }
      // A malformed body does not matter either: the method is checked first.
      expectDetail(
        await send(app, 'POST', '/api/items/1/', { body: '{oops', type: 'application/json' }),
        405,
        'Method "POST" not allowed.',
        ALLOW.detail,
      );
      expectDetail(
        await send(app, 'DELETE', '/api/items/', { body: '<x/>', type: 'application/xml' }),
        405,
        'Method "DELETE" not allowed.',
        ALLOW.list,
      );
      assert.deepEqual(await store.list(), [{ id: 1, product: 'Apple', price: 100, version: 1 }]);
    });

    test('an unknown method token is 405 on API URLs and 404 elsewhere (raw socket)', async (t) => {
      const { app, store, consoleLines } = await build(t, backend);
      await seed(store, { product: 'Apple', price: 100 });
      const port = await listen(app);
      const cases: Array<[string, string, number, string | undefined]> = [
        ['FOO', '/api/items/', 405, ALLOW.list],
        ['FOO', '/api/items', 405, ALLOW.list],
        ['FOO', '/api/items/1/', 405, ALLOW.detail],
        ['BREW', '/api/items/1/?x=1', 405, ALLOW.detail],
        ['FOO', '/api/', 405, ALLOW.root],
        ['FOO', '/nope/', 404, undefined],
      ];
      for (const [method, url, status, allow] of cases) {
        const response = await rawExchange(port, `${method} ${url} HTTP/1.1\r\nHost: x\r\n\r\n`);
        const [head = '', body] = response.split('\r\n\r\n');
        const lines = head.split('\r\n');
        const headers = Object.fromEntries(
          lines
            .slice(1)
            .map((line) => [line.slice(0, line.indexOf(':')).toLowerCase(), line.slice(line.indexOf(':') + 2)]),
        );
        assert.match(lines[0] ?? '', new RegExp(`^HTTP/1.1 ${status} `), `${method} ${url}`);
        assertSecurityHeaders({ headers }, `${method} ${url}`);
        assert.equal(headers.allow, allow);
        assert.equal(Number(headers['content-length']), Buffer.byteLength(body ?? ''));
        if (status === 405) {
          assert.equal(headers['content-type'], 'application/json');
          assert.equal(body, JSON.stringify({ detail: `Method "${method}" not allowed.` }));
        } else {
          assert.equal(headers['content-type'], 'text/html; charset=utf-8');
          assert.equal(body, '<h1>Not Found</h1><p>The requested resource was not found on this server.</p>');
        }
      }
      // A request line that is not HTTP at all is a plain 400.
      const garbage = await rawExchange(port, 'F(O /api/items/ HTTP/1.1\r\n\r\n');
      assert.match(garbage, /^HTTP\/1.1 400 Bad Request\r\n/);
      assert.match(garbage, /x-frame-options: DENY/);
      assert.deepEqual(await store.list(), [{ id: 1, product: 'Apple', price: 100, version: 1 }]);
      const messages = consoleLines().map((line) => line.message);
      assert.ok(messages.includes('[REQUEST] FOO /api/items/'));
      assert.ok(messages.includes('[RESPONSE] FOO /api/items/ - 405'));
      assert.ok(messages.includes('Method Not Allowed: /api/items/'));
      assert.ok(messages.includes('Not Found: /nope/'));
    });

    test('the list holds every item in ascending id order, without pagination', async (t) => {
      const { app, store } = await build(t, backend);
      const items = await seed(
        store,
        ...Array.from({ length: 120 }, (_, i) => ({ product: `P${(i * 7919) % 120}`, price: 1000 - i })),
      );
      expectJson(await call(app, 'GET', '/api/items/'), 200, items.map(publicItem), ALLOW.list);
    });

    // The parameters of issues 5 and 19 (search, price_min/max, ordering, limit/offset,
    // page_size/page) are opt-in extensions, tested in test/api/features.test.ts and
    // test/api/page-number.test.ts; every other parameter is still ignored (§7), `page` alone too.
    test('query parameters the API does not know are ignored (§7)', async (t) => {
      const { app, store } = await build(t, backend);
      const items = await seed(store, { product: 'Apple', price: 1 }, { product: 'Pear', price: 2 });
      for (const query of [
        '?page=2',
        '?page_size=0',
        '?price=1',
        '?id=2',
        '?PRODUCT=Pear',
        '?product__icontains=ea',
        '?q=Pear',
      ]) {
        expectJson(await call(app, 'GET', `/api/items/${query}`), 200, items.map(publicItem), ALLOW.list);
      }
    });
  });
}
