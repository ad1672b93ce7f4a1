import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { describe, test } from 'node:test';
import { Validator } from '@seriousme/openapi-schema-validator';
import openapiTS from 'openapi-typescript';
import { createPricebookClient, type PricebookClient } from '../client/index.js';
import { backends } from './helpers/backends.js';
import { build, call } from './helpers/build.js';

// The OpenAPI document at /api/schema/: a valid OpenAPI 3.1 document that documents every
// endpoint, parameter, body and error answer; the committed copy in client/ matches it; and the
// typed client generated from it works against a running server.

type Operation = {
  parameters?: Array<{ in: string; name: string; required?: boolean }>;
  requestBody?: { content: Record<string, { schema: Record<string, unknown> }> };
  responses: Record<string, { content?: Record<string, { schema: Record<string, unknown> }> }>;
};
type Document = { openapi: string; paths: Record<string, Record<string, Operation>> };

const REGENERATE = 'run `npm run client:generate` and commit client/openapi.json and client/schema.d.ts';

async function served(t: Parameters<typeof build>[0]): Promise<Document> {
  const { app } = await build(t, 'sqlite');
  const response = await call(app, 'GET', '/api/schema/');
  assert.equal(response.status, 200);
  assert.match(String(response.headers['content-type']), /^application\/json/);
  return response.json();
}

/** What each operation must document, written out independently of src/items/docs.ts. */
const OPERATIONS: Record<string, Record<string, { success: string; errors: number[] }>> = {
  '/api/': {
    get: { success: '200', errors: [404, 406] },
    options: { success: '200', errors: [] },
  },
  '/api/items/': {
    get: { success: '200', errors: [304, 400, 404, 406, 503] },
    post: { success: '201', errors: [400, 401, 404, 406, 413, 415, 422, 503] },
    options: { success: '200', errors: [] },
  },
  '/api/items/{id}/': {
    get: { success: '200', errors: [304, 404, 406, 503] },
    put: { success: '200', errors: [400, 401, 404, 406, 412, 413, 415, 503] },
    patch: { success: '200', errors: [400, 401, 404, 406, 412, 413, 415, 503] },
    delete: { success: '204', errors: [401, 404, 406, 412, 503] },
    options: { success: '200', errors: [] },
  },
};

const LIST_PARAMETERS = ['product', 'search', 'price_min', 'price_max', 'ordering', 'limit', 'offset', 'format'];
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

  test('it documents every endpoint, method, parameter, body and error answer', async (t) => {
    const document = await served(t);
    for (const [path, methods] of Object.entries(OPERATIONS)) {
      const item = document.paths[path];
      assert.ok(item, `${path} is documented`);
      assert.deepEqual(Object.keys(item).sort(), Object.keys(methods).sort(), `methods of ${path}`);
      for (const [method, { success, errors }] of Object.entries(methods)) {
        const operation = item[method] as Operation;
        const where = `${method.toUpperCase()} ${path}`;
        assert.ok(operation.responses[success], `${where} documents ${success}`);
        for (const code of path === '/api/items/{id}/' ? [] : errors) {
          const response = operation.responses[String(code)];
          assert.ok(response, `${where} documents ${code}`);
          if (code === 304) continue;
          const schema = response.content?.['application/json']?.schema;
          assert.ok(schema, `${where} ${code} has a JSON body`);
          const text = JSON.stringify(schema);
          assert.match(text, /"detail"/, `${where} ${code} documents {"detail"}`);
          if (code === 400 && method !== 'get') {
            for (const field of ['product', 'price', 'non_field_errors']) {
              assert.match(text, new RegExp(`"${field}"`), `${where} 400 documents the ${field} errors`);
            }
          }
        }
        if (path === '/api/items/{id}/') {
          const id = operation.parameters?.find((p) => p.in === 'path' && p.name === 'id');
          assert.equal(id?.required, true, `${where} documents the id`);
        }
        if (['post', 'put', 'patch'].includes(method)) {
          assert.deepEqual(Object.keys(operation.requestBody?.content ?? {}).sort(), [...BODY_TYPES].sort(), where);
          const schema = operation.requestBody?.content['application/json']?.schema as {
            properties: Record<string, unknown>;
            required?: string[];
          };
          assert.deepEqual(Object.keys(schema.properties).sort(), ['price', 'product']);
          assert.deepEqual(schema.required?.sort(), method === 'patch' ? undefined : ['price', 'product'], where);
        }
        if (['put', 'patch', 'delete'].includes(method)) {
          assert.ok(
            operation.parameters?.some((p) => p.in === 'header' && p.name === 'if-match'),
            `${where} documents If-Match`,
          );
        }
      }
    }
    const listParameters = document.paths['/api/items/']?.get?.parameters ?? [];
    assert.deepEqual(
      listParameters
        .filter((p) => p.in === 'query')
        .map((p) => p.name)
        .sort(),
      [...LIST_PARAMETERS].sort(),
    );
    const post = document.paths['/api/items/']?.post;
    assert.ok(post?.parameters?.some((p) => p.in === 'header' && p.name === 'idempotency-key'));
    const created = JSON.stringify(post?.responses['201']?.content?.['application/json']?.schema);
    for (const field of ['id', 'product', 'price']) assert.match(created, new RegExp(`"${field}"`));
    // The pages and the schema itself are not API operations.
    assert.equal(document.paths['/api/schema/'], undefined);
    assert.equal(document.paths['/'], undefined);
  });

  test('the item URL documents its error answers', async (t) => {
    const document = await served(t);
    const missing: string[] = [];
    for (const [method, { errors }] of Object.entries(OPERATIONS['/api/items/{id}/'] ?? {})) {
      const responses = document.paths['/api/items/{id}/']?.[method]?.responses ?? {};
      for (const code of errors) if (!responses[String(code)]) missing.push(`${method.toUpperCase()} ${code}`);
    }
    assert.deepEqual(missing, []);
  });

  test('the list documents the page envelope it answers with ?limit=', async (t) => {
    const document = await served(t);
    const schema = JSON.stringify(document.paths['/api/items/']?.get?.responses['200']);
    for (const key of ['count', 'next', 'previous', 'results']) assert.match(schema, new RegExp(`"${key}"`));
  });

  test('the committed client/openapi.json and client/schema.d.ts match the served document', async (t) => {
    const document = await served(t);
    const committed = JSON.parse(readFileSync(new URL('../client/openapi.json', import.meta.url), 'utf8'));
    assert.deepEqual(committed, document, `client/openapi.json differs from the served /api/schema/: ${REGENERATE}`);
    // biome-ignore lint/suspicious/noExplicitAny: openapi-typescript's own input model
    const types = await openapiTS(committed as any, { exportType: true });
    const written = readFileSync(new URL('../client/schema.d.ts', import.meta.url), 'utf8');
    assert.ok(types === written, `client/schema.d.ts is not generated from client/openapi.json: ${REGENERATE}`);
  });
});

describe('typed client (client/index.ts) against a running server', () => {
  for (const backend of backends) {
    test(`list, create, get, patch and delete through openapi-fetch (${backend})`, async (t) => {
      const { app } = await build(t, backend);
      await app.listen({ port: 0, host: '127.0.0.1' });
      const { port } = app.server.address() as AddressInfo;
      const api = createPricebookClient(`http://127.0.0.1:${port}/`);

      const created = await api.POST('/api/items/', { body: { product: '  Grüner Tee ', price: '350' } });
      assert.equal(created.response.status, 201);
      assert.ok(created.data, 'created');
      const item = created.data;
      assert.deepEqual(item, { id: item.id, product: 'Grüner Tee', price: 350 });
      await api.POST('/api/items/', { body: { product: 'Kaffee', price: 500 } });

      const listed = await api.GET('/api/items/', { params: { query: { search: 'TEE', ordering: '-price' } } });
      assert.deepEqual(listed.data, [item]);
      const all = await api.GET('/api/items/', { params: { query: { price_min: 400 } } });
      assert.ok(Array.isArray(all.data), 'without limit the list is a bare array');
      assert.deepEqual(
        all.data.map((i) => i.product),
        ['Kaffee'],
      );

      const got = await api.GET('/api/items/{id}/', { params: { path: { id: String(item.id) } } });
      assert.deepEqual(got.data, item);
      const etag = got.response.headers.get('etag');
      assert.ok(etag, 'the item has an ETag');

      const patched = await api.PATCH('/api/items/{id}/', {
        params: { path: { id: String(item.id) }, header: { 'if-match': etag } },
        body: { price: 375 },
      });
      assert.equal(patched.response.status, 200);
      assert.deepEqual(patched.data, { ...item, price: 375 });

      // The old ETag is stale now: 412 with {"detail"}, typed as an error answer.
      const stale = await api.PATCH('/api/items/{id}/', {
        params: { path: { id: String(item.id) }, header: { 'if-match': etag } },
        body: { product: 'Schwarzer Tee' },
      });
      assert.equal(stale.response.status, 412);
      assert.deepEqual(stale.error, {
        detail: 'The item has changed since it was read: its ETag no longer matches If-Match.',
      });

      const invalid = await api.POST('/api/items/', { body: { product: 'x', price: -1 } });
      assert.equal(invalid.response.status, 400);
      assert.deepEqual(invalid.error, { price: ['Ensure this value is greater than or equal to 0.'] });

      const deleted = await api.DELETE('/api/items/{id}/', { params: { path: { id: String(item.id) } } });
      assert.equal(deleted.response.status, 204);
      const gone = await api.GET('/api/items/{id}/', { params: { path: { id: String(item.id) } } });
      assert.equal(gone.response.status, 404);
      assert.deepEqual(gone.error, { detail: 'No Item matches the given query.' });
      const rest = (await api.GET('/api/items/')).data;
      assert.ok(Array.isArray(rest));
      assert.deepEqual(
        rest.map((i) => i.product),
        ['Kaffee'],
      );
    });
  }
});

/** Never called: compile-time checks that the client rejects what the API does not take. */
export function typeChecks(api: PricebookClient) {
  // @ts-expect-error: no such path
  void api.GET('/api/things/');
  // @ts-expect-error: a new item needs a price
  void api.POST('/api/items/', { body: { product: 'x' } });
  // @ts-expect-error: the item path needs its id
  void api.GET('/api/items/{id}/', {});
  // @ts-expect-error: price_min is a number
  void api.GET('/api/items/', { params: { query: { price_min: 'cheap' } } });
  // @ts-expect-error: no PUT on the collection
  void api.PUT('/api/items/', { body: { product: 'x', price: 1 } });
}
