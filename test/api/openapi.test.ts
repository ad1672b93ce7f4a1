import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { describe, test } from 'node:test';
import { Validator } from '@seriousme/openapi-schema-validator';
import spectralCore from '@stoplight/spectral-core';
import { oas } from '@stoplight/spectral-rulesets';
import { Ajv2020 } from 'ajv/dist/2020.js';
import openapiTS from 'openapi-typescript';
import { createPricebookClient, type PricebookClient } from '../../client/index.js';
import { completeDocument } from '../../src/items/docs.js';
import { ITEM_FIELDS } from '../../src/items/fields.js';
import { itemSchemas } from '../../src/items/schema.js';
import { backends } from '../helpers/backends.js';
import { build, call } from '../helpers/build.js';
import { type SendOptions, seed, send } from '../helpers/http.js';
import { assertDocumented, type Exchange, outsideTheApi, ResponseValidator } from '../helpers/openapi.js';

// The OpenAPI document at /api/schema/: valid OpenAPI 3.1, clean under Spectral's spectral:oas
// ruleset, with named schemas, an operationId and a tag on every operation, every answer each
// operation gives with its body and headers, and the request headers the server honours; the
// committed copy in client/ matches it; the check of answers against it (helpers/openapi.ts)
// catches what it should; and the typed client generated from it works against a running server.

type Json = Record<string, unknown>;
type Parameter = { in: string; name: string; required?: boolean; schema?: Json; $ref?: string };
type Response = { description: string; headers?: Record<string, Json>; content?: Record<string, { schema: Json }> };
type Operation = {
  operationId: string;
  tags: string[];
  description: string;
  parameters?: Parameter[];
  requestBody?: { required: boolean; content: Record<string, { schema: Json }> };
  security?: Json[];
  responses: Record<string, Response>;
};
type Document = {
  openapi: string;
  info: Json;
  tags: Array<{ name: string }>;
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, Json>; headers: Record<string, Json>; parameters: Record<string, Parameter> };
};

const REGENERATE = 'run `npm run client:generate` and commit client/openapi.json and client/schema.d.ts';

async function served(t: Parameters<typeof build>[0]): Promise<Document> {
  const { app } = await build(t, 'sqlite');
  // The document itself is not one of the API's operations.
  const response = await outsideTheApi(() => call(app, 'GET', '/api/schema/'));
  assert.equal(response.status, 200);
  assert.match(String(response.headers['content-type']), /^application\/json/);
  const document = response.json();
  // The answers in the tests are checked against app.swagger(): it is what /api/schema/ serves.
  assert.deepEqual(JSON.parse(JSON.stringify(app.swagger())), document);
  return document;
}

/** Follows a `$ref` in the document. */
function resolve<T>(document: Document, value: T | { $ref: string }): T {
  const ref = (value as { $ref?: string }).$ref;
  if (!ref) return value as T;
  const found = ref
    .slice(2)
    .split('/')
    .reduce<unknown>((node, token) => (node as Json)[token.replaceAll('~1', '/')], document);
  return resolve(document, found as T);
}

/**
 * Every operation with its name, tag, request headers and answers, written out from the code
 * (src/http/*.ts, src/items/routes.ts, src/health.ts) independently of src/items/docs.ts.
 */
const OPERATIONS: Record<string, Record<string, { id: string; tag: string; headers: string[]; answers: number[] }>> = {
  '/api': {
    get: { id: 'getApiRoot', tag: 'root', headers: [], answers: [200, 404, 406, 429] },
    options: { id: 'describeApiRoot', tag: 'root', headers: [], answers: [200, 404, 406, 413, 429] },
  },
  '/api/items': {
    get: { id: 'listItems', tag: 'items', headers: ['If-None-Match'], answers: [200, 304, 400, 404, 406, 429, 503] },
    post: {
      id: 'createItem',
      tag: 'items',
      headers: ['Idempotency-Key'],
      answers: [201, 400, 401, 404, 406, 413, 415, 422, 429, 503],
    },
    options: { id: 'describeItemList', tag: 'items', headers: [], answers: [200, 404, 406, 413, 429] },
  },
  '/api/items/{id}': {
    get: { id: 'getItem', tag: 'items', headers: ['If-None-Match'], answers: [200, 304, 400, 404, 406, 429, 503] },
    put: {
      id: 'replaceItem',
      tag: 'items',
      headers: ['If-Match'],
      answers: [200, 400, 401, 404, 406, 412, 413, 415, 429, 503],
    },
    patch: {
      id: 'updateItem',
      tag: 'items',
      headers: ['If-Match'],
      answers: [200, 400, 401, 404, 406, 412, 413, 415, 429, 503],
    },
    delete: {
      id: 'deleteItem',
      tag: 'items',
      headers: ['If-Match'],
      answers: [204, 400, 401, 404, 406, 412, 413, 429, 503],
    },
    options: { id: 'describeItem', tag: 'items', headers: [], answers: [200, 400, 404, 406, 413, 429, 503] },
  },
  '/api/items/bulk': {
    post: {
      id: 'bulkWrite',
      tag: 'items',
      headers: ['Idempotency-Key'],
      answers: [200, 400, 401, 404, 406, 412, 413, 415, 422, 429, 503],
    },
    options: { id: 'describeBulkWrite', tag: 'items', headers: [], answers: [200, 404, 406, 413, 429] },
  },
  '/api/items/import': {
    post: {
      id: 'importItems',
      tag: 'items',
      headers: ['Idempotency-Key'],
      answers: [200, 400, 401, 404, 406, 413, 415, 422, 429, 503],
    },
    options: { id: 'describeImport', tag: 'items', headers: [], answers: [200, 404, 406, 413, 429] },
  },
  '/api/items/{id}/history': {
    get: { id: 'getItemHistory', tag: 'history', headers: [], answers: [200, 400, 404, 406, 429, 503] },
  },
  '/api/items/{id}/lowest-price': {
    get: { id: 'getLowestPrice', tag: 'history', headers: [], answers: [200, 400, 404, 406, 429, 503] },
  },
  '/api/events': {
    get: { id: 'streamEvents', tag: 'history', headers: ['last-event-id'], answers: [200, 400, 406, 429, 503] },
  },
  '/healthz': { get: { id: 'checkLiveness', tag: 'health', headers: [], answers: [200] } },
  '/readyz': { get: { id: 'checkReadiness', tag: 'health', headers: [], answers: [200, 503] } },
};

const SCHEMAS = itemSchemas(ITEM_FIELDS);

const LIST_PARAMETERS = [
  'product',
  'search',
  'price_min',
  'price_max',
  'ordering',
  'limit',
  'offset',
  'page_size',
  'page',
  'format',
];
const ITEM_PARAMETERS = ['product', 'search', 'price_min', 'price_max', 'format'];
const BODY_TYPES = ['application/json', 'application/x-www-form-urlencoded', 'multipart/form-data'];

describe('OpenAPI document', () => {
  test('/api/schema/ is a valid OpenAPI 3.1 document', async (t) => {
    const document = await served(t);
    const validator = new Validator();
    const result = await validator.validate(document as unknown as Record<string, unknown>);
    assert.deepEqual(result.errors, undefined);
    assert.equal(result.valid, true);
    assert.equal(validator.version, '3.1');
    assert.equal(document.openapi, '3.1.0');
  });

  test("Spectral's spectral:oas ruleset finds no error and no warning", async (t) => {
    const document = await served(t);
    const spectral = new spectralCore.Spectral();
    // What `extends: spectral:oas` means in a ruleset file: the recommended rules of the OAS ruleset.
    spectral.setRuleset({ extends: [[oas as never, 'recommended']] });
    const results = await spectral.run(JSON.stringify(document, null, 2));
    const findings = results.map((r) => `${r.code} at ${r.path.join('.')}: ${r.message}`);
    assert.deepEqual(findings, []);
    // The ruleset does look at this document: a document without descriptions is flagged.
    const bare = structuredClone(document);
    delete (bare.paths['/api/items']?.get ?? ({} as Partial<Operation>)).description;
    const flagged = await spectral.run(JSON.stringify(bare));
    assert.deepEqual(
      flagged.map((r) => `${r.code} ${r.path.join('.')}`),
      ['operation-description paths./api/items.get'],
    );
  });

  test('every operation has its operationId, tag, request headers and every answer it gives', async (t) => {
    const document = await served(t);
    assert.deepEqual(Object.keys(document.paths).sort(), Object.keys(OPERATIONS).sort());
    const tags = new Set(document.tags.map((tag) => tag.name));
    for (const [path, methods] of Object.entries(OPERATIONS)) {
      const item = document.paths[path] ?? {};
      assert.deepEqual(Object.keys(item).sort(), Object.keys(methods).sort(), `methods of ${path}`);
      for (const [method, expected] of Object.entries(methods)) {
        const operation = item[method] as Operation;
        const where = `${method.toUpperCase()} ${path}`;
        assert.equal(operation.operationId, expected.id, where);
        assert.deepEqual(operation.tags, [expected.tag], where);
        assert.ok(tags.has(expected.tag), `${where}: tag ${expected.tag} is declared`);
        assert.ok(operation.description, `${where} has a description`);
        assert.deepEqual(Object.keys(operation.responses).map(Number), expected.answers, `${where} answers`);
        const headers = (operation.parameters ?? [])
          .map((parameter) => resolve<Parameter>(document, parameter))
          .filter((parameter) => parameter.in === 'header')
          .map((parameter) => parameter.name);
        assert.deepEqual(headers.sort(), [...expected.headers, 'X-Request-Id'].sort(), `${where} request headers`);
        const writes = ['post', 'put', 'patch', 'delete'].includes(method) && path.startsWith('/api');
        assert.deepEqual(
          operation.security,
          writes ? [{}, { apiToken: [] }, { drfToken: [] }] : undefined,
          `${where} security`,
        );
      }
    }
  });

  test('every answer documents its headers: X-Request-Id, Allow, ETag, Retry-After, WWW-Authenticate, …', async (t) => {
    const document = await served(t);
    const headersOf = (path: string, method: string, status: number) => {
      const response = resolve<Response>(document, document.paths[path]?.[method]?.responses[status] as Response);
      return Object.fromEntries(
        Object.entries(response.headers ?? {}).map(([name, header]) => [name, resolve<Json>(document, header)]),
      );
    };
    const required = (path: string, method: string, status: number) =>
      Object.entries(headersOf(path, method, status))
        .filter(([, header]) => header.required === true)
        .map(([name]) => name)
        .sort();
    assert.deepEqual(required('/api/items/{id}', 'get', 200), ['Allow', 'ETag', 'X-Request-Id']);
    assert.deepEqual(required('/api/items/{id}', 'get', 304), ['Allow', 'ETag', 'X-Request-Id']);
    assert.deepEqual(required('/api/items', 'post', 201), ['Allow', 'ETag', 'X-Request-Id']);
    assert.equal(headersOf('/api/items', 'post', 201)['Idempotent-Replayed']?.required, false);
    assert.equal(headersOf('/api/items', 'get', 200).ETag?.required, false, 'a streamed list has no ETag');
    assert.deepEqual(required('/api/items', 'post', 401), ['Allow', 'WWW-Authenticate', 'X-Request-Id']);
    assert.deepEqual(required('/api/items/{id}', 'delete', 429), ['Allow', 'Retry-After', 'X-Request-Id']);
    assert.deepEqual(required('/api/items/{id}', 'delete', 503), ['Allow', 'Retry-After', 'X-Request-Id']);
    assert.deepEqual(required('/readyz', 'get', 503), ['X-Request-Id']);
    assert.equal(headersOf('/readyz', 'get', 503)['Retry-After']?.required, false);
    assert.deepEqual(required('/healthz', 'get', 200), ['X-Request-Id']);
    assert.deepEqual(headersOf('/api', 'get', 200).Allow?.schema, { type: 'string', const: 'GET, HEAD, OPTIONS' });
    for (const name of ['X-RateLimit-Limit', 'X-RateLimit-Remaining', 'X-RateLimit-Reset']) {
      assert.equal(headersOf('/api/items', 'get', 200)[name]?.required, false, name);
    }
  });

  test('named schemas are referenced, not copied; bodies carry the limits the server enforces', async (t) => {
    const document = await served(t);
    const { schemas } = document.components;
    for (const name of ['Item', 'ItemInput', 'ItemPatch', 'ItemPage', 'FieldErrors', 'FilterErrors', 'Detail']) {
      assert.ok(schemas[name], `components.schemas.${name}`);
    }
    // No operation inlines an object schema: every body is a $ref (or a choice of $refs).
    const paths = JSON.stringify(document.paths);
    assert.doesNotMatch(paths, /"properties"/);
    const schemaOf = (path: string, method: string, status: string) =>
      document.paths[path]?.[method]?.responses[status]?.content?.['application/json']?.schema;
    assert.deepEqual(schemaOf('/api/items/{id}', 'get', '200'), { $ref: '#/components/schemas/Item' });
    assert.deepEqual(schemaOf('/api/items', 'get', '200'), {
      oneOf: [
        { type: 'array', items: { $ref: '#/components/schemas/Item' } },
        { $ref: '#/components/schemas/ItemPage' },
      ],
    });
    assert.deepEqual((schemas.ItemPage?.properties as Json | undefined)?.results, {
      type: 'array',
      items: { $ref: '#/components/schemas/Item' },
    });

    for (const [path, method, body] of [
      ['/api/items', 'post', 'ItemInput'],
      ['/api/items/{id}', 'put', 'ItemInput'],
      ['/api/items/{id}', 'patch', 'ItemPatch'],
    ] as const) {
      const requestBody = document.paths[path]?.[method]?.requestBody;
      assert.equal(requestBody?.required, true);
      assert.deepEqual(Object.keys(requestBody?.content ?? {}), BODY_TYPES);
      for (const type of BODY_TYPES) {
        assert.deepEqual(requestBody?.content[type]?.schema, { $ref: `#/components/schemas/${body}` });
      }
    }
    const ajv = new Ajv2020({ strict: false });
    const input = ajv.compile(schemas.ItemInput as Json);
    const patch = ajv.compile(schemas.ItemPatch as Json);
    assert.equal(input({ product: 'Apple', price: 0 }), true);
    assert.equal(input({ product: '12345678901234567890', price: 2147483647 }), true);
    for (const wrong of [
      { product: 'Apple' },
      { product: '', price: 1 },
      { product: '   ', price: 1 },
      { product: '123456789012345678901', price: 1 },
      { product: 123, price: 1 },
      { product: 'Apple', price: -1 },
      { product: 'Apple', price: 2147483648 },
      { product: 'Apple', price: 1.5 },
      { product: 'Apple', price: '100' },
      { product: 'Apple', price: 1, prize: 1 },
    ]) {
      assert.equal(input(wrong), false, JSON.stringify(wrong));
    }
    assert.equal(patch({}), true);
    assert.equal(patch({ price: 5 }), true);
    assert.equal(patch({ prize: 5 }), false);
    assert.match(String(schemas.ItemInput?.description), /ignored by the server/);
  });

  test('parameters are described as the server reads them', async (t) => {
    const document = await served(t);
    const parameters = (path: string, method: string) =>
      Object.fromEntries(
        (document.paths[path]?.[method]?.parameters ?? [])
          .map((parameter) => resolve<Parameter>(document, parameter))
          .filter((parameter) => parameter.in !== 'header')
          .map((parameter) => [parameter.name, parameter]),
      );
    const list = parameters('/api/items', 'get');
    assert.deepEqual(Object.keys(list).sort(), [...LIST_PARAMETERS].sort());
    for (const method of ['get', 'put', 'patch', 'delete', 'options']) {
      const item = parameters('/api/items/{id}', method);
      assert.deepEqual(Object.keys(item).sort(), ['id', ...ITEM_PARAMETERS].sort(), method);
      assert.deepEqual(item.id?.schema, { type: 'integer', minimum: 1 });
      assert.equal(item.id?.required, true);
    }
    // Every /api URL reads ?format= (DRF's override; another value is a 404).
    for (const [path, method] of [
      ['/api', 'get'],
      ['/api', 'options'],
      ['/api/items', 'post'],
      ['/api/items', 'options'],
      ['/api/items/bulk', 'options'],
      ['/api/items/import', 'options'],
    ]) {
      assert.deepEqual(Object.keys(parameters(path as string, method as string)), ['format'], `${method} ${path}`);
    }
    // limit, offset and page_size take any value (DRF ignores a bad one): no tool may expect a 400 for them.
    const ajv = new Ajv2020({ strict: false });
    for (const name of ['limit', 'offset', 'page_size']) {
      const accepts = ajv.compile(list[name]?.schema as Json);
      // (On the wire every value is text; a number is what a typed client passes.)
      for (const value of [5, '0', 'abc', '-1', '']) assert.equal(accepts(value), true, `${name}=${value}`);
    }
    // A page is a whole number or `last` (anything else is the 404 "Invalid page.").
    const page = ajv.compile(list.page?.schema as Json);
    for (const [value, ok] of [
      [2, true],
      ['last', true],
      [0, false],
      ['abc', false],
    ] as const) {
      assert.equal(page(value), ok, `page=${value}`);
    }
    // A bad price bound is a 400: the schema says integer.
    const priceMin = ajv.compile(list.price_min?.schema as Json);
    assert.equal(priceMin(100), true);
    assert.equal(priceMin('cheap'), false);
  });

  test('a route without documentation, or documentation without its route, stops the document', () => {
    const generated = (paths: Record<string, Record<string, Json>>) => ({ openapi: '3.1.0', paths });
    assert.throws(
      () => completeDocument(generated({ '/api/things/': { get: { responses: {} } } }), SCHEMAS),
      /GET \/api\/things has a route but no entry in OPERATIONS/,
    );
    assert.throws(
      () => completeDocument(generated({ '/api/items/': { post: { responses: { 200: {} } } } }), SCHEMAS),
      /POST \/api\/items declares undocumented 200/,
    );
    assert.throws(
      () => completeDocument(generated({}), SCHEMAS),
      /no route for GET \/api, OPTIONS \/api, GET \/api\/items/,
    );
  });

  test('the committed client/openapi.json and client/schema.d.ts match the served document', async (t) => {
    const document = await served(t);
    const committed = JSON.parse(readFileSync(new URL('../../client/openapi.json', import.meta.url), 'utf8'));
    assert.deepEqual(committed, document, `client/openapi.json differs from the served /api/schema/: ${REGENERATE}`);
    // biome-ignore lint/suspicious/noExplicitAny: openapi-typescript's own input model
    const types = await openapiTS(committed as any, { exportType: true });
    const written = readFileSync(new URL('../../client/schema.d.ts', import.meta.url), 'utf8');
    assert.ok(types === written, `client/schema.d.ts is not generated from client/openapi.json: ${REGENERATE}`);
  });
});

describe('answers are checked against the document (test/helpers/openapi.ts)', () => {
  const item = (overrides: Partial<Exchange> = {}): Exchange => ({
    method: 'GET',
    url: '/api/items/1/',
    status: 200,
    headers: {
      'content-type': 'application/json; charset=utf-8',
      'x-request-id': 'req-1',
      allow: 'GET, PUT, PATCH, DELETE, HEAD, OPTIONS',
      etag: '"1-1"',
    },
    body: '{"id":1,"product":"Apple","price":100}',
    ...overrides,
  });

  test('a right answer passes; a wrong body, status, header or path fails, saying why', async (t) => {
    const validator = new ResponseValidator((await served(t)) as unknown as Json);
    assert.deepEqual(validator.problems(item()), []);
    assert.deepEqual(validator.problems(item({ url: '/api/items/1' })), [], 'no trailing slash');
    assert.deepEqual(validator.problems(item({ method: 'HEAD', body: '' })), [], 'HEAD as GET');
    const { headers } = item();
    const cases: Array<[string, Exchange, RegExp]> = [
      ['price as a string', item({ body: '{"id":1,"product":"Apple","price":"100"}' }), /body .* must be integer/],
      ['a field too many', item({ body: '{"id":1,"product":"A","price":1,"x":1}' }), /additional properties/],
      ['not JSON', item({ body: '<h1>' }), /not JSON/],
      ['another media type', item({ headers: { ...headers, 'content-type': 'text/html' } }), /text\/html/],
      ['no ETag', item({ headers: { ...headers, etag: undefined } }), /required header ETag is missing/],
      ['no X-Request-Id', item({ headers: { ...headers, 'x-request-id': undefined } }), /X-Request-Id is missing/],
      ['a wrong Allow', item({ headers: { ...headers, allow: 'GET' } }), /header Allow/],
      ['a weak ETag', item({ headers: { ...headers, etag: 'W/"1-1"' } }), /header ETag/],
      [
        'an undocumented header of the API',
        item({ headers: { ...headers, 'idempotent-replayed': 'true' } }),
        /idempotent-replayed is sent but not documented/,
      ],
      ['an undocumented status', item({ status: 201 }), /201 is not a documented answer/],
      ['a 500', item({ status: 500, body: '{"detail":"A server error occurred."}' }), /500 is not a documented/],
      ['an unknown path', item({ url: '/api/things/' }), /no documented path matches/],
      ['/healthz with a slash', item({ url: '/healthz/', status: 404 }), /no documented path matches/],
      ['HEAD with a body', item({ method: 'HEAD' }), /HEAD answered a body/],
      ['a 204 with a body', item({ method: 'DELETE', status: 204 }), /a body where none is documented/],
      [
        'a 405 without its Allow',
        item({ method: 'POST', status: 405, headers: { ...headers, allow: undefined }, body: '{"detail":"x"}' }),
        /required header Allow is missing/,
      ],
      ['a 405 with another body', item({ method: 'POST', status: 405, body: '{"error":"x"}' }), /405 body|body/],
      ['an undocumented method answering 200', item({ method: 'POST' }), /POST is not documented/],
    ];
    for (const [name, exchange, expected] of cases) {
      const problems = validator.problems(exchange);
      assert.ok(
        problems.some((problem) => expected.test(problem)),
        `${name}: ${JSON.stringify(problems)}`,
      );
    }
  });

  test('the helpers fail a test on an answer outside the document, unless marked as outside the API', async (t) => {
    const { app } = await build(t, 'sqlite');
    await assert.rejects(send(app, 'GET', '/nowhere'), {
      name: 'AssertionError',
      message: /GET \/nowhere → 404 contradicts the OpenAPI document/,
    });
    assert.equal((await outsideTheApi(() => send(app, 'GET', '/nowhere'))).status, 404);
    assert.equal((await send(app, 'GET', '/api/items/')).status, 200);
    assert.equal((await send(app, 'PUT', '/api/items/')).status, 405);
  });
});

describe('every answer the document lists is one the server gives', () => {
  test('each documented status of each operation, produced through the checked helpers', async (t) => {
    const document = await served(t);
    const TOKEN = 'a-token-of-sixteen-or-more';
    const { app, store } = await build(t, 'sqlite', { API_TOKEN: TOKEN, BODY_LIMIT: '1024' });
    const throttled = (await build(t, 'sqlite', { RATE_LIMIT: '1' })).app;
    const [apple] = await seed(store, { product: 'Apple', price: 100 });
    const item = `/api/items/${apple?.id}/`;
    const auth = { authorization: `Bearer ${TOKEN}` };
    const json = (value: unknown, headers: Record<string, string> = {}) => ({
      body: JSON.stringify(value),
      type: 'application/json',
      headers: { ...auth, ...headers },
    });
    const big = { body: JSON.stringify({ padding: 'x'.repeat(2000) }), type: 'application/json', headers: auth };
    const seen = new Set<string>();
    const documentedPath = (url: string) => {
      const path = (url.split('?')[0] as string).replace(/\/$/, '') || '/';
      if (/^\/api\/items\/(bulk|import)$/.test(path)) return path;
      return path.replace(/^\/api\/items\/[^/]+(\/history|\/lowest-price)?$/, '/api/items/{id}$1');
    };
    const answer = async (target: typeof app, method: string, url: string, options: SendOptions = {}) => {
      const res = await send(target, method, url, options); // checked against the document
      seen.add(`${method} ${documentedPath(url)} ${res.status}`);
      return res;
    };
    const etagOf = async (url: string) => String((await answer(app, 'GET', url)).headers.etag);

    for (const [method, url] of [
      ['GET', '/api/'],
      ['OPTIONS', '/api/'],
      ['GET', '/api/items/'],
      ['OPTIONS', '/api/items/'],
      ['GET', item],
      ['OPTIONS', item],
    ]) {
      await answer(app, method as string, url as string);
      await answer(app, method as string, `${url}?format=xml`);
      await answer(app, method as string, url as string, { headers: { accept: 'application/xml' } });
      if (method === 'OPTIONS') await answer(app, method, url as string, big);
    }
    await answer(app, 'GET', '/api/items/', { headers: { 'if-none-match': await etagOf('/api/items/') } });
    await answer(app, 'GET', item, { headers: { 'if-none-match': await etagOf(item) } });
    for (const url of ['/api/items/?price_min=x', `${item}?price_min=x`]) {
      for (const method of ['GET', 'OPTIONS', 'DELETE', 'PUT', 'PATCH']) {
        if (method === 'GET' || !url.startsWith('/api/items/?')) await answer(app, method, url, { headers: auth });
      }
    }
    await answer(app, 'GET', '/api/items/?limit=1');
    await answer(app, 'GET', '/api/items/abc/');

    await answer(app, 'POST', '/api/items/', json({ product: 'Pear', price: 1 }, { 'idempotency-key': 'k1' }));
    await answer(app, 'POST', '/api/items/', json({ product: 'Pear', price: 1 }, { 'idempotency-key': 'k1' }));
    await answer(app, 'POST', '/api/items/', json({ product: 'Plum', price: 1 }, { 'idempotency-key': 'k1' }));
    for (const [method, url] of [
      ['POST', '/api/items/'],
      ['PUT', item],
      ['PATCH', item],
      ['DELETE', item],
    ] as const) {
      await answer(app, method, url, { ...json({}), headers: {} }); // no token: 401
      await answer(app, method, `${url}?format=xml`, json({}));
      await answer(app, method, url, { ...json({}), headers: { ...auth, accept: 'application/xml' } });
      await answer(app, method, url, big);
      if (method !== 'DELETE') {
        await answer(app, method, url, json({ product: '' }));
        await answer(app, method, url, { body: 'x', type: 'text/plain', headers: auth });
      }
      if (method !== 'POST')
        await answer(app, method, url, json({ product: 'Quince', price: 2 }, { 'if-match': '"0-0"' }));
    }
    // Bulk writes and the CSV import.
    const csv = (text: string, headers: Record<string, string> = {}) => ({
      body: text,
      type: 'text/csv',
      headers: { ...auth, ...headers },
    });
    for (const url of ['/api/items/bulk/', '/api/items/import/']) {
      await answer(app, 'OPTIONS', url);
      await answer(app, 'OPTIONS', `${url}?format=xml`);
      await answer(app, 'OPTIONS', url, { headers: { accept: 'application/xml' } });
      await answer(app, 'OPTIONS', url, big);
      await answer(app, 'POST', url, { ...json([]), headers: {} }); // no token: 401
      await answer(app, 'POST', `${url}?format=xml`, json([]));
      await answer(app, 'POST', url, { ...json([]), headers: { ...auth, accept: 'application/xml' } });
      await answer(app, 'POST', url, big);
      await answer(app, 'POST', url, { body: 'x', type: 'text/plain', headers: auth });
      await answer(app, 'POST', `${url}?dry_run=maybe`, json([]));
    }
    const create = [{ op: 'create', product: 'Fig', price: 1 }];
    await answer(app, 'POST', '/api/items/bulk/', json(create, { 'idempotency-key': 'b1' }));
    await answer(app, 'POST', '/api/items/bulk/', json(create, { 'idempotency-key': 'b1' }));
    await answer(app, 'POST', '/api/items/bulk/', json([], { 'idempotency-key': 'b1' }));
    await answer(app, 'POST', '/api/items/bulk/', json([{ op: 'nope' }]));
    await answer(app, 'POST', '/api/items/bulk/', json([{ op: 'delete', id: 999 }]));
    await answer(app, 'POST', '/api/items/bulk/', json([{ op: 'delete', id: apple?.id, if_match: '"0-0"' }]));
    await answer(app, 'POST', '/api/items/bulk/', json(Array.from({ length: 1001 }, () => 0)));
    await answer(app, 'POST', '/api/items/import/', csv('id,product,price\r\n,Kiwi,2\r\n'));
    await answer(
      app,
      'POST',
      '/api/items/import/',
      csv('id,product,price\r\n,Kiwi,2\r\n', { 'idempotency-key': 'b1' }),
    );
    await answer(app, 'POST', '/api/items/import/', csv('id,product,price\r\n,"Kiwi\r\n'));
    await answer(app, 'POST', '/api/items/import/', csv('id,product,price\r\n999,Kiwi,2\r\n'));
    // The history feature (src/history/); the stream's 200 is read over a socket below.
    for (const url of [`${item}history/`, `${item}lowest-price/`]) {
      await answer(app, 'GET', url);
      await answer(app, 'GET', `${url}?since=yesterday&days=0`);
      await answer(app, 'GET', url, { headers: { accept: 'application/xml' } });
      await answer(app, 'GET', url.replace(/\d+/, '999999'));
    }
    await answer(app, 'GET', '/api/events/?after=x');
    await answer(app, 'GET', '/api/events/', { headers: { accept: 'application/json' } });
    await app.listen({ port: 0, host: '127.0.0.1' });
    const stream = await fetch(`http://127.0.0.1:${(app.server.address() as AddressInfo).port}/api/events/`);
    const first = await stream.body?.getReader().read();
    assertDocumented(app, {
      method: 'GET',
      url: '/api/events/',
      status: stream.status,
      headers: Object.fromEntries(stream.headers),
      body: new TextDecoder().decode(first?.value),
    });
    seen.add(`GET /api/events ${stream.status}`);
    await answer(app, 'PUT', item, json({ product: 'Quince', price: 2 }));
    await answer(app, 'PATCH', item, json({ price: 3 }));
    await answer(app, 'DELETE', item, { headers: auth });
    await answer(app, 'GET', item);
    await answer(app, 'GET', '/healthz');
    await answer(app, 'GET', '/readyz');

    // RATE_LIMIT: everything after the first request of the minute is 429.
    await answer(throttled, 'GET', '/api/items/');
    for (const [method, url] of [
      ['GET', '/api/'],
      ['OPTIONS', '/api/'],
      ['GET', '/api/items/'],
      ['POST', '/api/items/'],
      ['OPTIONS', '/api/items/'],
      ['GET', '/api/items/1/'],
      ['PUT', '/api/items/1/'],
      ['PATCH', '/api/items/1/'],
      ['DELETE', '/api/items/1/'],
      ['OPTIONS', '/api/items/1/'],
      ['POST', '/api/items/bulk/'],
      ['OPTIONS', '/api/items/bulk/'],
      ['POST', '/api/items/import/'],
      ['OPTIONS', '/api/items/import/'],
      ['GET', '/api/items/1/history/'],
      ['GET', '/api/items/1/lowest-price/'],
      ['GET', '/api/events/'],
    ]) {
      assert.equal((await answer(throttled, method as string, url as string)).status, 429, `${method} ${url}`);
    }

    // 503 needs a database that fails: test/system/db-faults.test.ts produces those through the same check.
    const documented = Object.entries(document.paths).flatMap(([path, methods]) =>
      Object.entries(methods).flatMap(([method, operation]) =>
        Object.keys(operation.responses).map((status) => `${method.toUpperCase()} ${path} ${status}`),
      ),
    );
    const unseen = documented.filter((answer) => !seen.has(answer) && !answer.endsWith(' 503'));
    assert.deepEqual(unseen, [], 'documented answers no request produced');
    assert.deepEqual(
      [...seen].filter((answer) => !documented.includes(answer)),
      [],
      'answers not documented',
    );
  });
});

describe('typed client (client/) against a running server', () => {
  for (const backend of backends) {
    test(`list, create, get, patch and delete through openapi-fetch (${backend})`, async (t) => {
      const { app } = await build(t, backend);
      await app.listen({ port: 0, host: '127.0.0.1' });
      const { port } = app.server.address() as AddressInfo;
      const api = createPricebookClient(`http://127.0.0.1:${port}/`);

      const created = await api.POST('/api/items', { body: { product: '  Grüner Tee ', price: 350 } });
      assert.equal(created.response.status, 201);
      assert.ok(created.data, 'created');
      const item = created.data;
      assert.deepEqual(item, { id: item.id, product: 'Grüner Tee', price: 350 });
      await api.POST('/api/items', { body: { product: 'Kaffee', price: 500 } });

      const listed = await api.GET('/api/items', { params: { query: { search: 'TEE', ordering: '-price' } } });
      assert.deepEqual(listed.data, [item]);
      const all = await api.GET('/api/items', { params: { query: { price_min: 400 } } });
      assert.ok(Array.isArray(all.data), 'without limit the list is a bare array');
      assert.deepEqual(
        all.data.map((i) => i.product),
        ['Kaffee'],
      );
      const page = await api.GET('/api/items', { params: { query: { limit: 1, offset: 1 } } });
      assert.ok(page.data && !Array.isArray(page.data), 'with limit the list is a page');
      assert.deepEqual(
        page.data.results.map((i) => i.product),
        ['Kaffee'],
      );
      assert.equal(page.data.count, 2);

      // The id the API answered is the path parameter, as it is (a number).
      const got = await api.GET('/api/items/{id}', { params: { path: { id: item.id } } });
      assert.deepEqual(got.data, item);
      const etag = got.response.headers.get('etag');
      assert.ok(etag, 'the item has an ETag');

      const patched = await api.PATCH('/api/items/{id}', {
        params: { path: { id: item.id }, header: { 'If-Match': etag } },
        body: { price: 375 },
      });
      assert.equal(patched.response.status, 200);
      assert.deepEqual(patched.data, { ...item, price: 375 });

      // The old ETag is stale now: 412 with {"detail"}, typed as an error answer.
      const stale = await api.PATCH('/api/items/{id}', {
        params: { path: { id: item.id }, header: { 'If-Match': etag } },
        body: { product: 'Schwarzer Tee' },
      });
      assert.equal(stale.response.status, 412);
      assert.deepEqual(stale.error, {
        detail: 'The item has changed since it was read: its ETag no longer matches If-Match.',
      });

      const invalid = await api.POST('/api/items', { body: { product: 'x', price: -1 } });
      assert.equal(invalid.response.status, 400);
      assert.deepEqual(invalid.error, { price: ['Ensure this value is greater than or equal to 0.'] });

      const deleted = await api.DELETE('/api/items/{id}', { params: { path: { id: item.id } } });
      assert.equal(deleted.response.status, 204);
      const gone = await api.GET('/api/items/{id}', { params: { path: { id: item.id } } });
      assert.equal(gone.response.status, 404);
      assert.deepEqual(gone.error, { detail: 'No Item matches the given query.' });
      const rest = (await api.GET('/api/items')).data;
      assert.ok(Array.isArray(rest));
      assert.deepEqual(
        rest.map((i) => i.product),
        ['Kaffee'],
      );
      assert.equal((await api.GET('/readyz')).data?.status, 'ready');
    });
  }
});

/** Never called: compile-time checks that the client rejects what the API does not take. */
export function typeChecks(api: PricebookClient) {
  // @ts-expect-error: no such path
  void api.GET('/api/things');
  // @ts-expect-error: a new item needs a price
  void api.POST('/api/items', { body: { product: 'x' } });
  // @ts-expect-error: the item path needs its id
  void api.GET('/api/items/{id}', {});
  // @ts-expect-error: the id is a number
  void api.GET('/api/items/{id}', { params: { path: { id: '1' } } });
  // @ts-expect-error: price_min is a number
  void api.GET('/api/items', { params: { query: { price_min: 'cheap' } } });
  // @ts-expect-error: no PUT on the collection
  void api.PUT('/api/items', { body: { product: 'x', price: 1 } });
  // @ts-expect-error: no such field
  void api.POST('/api/items', { body: { product: 'x', price: 1, prize: 1 } });
  // @ts-expect-error: the product is a string
  void api.PATCH('/api/items/{id}', { params: { path: { id: 1 } }, body: { product: 123 } });
}
