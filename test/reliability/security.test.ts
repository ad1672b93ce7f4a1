import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { backends } from '../helpers/backends.js';
import { build } from '../helpers/build.js';
import { expectNotFoundPage } from '../helpers/http.js';
import type { TestItems } from '../helpers/items.js';
import { leakIn, logFileLines, percentEncode } from '../helpers/reliability.js';

// Hostile input: SQL metacharacters are data, never SQL; control characters cannot forge a log
// line; no response reveals a stack trace, a file name or SQL; and the optional protections
// (API_TOKEN, RATE_LIMIT, BODY_LIMIT) and the operations surface (/metrics, X-Request-Id) do
// what they say.

interface Answer {
  status: number;
  headers: Record<string, string | string[] | number | undefined>;
  body: string;
}

/** Sends through app.inject and keeps every body, to check at the end that none leaks internals. */
function client(app: FastifyInstance) {
  const bodies: string[] = [];
  const send = async (
    method: string,
    url: string,
    options: { json?: unknown; body?: string | Buffer; type?: string; headers?: Record<string, string> } = {},
  ): Promise<Answer> => {
    const headers: Record<string, string> = { ...options.headers };
    let payload = options.body;
    if (options.json !== undefined) {
      payload = JSON.stringify(options.json);
      headers['content-type'] = 'application/json';
    }
    if (options.type !== undefined) headers['content-type'] = options.type;
    const response = await app.inject({ method: method as 'GET', url, headers, payload });
    bodies.push(`${method} ${url} → ${response.statusCode}\n${response.body}`);
    return { status: response.statusCode, headers: response.headers, body: response.body };
  };
  const assertNoLeaks = () => {
    for (const body of bodies) {
      const [, ...rest] = body.split('\n');
      const leak = leakIn(rest.join('\n'));
      assert.equal(leak, undefined, `response leaks ${leak}: ${body.slice(0, 500)}`);
    }
  };
  return { send, assertNoLeaks, bodies };
}

const publicRows = async (store: TestItems) =>
  (await store.list()).map(({ id, product, price }) => ({ id, product, price }));

function expectDetail(answer: Answer, status: number, pattern?: RegExp) {
  assert.equal(answer.status, status, answer.body);
  assert.match(String(answer.headers['content-type']), /^application\/json/);
  const parsed = JSON.parse(answer.body) as Record<string, unknown>;
  assert.deepEqual(Object.keys(parsed), ['detail'], answer.body);
  assert.equal(typeof parsed.detail, 'string');
  if (pattern) assert.match(parsed.detail as string, pattern);
}

const SQL_METACHARACTERS = [
  "'",
  '"',
  ';',
  '--',
  '%',
  '_',
  '\\',
  '/*',
  '*/',
  "\\'",
  "' OR 1=1 --",
  "' OR '1'='1",
  '" OR ""="',
  "x');DROP TABLE items",
  'a%',
  'a_b',
  'axb',
  'a\\%',
  '%_%',
  '$1',
  '?',
  ':name',
  '`id`',
  "E'\\\\'",
  '\\x27',
  'NULL',
];

for (const backend of backends) {
  describe(`security (${backend})`, () => {
    test('SQL metacharacters are stored and matched literally, in every parameter', async (t) => {
      const { app, store } = await build(t, backend, { LOG_LEVEL: 'silent' });
      const { send, assertNoLeaks } = client(app);
      const created = new Map<string, number>();
      for (const product of SQL_METACHARACTERS) {
        const r = await send('POST', '/api/items/', { json: { product, price: 1 } });
        assert.equal(r.status, 201, `${product}: ${r.body}`);
        const item = JSON.parse(r.body) as { id: number; product: string };
        assert.equal(item.product, product);
        created.set(product, item.id);
      }
      // The same through a form body.
      const form = await send('POST', '/api/items/', {
        body: `product=${percentEncode("' OR ''='")}&price=2`,
        type: 'application/x-www-form-urlencoded',
      });
      assert.equal(form.status, 201);
      const expected = [
        ...SQL_METACHARACTERS.map((product) => ({ id: created.get(product), product, price: 1 })),
        { id: JSON.parse(form.body).id, product: "' OR ''='", price: 2 },
      ];
      assert.deepEqual(await publicRows(store), expected, 'stored literally');

      // ?product= matches exactly one item: % and _ are no wildcards, quotes are no syntax.
      for (const product of [...SQL_METACHARACTERS, "' OR ''='"]) {
        const r = await send('GET', `/api/items/?product=${percentEncode(product)}`);
        assert.equal(r.status, 200, r.body);
        assert.deepEqual(
          (JSON.parse(r.body) as Array<{ product: string }>).map((i) => i.product),
          [product],
          `?product=${product}`,
        );
      }
      for (const probe of ['%%', 'a%b', '_x', "' OR 1=1", "'' OR 1=1 --", 'a\\_b', '%25', 'A%']) {
        const r = await send('GET', `/api/items/?product=${percentEncode(probe)}`);
        assert.equal(r.body, '[]', `?product=${probe} matches nothing`);
      }

      // On item URLs the filter hides a non-matching item: 404 for every method, nothing changes.
      const id = created.get('axb') as number;
      const before = await publicRows(store);
      for (const filter of ["' OR 1=1 --", "axb' OR '1'='1", '%', '_xb', 'a_b', 'axb; --']) {
        for (const method of ['GET', 'PUT', 'PATCH', 'DELETE']) {
          const r = await send(method, `/api/items/${id}/?product=${percentEncode(filter)}`, {
            json: method === 'PUT' || method === 'PATCH' ? { product: 'hacked', price: 0 } : undefined,
          });
          expectDetail(r, 404, /No Item matches/);
        }
      }
      assert.deepEqual(await publicRows(store), before, 'no write through a filter that does not match');
      assert.equal((await send('GET', `/api/items/${id}/?product=axb`)).status, 200, 'the exact filter matches');

      // In ids: never an integer, so "Not found."; in parameter names and other values: ignored.
      for (const segment of [
        "1' OR '1'='1",
        '1;DROP TABLE items',
        '1--',
        '1 OR 1=1',
        '1/**/',
        "1'",
        '1%',
        '(1)',
        '1)--',
      ]) {
        for (const method of ['GET', 'DELETE', 'PATCH']) {
          const r = await send(method, `/api/items/${percentEncode(segment)}/`, {
            json: method === 'PATCH' ? { price: 0 } : undefined,
          });
          expectDetail(r, 404);
        }
      }
      for (const query of [
        `${percentEncode("product' OR 1=1 --")}=x`,
        `${percentEncode('product;')}=x`,
        `price=${percentEncode("1' OR '1'='1")}`,
        `id=${percentEncode('1;DELETE FROM items')}`,
        `${percentEncode("'")}=${percentEncode("'")}`,
        `product__icontains=${percentEncode('%')}`,
      ]) {
        const r = await send('GET', `/api/items/?${query}`);
        assert.equal(r.status, 200, query);
        assert.deepEqual(JSON.parse(r.body), before, `?${query} is ignored`);
      }
      assert.deepEqual(await publicRows(store), before, 'the table is intact');
      assertNoLeaks();
    });

    test('control characters and forged JSON cannot forge a log line (console and file)', async (t) => {
      const { app, store, consoleLines, config, flushLogs } = await build(t, backend, { LOG_LEVEL: 'info' });
      const { send, assertNoLeaks } = client(app);
      const forged = [
        'a\n{"m":"FORGED"}',
        '","message":"FORGED',
        'a\r\n{"FORGED":1}',
        'a\u2028FORGED\u2029',
        'a\u001b[2KFORGED',
        'a\u0085FORGED',
        'a\u0008\u0008FORGED',
        'a\\n"FORGED',
      ];
      for (const product of forged) {
        const r = await send('POST', '/api/items/', { json: { product, price: 1 } });
        assert.equal(r.status, 201, r.body);
        const { id } = JSON.parse(r.body) as { id: number };
        assert.equal((await send('GET', `/api/items/${id}/?product=${percentEncode(product)}`)).status, 200);
        assert.equal((await send('GET', `/api/items/${percentEncode(product)}/`)).status, 404);
        assert.equal((await send('GET', `/${percentEncode(product)}`)).status, 404);
      }
      // Raw (unencoded) quotes and braces in the path and the query, and forged request ids.
      await send('GET', '/api/items/"},"message":"FORGED"/');
      await send('GET', '/x/"message":"FORGED"?a="},{"FORGED":1');
      await send('GET', '/api/items/', { headers: { 'x-request-id': '","message":"FORGED' } });
      await send('POST', '/api/items/', { body: '{"product":"a\n{\\"FORGED\\"', type: 'application/json' });
      assert.equal((await store.list()).length, forged.length);

      const check = (lines: Array<Record<string, unknown>>, where: string) => {
        assert.ok(lines.length > forged.length * 6, `${where}: lines were written (${lines.length})`);
        for (const line of lines) {
          const text = JSON.stringify(line);
          assert.equal(typeof line.message, 'string', `${where}: ${text}`);
          assert.ok(!('m' in line) && !('FORGED' in line), `${where}: forged key in ${text}`);
          assert.notEqual(line.message, 'FORGED', `${where}: forged message`);
          assert.doesNotMatch(line.message as string, /[\n\r\u2028\u2029]/, `${where}: a line break in ${text}`);
          assert.equal(typeof line.time, 'string', `${where}: ${text}`);
          if ('request_id' in line) assert.match(String(line.request_id), /^[\w.:@/+=-]{1,200}$/, text);
        }
      };
      check(consoleLines(), 'console'); // consoleLines() itself throws on a line that is not JSON
      assert.ok(config.logFile);
      await flushLogs();
      check(logFileLines(config.logFile), 'log file');
      assertNoLeaks();
    });

    test('no stack trace, file name or SQL text in any response, even for a server error', async (t) => {
      const { app, database, consoleLines } = await build(t, backend, { LOG_LEVEL: 'info' });
      const { send, assertNoLeaks, bodies } = client(app);
      await send('POST', '/api/items/', { json: { product: 'ok', price: 1 } });
      const hostile: Array<
        [string, string, { body?: string | Buffer; type?: string; headers?: Record<string, string> }]
      > = [
        ['POST', '/api/items/', { body: '['.repeat(200_000), type: 'application/json' }],
        ['POST', '/api/items/', { body: `${'{"a":'.repeat(50_000)}1${'}'.repeat(50_000)}`, type: 'application/json' }],
        ['POST', '/api/items/', { body: '{"product":"a","price":1e400}', type: 'application/json' }],
        ['POST', '/api/items/', { body: `{"product":"a","price":1${'0'.repeat(5000)}}`, type: 'application/json' }],
        ['POST', '/api/items/', { body: Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), type: 'application/json' }],
        ['POST', '/api/items/', { body: '{"product":', type: 'application/json' }],
        ['POST', '/api/items/', { body: '--x\r\nbroken', type: 'multipart/form-data; boundary=x' }],
        ['POST', '/api/items/', { body: 'x', type: 'multipart/form-data' }],
        ['POST', '/api/items/', { body: '<xml/>', type: 'application/xml' }],
        ['POST', '/api/items/', { body: '{}', type: 'application/json; charset=nonsense' }],
        ['GET', '/api/items/99999999999999999999999999999/', {}],
        ['GET', '/api/items/?product=%00', {}],
        ['GET', '/api/items/?format=xml', {}],
        ['GET', '/api/items/', { headers: { accept: 'application/xml' } }],
        ['PATCH', '/api/items/1/', { body: '{"price":"9'.padEnd(2000, '9'), type: 'application/json' }],
        ['GET', '/api/items/1/', { headers: { 'if-none-match': '"'.repeat(5000) } }],
        ['PUT', '/api/items/1/', { body: '{}', type: 'application/json', headers: { 'if-match': ',,,' } }],
        ['POST', '/api/items/', { body: '{}', type: 'application/json', headers: { 'idempotency-key': '\u00ff' } }],
      ];
      for (const [method, url, options] of hostile) {
        const r = await send(method, url, options);
        assert.ok(r.status < 500, `${method} ${url}: ${r.status} ${r.body.slice(0, 200)}`);
      }
      // A real server error: the table is gone. The client learns nothing but "server error".
      await database.db.schema.dropTable('items').execute();
      for (const [method, url, json] of [
        ['GET', '/api/items/', undefined],
        ['GET', '/api/items/1/', undefined],
        ['POST', '/api/items/', { product: 'x', price: 1 }],
      ] as const) {
        const r = await send(method, url, { json, headers: { 'x-request-id': `boom-${method}-${url.length}` } });
        assert.equal(r.status, 500, r.body);
        assert.equal(r.body, '{"detail":"A server error occurred."}');
        const errorLines = consoleLines().filter(
          (l) => l.request_id === `boom-${method}-${url.length}` && l.level === 'error',
        );
        assert.ok(errorLines.length >= 1, 'the 5xx is logged with its request id');
        for (const line of errorLines) assert.ok(!('stack' in line) && !JSON.stringify(line).includes('\\n    at '));
      }
      assert.ok(bodies.length > hostile.length);
      assertNoLeaks();
    });

    test('API_TOKEN: writes need the token as Bearer or Token (401 + WWW-Authenticate otherwise), reads stay open', async (t) => {
      const token = 'Tok3n-with-enough-length_0123456789';
      const { app, store } = await build(t, backend, { LOG_LEVEL: 'silent', API_TOKEN: token });
      const { send, assertNoLeaks } = client(app);
      const [item] = [await store.create({ product: 'guarded', price: 1 })];
      assert.ok(item);
      const before = await publicRows(store);
      const wrong: Array<[string, Record<string, string>]> = [
        ['none', {}],
        ['wrong token', { authorization: 'Bearer wrong-token-of-some-length' }],
        ['token prefix', { authorization: `Bearer ${token.slice(0, -1)}` }],
        ['token plus', { authorization: `Bearer ${token}x` }],
        ['Basic scheme', { authorization: `Basic ${Buffer.from(`user:${token}`).toString('base64')}` }],
        ['token without scheme', { authorization: token }],
        ['empty bearer', { authorization: 'Bearer ' }],
        ['bearer only', { authorization: 'Bearer' }],
        ['wrong Token', { authorization: 'Token wrong-token-of-some-length' }],
        ['other scheme', { authorization: `Digest ${token}` }],
      ];
      const writes: Array<[string, string, unknown]> = [
        ['POST', '/api/items/', { product: 'x', price: 1 }],
        ['POST', '/api/items', { product: 'x', price: 1 }],
        ['PUT', `/api/items/${item.id}/`, { product: 'x', price: 1 }],
        ['PATCH', `/api/items/${item.id}/`, { price: 9 }],
        ['DELETE', `/api/items/${item.id}/`, undefined],
      ];
      for (const [what, headers] of wrong) {
        for (const [method, url, json] of writes) {
          const r = await send(method, url, { json, headers });
          expectDetail(r, 401);
          assert.equal(r.headers['www-authenticate'], 'Bearer realm="pricebook"', `${what} ${method}`);
        }
      }
      assert.deepEqual(await publicRows(store), before, 'nothing stored, changed or deleted');
      for (const [method, url] of [
        ['GET', '/api/items/'],
        ['GET', `/api/items/${item.id}/`],
        ['HEAD', '/api/items/'],
        ['OPTIONS', '/api/items/'],
        ['GET', '/api/'],
        ['GET', '/healthz'],
      ] as const) {
        assert.equal((await send(method, url)).status, 200, `${method} ${url} is open`);
      }
      const ok = await send('POST', '/api/items/', {
        json: { product: 'allowed', price: 2 },
        headers: { authorization: `Bearer ${token}` },
      });
      assert.equal(ok.status, 201, ok.body);
      const lower = await send('PATCH', `/api/items/${item.id}/`, {
        json: { price: 3 },
        headers: { authorization: `bearer ${token}` },
      });
      assert.equal(lower.status, 200, 'the scheme is case-insensitive');
      const drf = await send('PATCH', `/api/items/${item.id}/`, {
        json: { price: 3 },
        headers: { authorization: `Token ${token}` },
      });
      assert.equal(drf.status, 200, "DRF's TokenAuthentication scheme, as DRF clients send it");
      assert.deepEqual(await publicRows(store), [
        { id: item.id, product: 'guarded', price: 3 },
        { id: JSON.parse(ok.body).id, product: 'allowed', price: 2 },
      ]);
      const del = await send('DELETE', `/api/items/${item.id}/`, { headers: { authorization: `Bearer ${token}` } });
      assert.equal(del.status, 204);
      assert.equal((await store.list()).length, 1);
      assertNoLeaks();
    });

    test('RATE_LIMIT=5: the 6th request in a minute is 429 with Retry-After; /healthz is exempt', async (t) => {
      const { app, store } = await build(t, backend, { LOG_LEVEL: 'silent', RATE_LIMIT: '5' });
      const { send, assertNoLeaks } = client(app);
      for (let i = 0; i < 10; i++) assert.equal((await send('GET', '/healthz')).status, 200);
      for (let i = 0; i < 5; i++) {
        const r = await send('POST', '/api/items/', { json: { product: `r${i}`, price: i } });
        assert.equal(r.status, 201, `request ${i + 1} is allowed`);
      }
      const limited = await send('POST', '/api/items/', { json: { product: 'r5', price: 5 } });
      expectDetail(limited, 429, /throttled/);
      const retryAfter = Number(limited.headers['retry-after']);
      assert.ok(Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= 60, `Retry-After ${retryAfter}`);
      assert.equal((await store.list()).length, 5, 'the throttled write stored nothing');
      expectDetail(await send('GET', '/api/items/'), 429);
      // Another claimed address does not reset the limit (TRUST_PROXY is off).
      expectDetail(await send('GET', '/api/items/', { headers: { 'x-forwarded-for': '203.0.113.9' } }), 429);
      for (const url of ['/healthz', '/healthz?x=1'])
        assert.equal((await send('GET', url)).status, 200, `${url} exempt`);
      // Another client address has its own budget.
      const other = await app.inject({ method: 'GET', url: '/api/items/', remoteAddress: '198.51.100.7' });
      assert.equal(other.statusCode, 200);
      assertNoLeaks();
    });

    test('BODY_LIMIT: a larger body is 413 JSON, also when chunked; the default takes the contract 2.5 MB', async (t) => {
      const { app, store } = await build(t, backend, { LOG_LEVEL: 'silent', BODY_LIMIT: '2048' });
      const { send, assertNoLeaks } = client(app);
      const big = JSON.stringify({ product: 'big', price: 1, pad: 'x'.repeat(3000) });
      expectDetail(await send('POST', '/api/items/', { body: big, type: 'application/json' }), 413);
      const item = await store.create({ product: 'small', price: 1 });
      expectDetail(await send('PUT', `/api/items/${item.id}/`, { body: big, type: 'application/json' }), 413);
      const fits = JSON.stringify({ product: 'fits', price: 1, pad: 'x'.repeat(1900) });
      assert.equal((await send('POST', '/api/items/', { body: fits, type: 'application/json' })).status, 201);
      // Chunked, no Content-Length: the limit holds while the body streams in.
      await app.listen({ port: 0, host: '127.0.0.1' });
      const { port } = app.server.address() as { port: number };
      const chunked = await new Promise<{ status: number; body: string; type: string }>((resolve, reject) => {
        const request = httpRequest(
          {
            host: '127.0.0.1',
            port,
            method: 'POST',
            path: '/api/items/',
            headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked' },
          },
          (response) => {
            let text = '';
            response.on('data', (c) => {
              text += c;
            });
            response.on('end', () =>
              resolve({ status: response.statusCode ?? 0, body: text, type: String(response.headers['content-type']) }),
            );
          },
        );
        request.on('error', reject);
        for (let i = 0; i < 10; i++) request.write('x'.repeat(500));
        request.end();
      });
      assert.equal(chunked.status, 413);
      assert.match(chunked.type, /^application\/json/);
      assert.deepEqual(Object.keys(JSON.parse(chunked.body)), ['detail']);
      assert.deepEqual(
        (await store.list()).map((r) => r.product),
        ['small', 'fits'],
        'nothing stored from the oversized bodies',
      );
      assertNoLeaks();
    });

    test('the default body limit parses the contract 2.5 MB body', async (t) => {
      const { app, store } = await build(t, backend, { LOG_LEVEL: 'silent' });
      const body = JSON.stringify({ product: 'p'.repeat(2_600_000), price: 1 });
      const r = await app.inject({
        method: 'POST',
        url: '/api/items/',
        headers: { 'content-type': 'application/json' },
        payload: body,
      });
      assert.equal(r.statusCode, 400);
      assert.equal(r.body, '{"product":["Ensure this field has no more than 20 characters."]}');
      assert.equal((await store.list()).length, 0);
    });

    test('/metrics, on its own port only: requests by route template and status, latency histogram, pool gauges', async (t) => {
      const { app, store } = await build(t, backend, { LOG_LEVEL: 'silent' });
      const { send } = client(app);
      const item = await store.create({ product: 'm', price: 1 });
      for (let i = 0; i < 3; i++) assert.equal((await send('GET', '/api/items/')).status, 200);
      assert.equal((await send('GET', `/api/items/${item.id}/`)).status, 200);
      assert.equal((await send('GET', '/api/items/424242/')).status, 404);
      assert.equal((await send('POST', '/api/items/', { json: { product: '', price: 1 } })).status, 400);
      for (let i = 0; i < 5; i++) assert.equal((await send('GET', `/random/path-${i}-${'z'.repeat(i)}`)).status, 404);
      expectNotFoundPage(await send('GET', '/metrics'));
      const { port } = await app.listenForMetrics(0, '127.0.0.1');
      assert.equal(
        (await fetch(`http://127.0.0.1:${port}/other`)).status,
        404,
        'the metrics listener serves /metrics only',
      );
      const metrics = await fetch(`http://127.0.0.1:${port}/metrics`);
      assert.equal(metrics.status, 200);
      assert.match(String(metrics.headers.get('content-type')), /^text\/plain/);
      const text = await metrics.text();
      const value = (line: RegExp) => {
        const match = text.split('\n').find((l) => line.test(l));
        return match === undefined ? undefined : Number(match.split(' ').at(-1));
      };
      assert.equal(
        value(/^http_requests_total\{method="GET",route="\/api\/items\/",status="200"\}/),
        3,
        text.slice(0, 2000),
      );
      assert.equal(value(/^http_requests_total\{method="GET",route="\/api\/items\/:id\/",status="200"\}/), 1);
      assert.equal(value(/^http_requests_total\{method="GET",route="\/api\/items\/:id\/",status="404"\}/), 1);
      assert.equal(value(/^http_requests_total\{method="POST",route="\/api\/items\/",status="400"\}/), 1);
      assert.match(text, /^http_request_duration_seconds_bucket\{le="\+Inf",method="GET",route="\/api\/items\/"\} 3$/m);
      assert.match(text, /^http_request_duration_seconds_count\{method="GET",route="\/api\/items\/"\} 3$/m);
      for (const gauge of ['db_pool_connections', 'db_pool_idle_connections', 'db_pool_waiting_requests']) {
        assert.match(text, new RegExp(`^# TYPE ${gauge} gauge$`, 'm'));
        assert.ok(Number.isFinite(value(new RegExp(`^${gauge} `))), `${gauge} has a value`);
      }
      assert.match(text, /^nodejs_eventloop_lag_seconds /m);
      // Paths never become label values (no unbounded cardinality): no raw path, no item id.
      assert.doesNotMatch(text, /random\/path|424242|route="\/api\/items\/\d/);
    });

    test('X-Request-Id: echoed and on every log line of its request; generated when absent or invalid', async (t) => {
      const { app, consoleLines } = await build(t, backend, { LOG_LEVEL: 'info' });
      const { send } = client(app);
      const linesOf = (id: string) => consoleLines().filter((l) => l.request_id === id);
      const given = 'req-42.abc:7@x/y+z=';
      const r = await send('GET', '/api/items/999/', { headers: { 'x-request-id': given } });
      assert.equal(r.status, 404);
      assert.equal(r.headers['x-request-id'], given);
      const messages = linesOf(given).map((l) => l.message);
      assert.deepEqual(messages, [
        '[REQUEST] GET /api/items/999/',
        '[RESPONSE] GET /api/items/999/ - 404',
        'Not Found: /api/items/999/',
      ]);
      const generated = new Set<string>();
      for (const invalid of [undefined, 'has spaces in it', 'x'.repeat(500), '', '"quoted"', 'semi;colon', 'ünïcode']) {
        const headers: Record<string, string> = invalid === undefined ? {} : { 'x-request-id': invalid };
        const answer = await send('POST', '/api/items/', { json: { product: 'id', price: 1 }, headers });
        assert.equal(answer.status, 201);
        const id = String(answer.headers['x-request-id']);
        assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/, `generated for ${invalid}`);
        assert.ok(!generated.has(id), 'unique');
        generated.add(id);
        assert.deepEqual(
          linesOf(id).map((l) => l.message),
          ['[REQUEST] POST /api/items/', '[RESPONSE] POST /api/items/ - 201'],
        );
      }
      const longest = 'a'.repeat(200);
      assert.equal(
        (await send('GET', '/healthz', { headers: { 'x-request-id': longest } })).headers['x-request-id'],
        longest,
      );
      // Every request line carries an id.
      for (const line of consoleLines()) {
        if (String(line.message).startsWith('[')) assert.ok(line.request_id, JSON.stringify(line));
      }
    });
  });
}
