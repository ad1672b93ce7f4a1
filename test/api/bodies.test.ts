import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { backends } from '../helpers/backends.js';
import { build } from '../helpers/build.js';
import {
  ALLOW,
  BOUNDARY,
  expectDetail,
  expectJson,
  formBody,
  httpChunked,
  listen,
  MULTIPART_TYPE,
  multipartBody,
  rows,
  seed,
  send,
  sendJson,
} from '../helpers/http.js';

// Contract §4: request bodies — media types, parse errors, non-object JSON, repeated keys,
// chunked transfer, nesting and size.

const REQUIRED_BOTH = { product: ['This field is required.'], price: ['This field is required.'] };

for (const backend of backends) {
  describe(`request bodies (${backend})`, () => {
    test('an empty body is {} whatever its Content-Type: POST/PUT say required, PATCH changes nothing', async (t) => {
      const { app, store } = await build(t, backend);
      await seed(store, { product: 'Apple', price: 100 });
      const types = [
        undefined,
        '',
        'application/json',
        'text/plain',
        'application/xml',
        'application/x-www-form-urlencoded',
        'multipart/form-data',
        'image/png',
      ];
      for (const type of types) {
        for (const body of [undefined, '']) {
          const label = `type ${JSON.stringify(type)}, body ${JSON.stringify(body)}`;
          await t.test(label, async () => {
            expectJson(await send(app, 'POST', '/api/items/', { body, type }), 400, REQUIRED_BOTH, ALLOW.list);
            expectJson(await send(app, 'PUT', '/api/items/1/', { body, type }), 400, REQUIRED_BOTH, ALLOW.detail);
            expectJson(
              await send(app, 'PATCH', '/api/items/1/', { body, type }),
              200,
              { id: 1, product: 'Apple', price: 100 },
              ALLOW.detail,
            );
          });
        }
      }
      assert.deepEqual(await store.list(), [{ id: 1, product: 'Apple', price: 100, version: 1 }]);
    });

    test('415 echoes the exact Content-Type value; nothing is stored', async (t) => {
      const { app, store } = await build(t, backend);
      await seed(store, { product: 'Apple', price: 100 });
      const body = '{"product":"Changed","price":1}';
      const types: Array<string | undefined> = [
        undefined,
        '',
        'text/plain',
        'text/plain; charset=utf-8',
        'TEXT/PLAIN',
        'application/xml',
        'application/vnd.api+json',
        'application/merge-patch+json',
        'application/json-patch+json',
        'application/jsonx',
        'json',
        'application/x-www-form-urlencoded2',
      ];
      for (const type of types) {
        const echoed = type ?? '';
        await t.test(`Content-Type ${JSON.stringify(type)}`, async () => {
          const message = `Unsupported media type "${echoed}" in request.`;
          expectDetail(await send(app, 'POST', '/api/items/', { body, type }), 415, message, ALLOW.list);
          expectDetail(await send(app, 'PUT', '/api/items/1/', { body, type }), 415, message, ALLOW.detail);
          expectDetail(await send(app, 'PATCH', '/api/items/1/', { body, type }), 415, message, ALLOW.detail);
        });
      }
      assert.deepEqual(await store.list(), [{ id: 1, product: 'Apple', price: 100, version: 1 }]);
    });

    test('the accepted media types match case-insensitively and ignore parameters', async (t) => {
      const { app, store } = await build(t, backend);
      const cases: Array<[string, string]> = [
        ['APPLICATION/JSON', '{"product":"A","price":1}'],
        ['Application/Json; charset=UTF-8', '{"product":"B","price":2}'],
        ['application/json;charset=latin-1', '{"product":"C","price":3}'],
        ['APPLICATION/X-WWW-FORM-URLENCODED; charset=utf-8', 'product=D&price=4'],
        [
          `MULTIPART/Form-Data; boundary=${BOUNDARY}`,
          multipartBody([
            ['product', 'E'],
            ['price', '5'],
          ]),
        ],
      ];
      for (const [type, body] of cases) {
        const res = await send(app, 'POST', '/api/items/', { body, type });
        assert.equal(res.status, 201, `${type}: ${res.body}`);
      }
      assert.deepEqual(await rows(store), [
        { id: 1, product: 'A', price: 1 },
        { id: 2, product: 'B', price: 2 },
        { id: 3, product: 'C', price: 3 },
        { id: 4, product: 'D', price: 4 },
        { id: 5, product: 'E', price: 5 },
      ]);
    });

    test('malformed JSON, invalid UTF-8, a BOM and NaN/Infinity are 400 "JSON parse error"', async (t) => {
      const { app, store } = await build(t, backend);
      await seed(store, { product: 'Apple', price: 100 });
      const bodies: Array<[string, string | Buffer]> = [
        ['truncated', '{"product": "x", "price": 1'],
        ['single quotes', "{'product':'x','price':1}"],
        ['trailing comma', '{"product":"x","price":1,}'],
        ['bare word', 'hello'],
        ['whitespace only', '   '],
        ['two documents', '{}{}'],
        ['comment', '{"product":"x"/* c */,"price":1}'],
        ['invalid UTF-8', Buffer.from([0x7b, 0x22, 0x70, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d])],
        ['overlong UTF-8', Buffer.from([0x7b, 0x22, 0x70, 0x22, 0x3a, 0x22, 0xc0, 0xaf, 0x22, 0x7d])],
        ['Latin-1 text', Buffer.from('{"product":"Caf\xe9","price":1}', 'latin1')],
        ['UTF-8 BOM', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{"product":"x","price":1}')])],
        ['NaN', '{"product":"x","price":NaN}'],
        ['Infinity', '{"product":"x","price":Infinity}'],
        ['-Infinity', '{"product":"x","price":-Infinity}'],
        ['NaN alone', 'NaN'],
        ['deep unclosed nesting', '['.repeat(100_000)],
      ];
      for (const [name, body] of bodies) {
        await t.test(name, async () => {
          for (const [method, url, allow] of [
            ['POST', '/api/items/', ALLOW.list],
            ['PUT', '/api/items/1/', ALLOW.detail],
            ['PATCH', '/api/items/1', ALLOW.detail],
          ] as const) {
            const res = await send(app, method, url, { body, type: 'application/json' });
            assert.equal(res.status, 400, `${method}: ${res.body.slice(0, 200)}`);
            const json = res.json() as Record<string, unknown>;
            assert.deepEqual(Object.keys(json), ['detail']);
            assert.match(String(json.detail), /^JSON parse error - ./);
            assert.equal(res.headers.allow, allow);
          }
        });
      }
      assert.deepEqual(await store.list(), [{ id: 1, product: 'Apple', price: 100, version: 1 }]);
    });

    test('very deep but well-formed nesting is a 400 JSON error, and the server keeps serving', async (t) => {
      const { app, store } = await build(t, backend);
      const deepArray = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;
      const deepValue = `{"product":${'['.repeat(50_000)}${']'.repeat(50_000)},"price":1}`;
      const deepObject = `${'{"a":'.repeat(50_000)}1${'}'.repeat(50_000)}`;
      for (const body of [deepArray, deepValue, deepObject]) {
        const res = await send(app, 'POST', '/api/items/', { body, type: 'application/json' });
        assert.equal(res.status, 400, res.body.slice(0, 200));
        assert.match(String(res.headers['content-type']), /^application\/json/);
        assert.equal(typeof res.json(), 'object');
      }
      // Past 1000 levels (Python's default recursion limit) a body is refused before it is parsed; up to it, parsed.
      for (const body of [deepArray, deepValue, deepObject]) {
        expectJson(
          await send(app, 'POST', '/api/items/', { body, type: 'application/json' }),
          400,
          { detail: 'JSON parse error - Nested deeper than 1000 levels' },
          ALLOW.list,
        );
      }
      const atLimit = `{"product":${'['.repeat(999)}${']'.repeat(999)},"price":1}`;
      expectJson(
        await send(app, 'POST', '/api/items/', { body: atLimit, type: 'application/json' }),
        400,
        { product: ['Not a valid string.'] },
        ALLOW.list,
      );
      assert.deepEqual(await store.list(), []);
      expectJson(await sendJson(app, 'POST', '/api/items/', { product: 'Still', price: 1 }), 201, {
        id: 1,
        product: 'Still',
        price: 1,
      });
    });

    test('multipart without a boundary, or cut short, is 400 "Multipart form parse error"', async (t) => {
      const { app, store } = await build(t, backend);
      await seed(store, { product: 'Apple', price: 100 });
      const cases: Array<[string, string]> = [
        ['multipart/form-data', multipartBody([['product', 'x']])],
        ['multipart/form-data; charset=utf-8', multipartBody([['product', 'x']])],
      ];
      for (const [type, body] of cases) {
        for (const [method, url] of [
          ['POST', '/api/items/'],
          ['PUT', '/api/items/1/'],
        ]) {
          const res = await send(app, method as string, url as string, { body, type });
          assert.equal(res.status, 400, res.body);
          assert.match(String((res.json() as { detail: string }).detail), /^Multipart form parse error - ./);
        }
      }
      const cut = multipartBody([['product', 'x']]).slice(0, 60);
      const res = await send(app, 'POST', '/api/items/', { body: cut, type: MULTIPART_TYPE });
      assert.equal(res.status, 400, res.body);
      assert.match(String((res.json() as { detail: string }).detail), /^Multipart form parse error - ./);
      assert.deepEqual(await store.list(), [{ id: 1, product: 'Apple', price: 100, version: 1 }]);
    });

    test('JSON that is not an object is 400 non_field_errors naming the Python kind', async (t) => {
      const { app, store } = await build(t, backend);
      await seed(store, { product: 'Apple', price: 100 });
      const kinds: Array<[string, string]> = [
        ['[]', 'Invalid data. Expected a dictionary, but got list.'],
        ['[{"product":"x","price":1}]', 'Invalid data. Expected a dictionary, but got list.'],
        ['"hello"', 'Invalid data. Expected a dictionary, but got str.'],
        ['""', 'Invalid data. Expected a dictionary, but got str.'],
        ['"1.5"', 'Invalid data. Expected a dictionary, but got str.'],
        ['5', 'Invalid data. Expected a dictionary, but got int.'],
        [' -7 ', 'Invalid data. Expected a dictionary, but got int.'],
        ['0', 'Invalid data. Expected a dictionary, but got int.'],
        ['5.5', 'Invalid data. Expected a dictionary, but got float.'],
        ['1e3', 'Invalid data. Expected a dictionary, but got float.'],
        ['2E-2', 'Invalid data. Expected a dictionary, but got float.'],
        ['true', 'Invalid data. Expected a dictionary, but got bool.'],
        ['false', 'Invalid data. Expected a dictionary, but got bool.'],
        ['null', 'No data provided'],
        [' null\n', 'No data provided'],
      ];
      for (const [body, message] of kinds) {
        await t.test(JSON.stringify(body), async () => {
          const expected = { non_field_errors: [message] };
          expectJson(await sendJson(app, 'POST', '/api/items/', body), 400, expected, ALLOW.list);
          expectJson(await sendJson(app, 'PUT', '/api/items/1/', body), 400, expected, ALLOW.detail);
          expectJson(await sendJson(app, 'PATCH', '/api/items/1/', body), 400, expected, ALLOW.detail);
        });
      }
      assert.deepEqual(await store.list(), [{ id: 1, product: 'Apple', price: 100, version: 1 }]);
    });

    test('a repeated key: the last occurrence wins (JSON, form and multipart)', async (t) => {
      const { app, store } = await build(t, backend);
      const json = '{"product":"First","price":1,"product":"Last","price":2}';
      expectJson(await sendJson(app, 'POST', '/api/items/', json), 201, { id: 1, product: 'Last', price: 2 });
      const form = formBody([
        ['product', 'First'],
        ['price', '1'],
        ['product', 'Form last'],
        ['price', '3'],
      ]);
      expectJson(
        await send(app, 'POST', '/api/items/', { body: form, type: 'application/x-www-form-urlencoded' }),
        201,
        { id: 2, product: 'Form last', price: 3 },
      );
      const multipart = multipartBody([
        ['product', 'First'],
        ['price', '1'],
        ['product', 'MP last'],
        ['price', '4'],
      ]);
      expectJson(await send(app, 'POST', '/api/items/', { body: multipart, type: MULTIPART_TYPE }), 201, {
        id: 3,
        product: 'MP last',
        price: 4,
      });
      // The last one decides even when it is the invalid one.
      expectJson(await sendJson(app, 'POST', '/api/items/', '{"product":"ok","price":1,"price":-1}'), 400, {
        price: ['Ensure this value is greater than or equal to 0.'],
      });
      expectJson(
        await sendJson(app, 'PATCH', '/api/items/1/', '{"price":-1,"price":9}'),
        200,
        { id: 1, product: 'Last', price: 9 },
        ALLOW.detail,
      );
      assert.deepEqual(await rows(store), [
        { id: 1, product: 'Last', price: 9 },
        { id: 2, product: 'Form last', price: 3 },
        { id: 3, product: 'MP last', price: 4 },
      ]);
    });

    test('unknown fields and any id in the body are ignored', async (t) => {
      const { app, store } = await build(t, backend);
      expectJson(
        await sendJson(app, 'POST', '/api/items/', {
          id: 77,
          product: 'A',
          price: 1,
          colour: 'red',
          nested: { a: [1] },
        }),
        201,
        { id: 1, product: 'A', price: 1 },
      );
      expectJson(
        await send(app, 'POST', '/api/items/', {
          body: 'id=55&product=B&price=2&extra=1',
          type: 'application/x-www-form-urlencoded',
        }),
        201,
        { id: 2, product: 'B', price: 2 },
      );
      expectJson(await sendJson(app, 'PUT', '/api/items/1/', { id: 2, product: 'A2', price: 5, PRODUCT: 'no' }), 200, {
        id: 1,
        product: 'A2',
        price: 5,
      });
      expectJson(await sendJson(app, 'PATCH', '/api/items/2/', { id: 1, whatever: true }), 200, {
        id: 2,
        product: 'B',
        price: 2,
      });
      assert.deepEqual(await rows(store), [
        { id: 1, product: 'A2', price: 5 },
        { id: 2, product: 'B', price: 2 },
      ]);
    });

    test('form-urlencoded bodies: strings under the same rules, + is a space, percent-decoding', async (t) => {
      const { app, store } = await build(t, backend);
      await seed(store, { product: 'Apple', price: 100 });
      const type = 'application/x-www-form-urlencoded';
      expectJson(await send(app, 'POST', '/api/items/', { body: 'product=+Caf%C3%A9+Latte+&price=+12+', type }), 201, {
        id: 2,
        product: 'Café Latte',
        price: 12,
      });
      expectJson(await send(app, 'POST', '/api/items/', { body: 'product=&price=abc', type }), 400, {
        product: ['This field may not be blank.'],
        price: ['A valid integer is required.'],
      });
      expectJson(await send(app, 'POST', '/api/items/', { body: 'product=a%00b&price=', type }), 400, {
        product: ['Null characters are not allowed.'],
        price: ['A valid integer is required.'],
      });
      expectJson(await send(app, 'POST', '/api/items/', { body: 'price=1', type }), 400, {
        product: ['This field is required.'],
      });
      expectJson(
        await send(app, 'PATCH', '/api/items/1/', { body: 'price=12.0', type }),
        200,
        { id: 1, product: 'Apple', price: 12 },
        ALLOW.detail,
      );
      expectJson(
        await send(app, 'PUT', '/api/items/1/', { body: 'product=Pear&price=7', type }),
        200,
        { id: 1, product: 'Pear', price: 7 },
        ALLOW.detail,
      );
      assert.deepEqual(await rows(store), [
        { id: 1, product: 'Pear', price: 7 },
        { id: 2, product: 'Café Latte', price: 12 },
      ]);
    });

    test('multipart bodies: fields are strings, file parts are ignored', async (t) => {
      const { app, store } = await build(t, backend);
      await seed(store, { product: 'Apple', price: 100 });
      expectJson(
        await send(app, 'POST', '/api/items/', {
          body: multipartBody(
            [
              ['product', ' Crème ☕ '],
              ['price', '8'],
            ],
            [['attachment', 'ignored']],
          ),
          type: MULTIPART_TYPE,
        }),
        201,
        { id: 2, product: 'Crème ☕', price: 8 },
        ALLOW.list,
      );
      expectJson(
        await send(app, 'POST', '/api/items/', { body: multipartBody([['product', 'x']]), type: MULTIPART_TYPE }),
        400,
        { price: ['This field is required.'] },
      );
      expectJson(
        await send(app, 'POST', '/api/items/', {
          body: multipartBody([], [['product', 'file, not field']]),
          type: MULTIPART_TYPE,
        }),
        400,
        REQUIRED_BOTH,
      );
      expectJson(
        await send(app, 'PATCH', '/api/items/1/', { body: multipartBody([['price', '3']]), type: MULTIPART_TYPE }),
        200,
        { id: 1, product: 'Apple', price: 3 },
      );
      assert.deepEqual(await rows(store), [
        { id: 1, product: 'Apple', price: 3 },
        { id: 2, product: 'Crème ☕', price: 8 },
      ]);
    });

    test('a chunked body (no Content-Length) is read', async (t) => {
      const { app, store } = await build(t, backend);
      const port = await listen(app);
      const created = await httpChunked(
        port,
        'POST',
        '/api/items/',
        { 'content-type': 'application/json', 'transfer-encoding': 'chunked' },
        ['{"prod', 'uct":"Chu', 'nked","pri', 'ce":5}'],
      );
      assert.equal(created.status, 201, created.body);
      assert.equal(created.body, '{"id":1,"product":"Chunked","price":5}');
      assert.equal(created.headers['x-frame-options'], 'DENY');
      const updated = await httpChunked(
        port,
        'PUT',
        '/api/items/1/',
        { 'content-type': 'application/x-www-form-urlencoded', 'transfer-encoding': 'chunked' },
        ['product=Re', 'chunked&price=', '6'],
      );
      assert.equal(updated.status, 200, updated.body);
      assert.equal(updated.body, '{"id":1,"product":"Rechunked","price":6}');
      const empty = await httpChunked(
        port,
        'POST',
        '/api/items/',
        { 'content-type': 'application/json', 'transfer-encoding': 'chunked' },
        [],
      );
      assert.equal(empty.status, 400);
      assert.equal(empty.body, JSON.stringify(REQUIRED_BOTH));
      assert.deepEqual(await rows(store), [{ id: 1, product: 'Rechunked', price: 6 }]);
    });

    test('bodies of 2.5 MB (the least the contract allows) are parsed by default; a 1 MB product gets the length error', async (t) => {
      const { app, store } = await build(t, backend);
      const padding = 'x'.repeat(2.5 * 1024 * 1024);
      const big = JSON.stringify({ padding, product: 'Big body', price: 1 });
      assert.ok(big.length > 2.5 * 1024 * 1024);
      expectJson(await sendJson(app, 'POST', '/api/items/', big), 201, { id: 1, product: 'Big body', price: 1 });
      const longProduct = JSON.stringify({ product: 'p'.repeat(1024 * 1024), price: 1 });
      expectJson(await sendJson(app, 'POST', '/api/items/', longProduct), 400, {
        product: ['Ensure this field has no more than 20 characters.'],
      });
      const form = `padding=${'y'.repeat(2.5 * 1024 * 1024)}&product=Big+form&price=2`;
      expectJson(
        await send(app, 'POST', '/api/items/', { body: form, type: 'application/x-www-form-urlencoded' }),
        201,
        { id: 2, product: 'Big form', price: 2 },
      );
      assert.deepEqual(await rows(store), [
        { id: 1, product: 'Big body', price: 1 },
        { id: 2, product: 'Big form', price: 2 },
      ]);
    });

    test('a body over BODY_LIMIT is 413 JSON, and nothing is stored', async (t) => {
      const { app, store } = await build(t, backend, { BODY_LIMIT: '2048' });
      const body = JSON.stringify({ product: 'x', price: 1, padding: 'z'.repeat(4096) });
      expectDetail(await sendJson(app, 'POST', '/api/items/', body), 413, 'Request body is too large.', ALLOW.list);
      assert.deepEqual(await store.list(), []);
    });
  });
}
