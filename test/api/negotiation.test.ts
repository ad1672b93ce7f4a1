import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { backends } from '../helpers/backends.js';
import { build } from '../helpers/build.js';
import {
  ALLOW,
  expectDetail,
  expectJson,
  expectNotFoundPage,
  type Res,
  rows,
  seed,
  send,
  sendJson,
} from '../helpers/http.js';
import { outsideTheApi } from '../helpers/openapi.js';

// Contract §8 (format and Accept) and the precedence of errors:
// unknown route → format/Accept → method → item lookup (incl. filter) → body parsing → validation.

const NOT_ACCEPTABLE = 'Could not satisfy the request Accept header.';
const APPLE = { id: 1, product: 'Apple', price: 100 };

for (const backend of backends) {
  describe(`content negotiation (${backend})`, () => {
    test('Accept values a JSON or HTML renderer satisfies answer 200 JSON', async (t) => {
      const { app, store } = await build(t, backend);
      await seed(store, { product: 'Apple', price: 100 });
      const accepts = [
        '*/*',
        'application/json',
        'application/*',
        'APPLICATION/JSON',
        'text/html',
        'text/*',
        'application/json; indent=4',
        'application/xml, application/json',
        'application/xml;q=1.0, */*;q=0.1',
        'text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8',
        'application/json;q=0',
        ', ,',
      ];
      for (const accept of accepts) {
        for (const [url, body] of [
          ['/api/items/', [APPLE]],
          ['/api/items/1/', APPLE],
        ] as const) {
          const res = await send(app, 'GET', url, { headers: { accept } });
          assert.equal(res.status, 200, `${accept}: ${res.body}`);
          assert.deepEqual(res.json(), body, accept);
        }
      }
      expectJson(await send(app, 'GET', '/api/items/'), 200, [APPLE]);
    });

    test('an Accept that allows neither JSON nor HTML is 406 for every method, and nothing changes', async (t) => {
      const { app, store } = await build(t, backend);
      await seed(store, { product: 'Apple', price: 100 });
      const accepts = [
        'application/xml',
        'text/plain',
        'image/png',
        'application/xml, text/csv',
        'application/xhtml+xml',
      ];
      const requests: Array<[string, string, string]> = [
        ['GET', '/api/items/', ALLOW.list],
        ['POST', '/api/items/', ALLOW.list],
        ['OPTIONS', '/api/items/', ALLOW.list],
        ['GET', '/api/items/1/', ALLOW.detail],
        ['PUT', '/api/items/1/', ALLOW.detail],
        ['PATCH', '/api/items/1/', ALLOW.detail],
        ['DELETE', '/api/items/1/', ALLOW.detail],
        ['OPTIONS', '/api/items/1/', ALLOW.detail],
        ['GET', '/api/', ALLOW.root],
        ['OPTIONS', '/api/', ALLOW.root],
        // Before the method check (405) and before the item lookup (404).
        ['DELETE', '/api/items/', ALLOW.list],
        ['POST', '/api/items/1/', ALLOW.detail],
        ['PROPFIND', '/api/items/1/', ALLOW.detail],
        ['GET', '/api/items/999/', ALLOW.detail],
        ['PUT', '/api/items/abc/', ALLOW.detail],
      ];
      for (const accept of accepts) {
        for (const [method, url, allow] of requests) {
          // The list alone also renders CSV (test/api/csv.test.ts).
          if (accept.includes('text/csv') && method === 'GET' && url === '/api/items/') continue;
          const res = await sendJson(app, method, url, { product: 'Changed', price: 1 }, { accept });
          expectDetail(res, 406, NOT_ACCEPTABLE, allow);
        }
        const head = await send(app, 'HEAD', '/api/items/1/', { headers: { accept } });
        assert.equal(head.status, 406);
        assert.equal(head.body, '');
      }
      assert.deepEqual(await store.list(), [{ id: 1, product: 'Apple', price: 100, version: 1 }]);
    });

    test('?format=json is JSON, an empty format is ignored, any other format is 404 "Not found."', async (t) => {
      const { app, store } = await build(t, backend);
      await seed(store, { product: 'Apple', price: 100 });
      for (const query of ['?format=json', '?format=', '?format=xml&format=json', '?format=json&product=Apple']) {
        expectJson(await send(app, 'GET', `/api/items/${query}`), 200, [APPLE], ALLOW.list);
        expectJson(await send(app, 'GET', `/api/items/1/${query}`), 200, APPLE, ALLOW.detail);
      }
      // A browser's Accept allows JSON through */*.
      const browser = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8';
      expectJson(await send(app, 'GET', '/api/items/?format=json', { headers: { accept: browser } }), 200, [APPLE]);
      // As DRF: the format picks the JSON renderer, and Accept must still allow it.
      for (const accept of ['text/html', 'application/xml']) {
        for (const method of ['GET', 'DELETE']) {
          expectDetail(
            await send(app, method, '/api/items/1/?format=json', { headers: { accept } }),
            406,
            NOT_ACCEPTABLE,
            ALLOW.detail,
          );
        }
      }
      for (const format of ['xml', 'JSON', 'Json', 'yaml', 'html', '%20json', 'json%20']) {
        for (const [method, url, allow] of [
          ['GET', '/api/items/', ALLOW.list],
          ['POST', '/api/items/', ALLOW.list],
          ['GET', '/api/items/1/', ALLOW.detail],
          ['PUT', '/api/items/1/', ALLOW.detail],
          ['PATCH', '/api/items/1/', ALLOW.detail],
          ['DELETE', '/api/items/1/', ALLOW.detail],
          ['OPTIONS', '/api/items/1/', ALLOW.detail],
          ['GET', '/api/', ALLOW.root],
          ['DELETE', '/api/items/', ALLOW.list],
          ['GET', '/api/items/999/', ALLOW.detail],
        ] as const) {
          const res = await sendJson(app, method, `${url}?format=${format}`, { product: 'Changed', price: 1 });
          expectDetail(res, 404, 'Not found.', allow);
        }
        // The format is checked before Accept.
        expectDetail(
          await send(app, 'GET', `/api/items/?format=${format}`, { headers: { accept: 'application/xml' } }),
          404,
          'Not found.',
        );
      }
      assert.deepEqual(await store.list(), [{ id: 1, product: 'Apple', price: 100, version: 1 }]);
    });

    test('?format=api (the browsable API) answers 200', async (t) => {
      const { app, store } = await build(t, backend);
      await seed(store, { product: 'Apple', price: 100 });
      assert.equal((await send(app, 'GET', '/api/items/?format=api')).status, 200);
      assert.equal((await send(app, 'GET', '/api/items/1/?format=api')).status, 200);
    });
  });

  describe(`error precedence (${backend})`, () => {
    test('each stage wins over the ones after it', async (t) => {
      const { app, store } = await build(t, backend);
      await seed(store, { product: 'Apple', price: 100 });
      const xml = { accept: 'application/xml' };
      const malformed = { body: '{"product":', type: 'application/json' };
      const cases: Array<[string, () => Promise<Res>, (res: Res) => void]> = [
        [
          'unknown route beats format and Accept',
          () => outsideTheApi(() => send(app, 'DELETE', '/api/items/1/x/?format=xml', { ...malformed, headers: xml })),
          expectNotFoundPage,
        ],
        [
          'unknown route beats everything (double slash)',
          () => outsideTheApi(() => send(app, 'POST', '/api//items/?format=xml', { ...malformed, headers: xml })),
          expectNotFoundPage,
        ],
        [
          'format beats Accept',
          () => send(app, 'GET', '/api/items/?format=xml', { headers: xml }),
          (res) => expectDetail(res, 404, 'Not found.'),
        ],
        [
          'format beats the method check',
          () => send(app, 'DELETE', '/api/items/?format=xml'),
          (res) => expectDetail(res, 404, 'Not found.', ALLOW.list),
        ],
        [
          'Accept beats the method check',
          () => send(app, 'POST', '/api/items/1/', { ...malformed, headers: xml }),
          (res) => expectDetail(res, 406, NOT_ACCEPTABLE, ALLOW.detail),
        ],
        [
          'Accept beats the item lookup',
          () => send(app, 'PUT', '/api/items/999/', { ...malformed, headers: xml }),
          (res) => expectDetail(res, 406, NOT_ACCEPTABLE, ALLOW.detail),
        ],
        [
          'the method check beats the item lookup',
          () => sendJson(app, 'POST', '/api/items/999999/', { product: 'X', price: 1 }),
          (res) => expectDetail(res, 405, 'Method "POST" not allowed.', ALLOW.detail),
        ],
        [
          'the method check beats body parsing',
          () => send(app, 'PATCH', '/api/items/', malformed),
          (res) => expectDetail(res, 405, 'Method "PATCH" not allowed.', ALLOW.list),
        ],
        [
          'the item lookup beats a malformed body',
          () => send(app, 'PUT', '/api/items/999/', malformed),
          (res) => expectDetail(res, 404, 'No Item matches the given query.', ALLOW.detail),
        ],
        [
          'the item lookup beats an unsupported media type',
          () => send(app, 'PATCH', '/api/items/999/', { body: 'x', type: 'text/plain' }),
          (res) => expectDetail(res, 404, 'No Item matches the given query.'),
        ],
        [
          'the item lookup beats an unparsable Content-Type',
          () => send(app, 'PUT', '/api/items/999/', { body: 'x', type: 'json' }),
          (res) => expectDetail(res, 404, 'No Item matches the given query.'),
        ],
        [
          'the item lookup beats an empty Content-Type',
          () => send(app, 'PUT', '/api/items/999/', { body: 'x', type: '' }),
          (res) => expectDetail(res, 404, 'No Item matches the given query.'),
        ],
        [
          'a non-integer id beats the body',
          () => send(app, 'PATCH', '/api/items/abc/', malformed),
          (res) => expectDetail(res, 404, 'Not found.'),
        ],
        [
          'the filter (lookup) beats the body',
          () => send(app, 'DELETE', '/api/items/1/?product=Pear', malformed),
          (res) => expectDetail(res, 404, 'No Item matches the given query.'),
        ],
        [
          'a NUL filter is part of the lookup, before the body',
          () => send(app, 'PUT', '/api/items/1/?product=%00', malformed),
          (res) => expectJson(res, 400, { product: ['Null characters are not allowed.'] }),
        ],
        [
          'an unsupported media type beats validation',
          () => send(app, 'POST', '/api/items/', { body: '{}', type: 'text/plain' }),
          (res) => expectDetail(res, 415, 'Unsupported media type "text/plain" in request.'),
        ],
        [
          'a parse error beats validation',
          () => send(app, 'PUT', '/api/items/1/', { body: '{"product":"","price":-1', type: 'application/json' }),
          (res) => assert.match((res.json() as { detail: string }).detail, /^JSON parse error/),
        ],
        [
          'a non-object body beats field validation',
          () => sendJson(app, 'PUT', '/api/items/1/', '[{"product":""}]'),
          (res) => expectJson(res, 400, { non_field_errors: ['Invalid data. Expected a dictionary, but got list.'] }),
        ],
        [
          'an unknown route with an unparsable Content-Type is still the 404 page',
          () => outsideTheApi(() => send(app, 'POST', '/nope/', { body: 'x', type: 'json' })),
          expectNotFoundPage,
        ],
        [
          'a disallowed method with an unparsable Content-Type is still 405',
          () => send(app, 'DELETE', '/api/items/', { body: 'x', type: '' }),
          (res) => expectDetail(res, 405, 'Method "DELETE" not allowed.', ALLOW.list),
        ],
      ];
      for (const [name, run, check] of cases) {
        await t.test(name, async () => check(await run()));
      }
      assert.deepEqual(await rows(store), [APPLE]);
    });
  });
}
