import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { backends } from '../helpers/backends.js';
import { build } from '../helpers/build.js';
import { expectDetail, expectJson, rows, seed, send, sendJson } from '../helpers/http.js';

// POST /api/items/bulk/: many creates, updates and deletes, all or nothing, in one transaction.

const BULK = '/api/items/bulk/';
const ALLOW = 'POST, OPTIONS';
const NO_ITEM = 'No Item matches the given query; nothing was written.';
const STALE = 'An item has changed since it was read: its ETag no longer matches if_match; nothing was written.';

const withEtag = (item: { id: number; product: string; price: number }, version: number) => ({
  ...item,
  etag: `"${item.id}-${version}"`,
});

for (const backend of backends) {
  describe(`bulk writes (${backend})`, () => {
    test('creates, updates and deletes apply in order; the answer is aligned with the input', async (t) => {
      const { app, store } = await build(t, backend);
      await seed(store, { product: 'Apple', price: 100 }, { product: 'Pear', price: 200 });
      const res = await sendJson(app, 'POST', BULK, [
        { op: 'create', product: ' Kiwi ', price: '30' },
        { op: 'update', id: 1, price: 110 },
        { op: 'delete', id: 2 },
        { op: 'create', product: 'Ἀθῆναι', price: 0 },
      ]);
      expectJson(
        res,
        200,
        [
          withEtag({ id: 3, product: 'Kiwi', price: 30 }, 1),
          withEtag({ id: 1, product: 'Apple', price: 110 }, 2),
          null,
          withEtag({ id: 4, product: 'Ἀθῆναι', price: 0 }, 1),
        ],
        ALLOW,
      );
      assert.deepEqual(await store.list(), [
        { id: 1, product: 'Apple', price: 110, version: 2 },
        { id: 3, product: 'Kiwi', price: 30, version: 1 },
        { id: 4, product: 'Ἀθῆναι', price: 0, version: 1 },
      ]);
      // The ETag in the answer is the one a GET gives.
      assert.equal((await send(app, 'GET', '/api/items/1/')).headers.etag, '"1-2"');
      // An empty list is nothing to do.
      expectJson(await sendJson(app, 'POST', BULK, []), 200, [], ALLOW);
    });

    test('invalid operations: 400 aligned with the input, {} for the valid ones, nothing written', async (t) => {
      const { app, store } = await build(t, backend);
      await seed(store, { product: 'Apple', price: 100 });
      const res = await sendJson(app, 'POST', BULK, [
        { op: 'create', product: 'Fine', price: 1 },
        { op: 'create', product: '', price: -1 },
        { op: 'update', price: 'x' },
        { op: 'remove', id: 1 },
        { product: 'No op' },
        'text',
        null,
        { op: 'delete', id: 'abc' },
        { op: 'delete', id: 0, if_match: 5 },
        { op: 'create', id: 7, product: 'Given id', price: 1, if_match: '*' },
        { op: 'update', id: 1, product: 'a'.repeat(21) },
        { op: 'update', id: 1 },
      ]);
      expectJson(
        res,
        400,
        [
          {},
          { product: ['This field may not be blank.'], price: ['Ensure this value is greater than or equal to 0.'] },
          { id: ['This field is required.'], price: ['A valid integer is required.'] },
          { op: ['"remove" is not a valid choice.'] },
          { op: ['This field is required.'] },
          { non_field_errors: ['Invalid data. Expected a dictionary, but got str.'] },
          { non_field_errors: ['No data provided'] },
          { id: ['A valid integer is required.'] },
          { id: ['Ensure this value is greater than or equal to 1.'], if_match: ['An ETag such as "12-3", or *.'] },
          { id: ['A create takes no id: the server assigns it.'], if_match: ['A create has no precondition.'] },
          { product: ['Ensure this field has no more than 20 characters.'] },
          {},
        ],
        ALLOW,
      );
      assert.deepEqual(await rows(store), [{ id: 1, product: 'Apple', price: 100 }]);
      // Not a list: DRF's ListSerializer message.
      for (const [body, kind] of [
        ['{"op":"create"}', 'dict'],
        ['"x"', 'str'],
        ['12', 'int'],
        ['', 'dict'],
      ] as const) {
        const answer = await send(app, 'POST', BULK, { body, type: 'application/json' });
        expectJson(answer, 400, { non_field_errors: [`Expected a list of items but got type "${kind}".`] }, ALLOW);
      }
      expectDetail(
        await send(app, 'POST', BULK, { body: '[{"op":', type: 'application/json' }),
        400,
        'JSON parse error - Unexpected end of JSON input',
      );
      const form = await send(app, 'POST', BULK, { body: 'op=create', type: 'application/x-www-form-urlencoded' });
      expectDetail(form, 415, 'Unsupported media type "application/x-www-form-urlencoded" in request.', ALLOW);
      expectJson(await sendJson(app, 'POST', `${BULK}?dry_run=maybe`, []), 400, {
        dry_run: ['Must be a valid boolean.'],
      });
      assert.deepEqual(await rows(store), [{ id: 1, product: 'Apple', price: 100 }]);
    });

    test('a missing item in the middle: 404 naming every such operation, and the database untouched', async (t) => {
      const { app, store } = await build(t, backend);
      await seed(store, { product: 'Apple', price: 100 }, { product: 'Pear', price: 200 });
      const before = await store.list();
      const res = await sendJson(app, 'POST', BULK, [
        { op: 'create', product: 'Kiwi', price: 30 },
        { op: 'update', id: 1, price: 1 },
        { op: 'delete', id: 99 },
        { op: 'delete', id: 2, if_match: '"2-7"' },
        { op: 'update', id: 98, price: 5 },
      ]);
      // Missing items win over stale preconditions (as on a single write), and every one is named.
      expectJson(res, 404, { detail: NO_ITEM, operations: [2, 4], ids: [99, 98] }, ALLOW);
      assert.deepEqual(await store.list(), before);
      // The create was rolled back: the next id on SQLite is 3 again; PostgreSQL's identity may skip ids.
      const created = (
        await sendJson(app, 'POST', BULK, [{ op: 'create', product: 'Kiwi', price: 30 }])
      ).json() as Array<{
        id: number;
      }>;
      assert.ok((created[0]?.id ?? 0) >= 3);
      if (backend === 'sqlite') assert.equal(created[0]?.id, 3);
    });

    test('if_match: compared as If-Match; 412 naming the stale operations; nothing written', async (t) => {
      const { app, store } = await build(t, backend);
      await seed(store, { product: 'Apple', price: 100 }, { product: 'Pear', price: 200 });
      const ok = await sendJson(app, 'POST', BULK, [
        { op: 'update', id: 1, price: 101, if_match: '"1-1"' },
        { op: 'update', id: 2, price: 201, if_match: '*' },
        { op: 'update', id: 2, price: 202, if_match: '"9-9", "2-2"' },
      ]);
      expectJson(
        ok,
        200,
        [
          withEtag({ id: 1, product: 'Apple', price: 101 }, 2),
          withEtag({ id: 2, product: 'Pear', price: 201 }, 2),
          withEtag({ id: 2, product: 'Pear', price: 202 }, 3),
        ],
        ALLOW,
      );
      const before = await store.list();
      const stale = await sendJson(app, 'POST', BULK, [
        { op: 'update', id: 1, price: 1, if_match: '"1-2"' },
        { op: 'update', id: 2, price: 2, if_match: '"2-1"' },
        { op: 'delete', id: 1, if_match: '"1-2"' },
        { op: 'delete', id: 2, if_match: '"1-3"' },
      ]);
      // Op 2 is stale too: op 0 changed item 1, so version 2 is gone when op 2 is reached.
      expectJson(stale, 412, { detail: STALE, operations: [1, 2, 3], ids: [2, 1, 2] }, ALLOW);
      assert.deepEqual(await store.list(), before);
    });

    test('one id several times: applied in order, each seeing the one before', async (t) => {
      const { app, store } = await build(t, backend);
      await seed(store, { product: 'Apple', price: 100 });
      const res = await sendJson(app, 'POST', BULK, [
        { op: 'update', id: 1, price: 5 },
        { op: 'update', id: 1, product: 'Green apple', if_match: '"1-2"' },
        { op: 'update', id: 1, product: 'Green apple' },
      ]);
      expectJson(
        res,
        200,
        [
          withEtag({ id: 1, product: 'Apple', price: 5 }, 2),
          withEtag({ id: 1, product: 'Green apple', price: 5 }, 3),
          // No change: no new version.
          withEtag({ id: 1, product: 'Green apple', price: 5 }, 3),
        ],
        ALLOW,
      );
      assert.deepEqual(await store.list(), [{ id: 1, product: 'Green apple', price: 5, version: 3 }]);
      const deleted = await sendJson(app, 'POST', BULK, [
        { op: 'delete', id: 1 },
        { op: 'update', id: 1, price: 6 },
      ]);
      expectJson(deleted, 404, { detail: NO_ITEM, operations: [1], ids: [1] }, ALLOW);
      assert.deepEqual(await store.list(), [{ id: 1, product: 'Green apple', price: 5, version: 3 }]);
    });

    test('at most BULK_MAX_OPERATIONS: 413 above, said clearly, nothing written', async (t) => {
      const { app, store } = await build(t, backend, { BULK_MAX_OPERATIONS: '3' });
      const create = (i: number) => ({ op: 'create', product: `P${i}`, price: i });
      expectJson(await sendJson(app, 'POST', BULK, [0, 1, 2].map(create)), 200, [
        withEtag({ id: 1, product: 'P0', price: 0 }, 1),
        withEtag({ id: 2, product: 'P1', price: 1 }, 1),
        withEtag({ id: 3, product: 'P2', price: 2 }, 1),
      ]);
      expectDetail(
        await sendJson(app, 'POST', BULK, [0, 1, 2, 3].map(create)),
        413,
        'A bulk request may hold at most 3 operations; this one holds 4. Send them in several requests.',
        ALLOW,
      );
      assert.equal((await store.list()).length, 3);
    });

    test('Idempotency-Key: a retry answers the first 200 again and writes nothing; another body is 422', async (t) => {
      const { app, store } = await build(t, backend);
      const ops = [
        { op: 'create', product: 'Kiwi', price: 30 },
        { op: 'create', product: 'Lime', price: 40 },
      ];
      const first = await sendJson(app, 'POST', BULK, ops, { 'idempotency-key': 'batch-1' });
      const expected = [
        withEtag({ id: 1, product: 'Kiwi', price: 30 }, 1),
        withEtag({ id: 2, product: 'Lime', price: 40 }, 1),
      ];
      expectJson(first, 200, expected, ALLOW);
      assert.equal(first.headers['idempotent-replayed'], undefined);
      const retry = await sendJson(app, 'POST', BULK, ops, { 'idempotency-key': 'batch-1' });
      expectJson(retry, 200, expected, ALLOW);
      assert.equal(retry.headers['idempotent-replayed'], 'true');
      assert.equal((await store.list()).length, 2);
      expectDetail(
        await sendJson(app, 'POST', BULK, ops.slice(1), { 'idempotency-key': 'batch-1' }),
        422,
        'This Idempotency-Key was already used with a different request body.',
      );
      // A key is not shared with a single create of the same bytes' meaning.
      const single = await sendJson(app, 'POST', '/api/items/', ops[0], { 'idempotency-key': 'batch-1' });
      assert.equal(single.status, 422);
      // A failed bulk stores nothing: the retry is evaluated again.
      const missing = [{ op: 'delete', id: 99 }];
      assert.equal((await sendJson(app, 'POST', BULK, missing, { 'idempotency-key': 'k2' })).status, 404);
      await store.create({ product: 'Filler', price: 1 });
      assert.equal((await sendJson(app, 'POST', BULK, missing, { 'idempotency-key': 'k2' })).status, 404);
      assert.equal((await store.list()).length, 3);
    });

    test('?dry_run=true answers what would happen and writes nothing', async (t) => {
      const { app, store } = await build(t, backend);
      await seed(store, { product: 'Apple', price: 100 });
      const res = await sendJson(app, 'POST', `${BULK}?dry_run=true`, [
        { op: 'update', id: 1, price: 120 },
        { op: 'delete', id: 1 },
      ]);
      expectJson(res, 200, [withEtag({ id: 1, product: 'Apple', price: 120 }, 2), null], ALLOW);
      assert.deepEqual(await store.list(), [{ id: 1, product: 'Apple', price: 100, version: 1 }]);
      const missing = await sendJson(app, 'POST', `${BULK}?dry_run=1`, [{ op: 'delete', id: 5 }]);
      expectJson(missing, 404, { detail: NO_ITEM, operations: [0], ids: [5] }, ALLOW);
    });

    test('API_TOKEN protects it like any write; OPTIONS describes it; GET is 405', async (t) => {
      const token = 'a-token-of-sixteen-or-more';
      const { app, store } = await build(t, backend, { API_TOKEN: token });
      const ops = [{ op: 'create', product: 'Kiwi', price: 30 }];
      expectDetail(await sendJson(app, 'POST', BULK, ops), 401, 'Authentication credentials were not provided.', ALLOW);
      assert.deepEqual(await store.list(), []);
      const authorised = await sendJson(app, 'POST', BULK, ops, { authorization: `Bearer ${token}` });
      assert.equal(authorised.status, 200);
      expectJson(
        await send(app, 'OPTIONS', BULK),
        200,
        {
          name: 'Item Bulk',
          description: 'Creates, updates and deletes items, all or nothing, in one transaction.',
          renders: ['application/json'],
          parses: ['application/json'],
        },
        ALLOW,
      );
      const auth = { authorization: `Bearer ${token}` };
      for (const method of ['GET', 'PUT', 'DELETE']) {
        expectDetail(await send(app, method, BULK, { headers: auth }), 405, `Method "${method}" not allowed.`, ALLOW);
      }
      // Without the trailing slash alike.
      assert.equal(
        (await sendJson(app, 'POST', '/api/items/bulk', [], { authorization: `Bearer ${token}` })).status,
        200,
      );
    });
  });
}
