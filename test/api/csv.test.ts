import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { sql } from 'kysely';
import { backends } from '../helpers/backends.js';
import { build } from '../helpers/build.js';
import { ALLOW, assertSecurityHeaders, expectDetail, expectJson, rows, seed, send } from '../helpers/http.js';

// The spreadsheet round trip: GET /api/items/ as CSV, and POST /api/items/import/.

const IMPORT = '/api/items/import/';
const WRITES = 'POST, OPTIONS';
const BOM = '\ufeff';
const HEADER = 'id,product,price\r\n';
const INVALID = 'The CSV file has errors (line and column of each below); nothing was written.';

/** Products a spreadsheet must get back exactly: separators, quotes, line breaks, other scripts, formulas. */
const TRICKY = [
  'Comma, Inc.',
  'Say "cheese"',
  'Two\nlines',
  'CR\r\nLF',
  'Ἀθῆναι',
  '東京タワー',
  'مرحبا',
  '=SUM(A1:A9)',
  '+31 tea',
  '-5 % off',
  '@import',
  "'=already",
  "'plain",
  '🍎 Apple',
];

const csvBody = (text: string, headers: Record<string, string> = {}) => ({ body: text, type: 'text/csv', headers });

function expectCsv(res: Awaited<ReturnType<typeof send>>, body: string): void {
  assert.equal(res.status, 200, res.body.slice(0, 300));
  assert.equal(res.headers['content-type'], 'text/csv; charset=utf-8; header=present');
  assert.equal(res.headers['content-disposition'], 'attachment; filename="items.csv"');
  assert.equal(res.headers.allow, ALLOW.list);
  assert.equal(res.headers.etag, undefined);
  assertSecurityHeaders(res);
  assert.equal(res.raw.subarray(0, 3).toString('hex'), 'efbbbf');
  assert.equal(res.body, body);
}

for (const backend of backends) {
  describe(`CSV export (${backend})`, () => {
    test('Accept: text/csv or ?format=csv: BOM, header, CRLF, RFC 4180 quoting, formulas neutralised', async (t) => {
      const { app, store } = await build(t, backend);
      await seed(
        store,
        { product: 'Apple', price: 100 },
        { product: 'Comma, Inc.', price: 5 },
        { product: '=HYPERLINK("x")', price: 0 },
      );
      const expected = `${BOM}${HEADER}1,Apple,100\r\n2,"Comma, Inc.",5\r\n3,"'=HYPERLINK(""x"")",0\r\n`;
      expectCsv(await send(app, 'GET', '/api/items/?format=csv'), expected);
      expectCsv(await send(app, 'GET', '/api/items/', { headers: { accept: 'text/csv' } }), expected);
      expectCsv(await send(app, 'GET', '/api/items', { headers: { accept: 'application/xml, text/csv' } }), expected);
      // Pagination parameters do not apply: the export is the whole list.
      expectCsv(await send(app, 'GET', '/api/items/?format=csv&limit=1&page_size=1'), expected);
      // Filters, search and ordering as the JSON list.
      expectCsv(
        await send(app, 'GET', '/api/items/?format=csv&price_max=50&ordering=-price'),
        `${BOM}${HEADER}2,"Comma, Inc.",5\r\n3,"'=HYPERLINK(""x"")",0\r\n`,
      );
      expectCsv(await send(app, 'GET', '/api/items/?format=csv&search=inc'), `${BOM}${HEADER}2,"Comma, Inc.",5\r\n`);
      expectCsv(await send(app, 'GET', '/api/items/?format=csv&product=None'), `${BOM}${HEADER}`);
      expectJson(await send(app, 'GET', '/api/items/?format=csv&price_min=x'), 400, {
        price_min: ['A valid integer is required.'],
      });
      // The JSON list is unchanged, and so is every other URL: CSV is the list's alone.
      expectJson(await send(app, 'GET', '/api/items/?product=Apple'), 200, [{ id: 1, product: 'Apple', price: 100 }]);
      expectDetail(await send(app, 'GET', '/api/items/1/?format=csv'), 404, 'Not found.', ALLOW.detail);
      expectDetail(await send(app, 'POST', '/api/items/?format=csv'), 404, 'Not found.', ALLOW.list);
      expectDetail(
        await send(app, 'GET', '/api/items/1/', { headers: { accept: 'text/csv' } }),
        406,
        'Could not satisfy the request Accept header.',
      );
      // ?format=csv with an Accept that excludes CSV: 406, as DRF.
      expectDetail(
        await send(app, 'GET', '/api/items/?format=csv', { headers: { accept: 'application/json' } }),
        406,
        'Could not satisfy the request Accept header.',
      );
      // HEAD: the headers without the body.
      const head = await send(app, 'HEAD', '/api/items/?format=csv');
      assert.equal(head.status, 200);
      assert.equal(head.headers['content-type'], 'text/csv; charset=utf-8; header=present');
      assert.equal(head.body, '');
    });

    test('a list longer than a chunk streams whole, in order', async (t) => {
      const { app, database } = await build(t, backend);
      const total = 4_500;
      const values = Array.from({ length: total }, (_, i) => `('P${i}', ${i}, 'p${i}')`);
      await sql
        .raw(`insert into items (product, price, product_search) values ${values.join(',')}`)
        .execute(database.db);
      const res = await send(app, 'GET', '/api/items/?format=csv&ordering=-price');
      assert.equal(res.status, 200);
      const lines = res.body.slice(1).split('\r\n');
      assert.equal(lines.length, total + 2);
      assert.equal(lines[0], 'id,product,price');
      assert.equal(lines[1], `${total},P${total - 1},${total - 1}`);
      assert.equal(lines[total], '1,P0,0');
      assert.equal(lines[total + 1], '');
    });
  });

  describe(`CSV import (${backend})`, () => {
    test('the export imports back unchanged, byte for byte, whatever the products hold', async (t) => {
      const { app, store } = await build(t, backend);
      await seed(store, ...TRICKY.map((product, i) => ({ product, price: i * 10 })));
      const exported = (await send(app, 'GET', '/api/items/?format=csv')).body;
      const before = await store.list();
      const res = await send(app, 'POST', IMPORT, csvBody(exported));
      const body = res.json() as { created: number; updated: number; unchanged: number; rows: unknown[] };
      assert.equal(res.status, 200, res.body);
      assert.deepEqual([body.created, body.updated, body.unchanged], [0, 0, TRICKY.length]);
      assert.deepEqual(await store.list(), before);
      assert.deepEqual(
        (await store.list()).map((item) => item.product),
        TRICKY,
      );
      // And into an empty database: the same products and prices, as new items.
      const other = await build(t, backend);
      const fresh = exported.replace(/^(\ufeff?id,product,price\r\n)|(?<=\r\n)\d+(?=,)/g, (_m, header) => header ?? '');
      const created = await send(other.app, 'POST', IMPORT, csvBody(fresh));
      assert.equal(created.status, 200, created.body);
      assert.deepEqual(await rows(other.store), await rows(store));
      assert.equal((await send(other.app, 'GET', '/api/items/?format=csv')).body, exported);
    });

    test('dry_run answers created, updated, unchanged, row by row, and writes nothing; then it applies', async (t) => {
      const { app, store } = await build(t, backend);
      await seed(store, { product: 'Apple', price: 100 }, { product: 'Pear', price: 200 });
      // Columns in another order, spaces and case in the header, an empty line at the end.
      const file = 'Price, Product ,ID\r\n110,Apple,1\r\n200,Pear,2\r\n35,"Kiwi, gold",\r\n7,\'=1+1,\r\n\r\n';
      const preview = await send(app, 'POST', `${IMPORT}?dry_run=true`, csvBody(file));
      const rowsOf = (dryRun: boolean, ids: [number | null, number | null]) => ({
        dry_run: dryRun,
        created: 2,
        updated: 1,
        unchanged: 1,
        rows: [
          { line: 2, action: 'update', id: 1, product: 'Apple', price: 110, before: { product: 'Apple', price: 100 } },
          { line: 3, action: 'unchanged', id: 2, product: 'Pear', price: 200 },
          { line: 4, action: 'create', id: ids[0], product: 'Kiwi, gold', price: 35 },
          { line: 5, action: 'create', id: ids[1], product: '=1+1', price: 7 },
        ],
      });
      expectJson(preview, 200, rowsOf(true, [null, null]), WRITES);
      assert.deepEqual(await rows(store), [
        { id: 1, product: 'Apple', price: 100 },
        { id: 2, product: 'Pear', price: 200 },
      ]);
      const applied = await send(app, 'POST', IMPORT, csvBody(file));
      assert.equal(applied.status, 200, applied.body);
      const ids = (applied.json() as { rows: Array<{ id: number }> }).rows.slice(2).map((row) => row.id);
      expectJson(applied, 200, rowsOf(false, ids as [number, number]), WRITES);
      assert.deepEqual(await rows(store), [
        { id: 1, product: 'Apple', price: 110 },
        { id: 2, product: 'Pear', price: 200 },
        { id: ids[0] as number, product: 'Kiwi, gold', price: 35 },
        { id: ids[1] as number, product: '=1+1', price: 7 },
      ]);
      // An unchanged row is no write: Pear keeps its version.
      assert.equal((await store.get(2))?.version, 1);
    });

    test('a malformed file: 400 by line and column, nothing written', async (t) => {
      const { app, store } = await build(t, backend);
      await seed(store, { product: 'Apple', price: 100 });
      const cases: Array<[string, unknown]> = [
        [
          'id,name,price\r\n1,Apple,1\r\n',
          {
            detail: INVALID,
            errors: [
              {
                line: 1,
                column: 2,
                field: 'name',
                messages: ['Unknown column "name": the header is id,product,price.'],
              },
              { line: 1, column: null, field: 'product', messages: ['The column "product" is missing.'] },
            ],
          },
        ],
        [
          'id,product,price,price\r\n',
          {
            detail: INVALID,
            errors: [{ line: 1, column: 4, field: 'price', messages: ['The column "price" appears twice.'] }],
          },
        ],
        [
          '',
          {
            detail: INVALID,
            errors: [{ line: 1, column: null, field: null, messages: ['The header row id,product,price is missing.'] }],
          },
        ],
        [
          `${HEADER},Kiwi,1\r\n,"Lime,2\r\n,Plum,3\r\n`,
          {
            detail: 'CSV parse error - line 3, column 2: A quoted field is never closed: a quote (") is missing.',
            errors: [
              {
                line: 3,
                column: 2,
                field: 'product',
                messages: ['A quoted field is never closed: a quote (") is missing.'],
              },
            ],
          },
        ],
        [
          `${HEADER},Ki"wi,1\r\n`,
          {
            detail:
              'CSV parse error - line 2, column 2: A quote (") inside an unquoted field: quote the whole field and double the quote ("").',
            errors: [
              {
                line: 2,
                column: 2,
                field: 'product',
                messages: ['A quote (") inside an unquoted field: quote the whole field and double the quote ("").'],
              },
            ],
          },
        ],
        [
          `${HEADER},Kiwi,1\r\n,"Two\nlines",2,extra\r\n1,,x\r\nabc,Fig,1\r\n,Fig\r\n`,
          {
            detail: INVALID,
            errors: [
              { line: 3, column: null, field: null, messages: ['Expected 3 values, as the header has, but got 4.'] },
              { line: 5, column: 2, field: 'product', messages: ['This field may not be blank.'] },
              { line: 5, column: 3, field: 'price', messages: ['A valid integer is required.'] },
              { line: 6, column: 1, field: 'id', messages: ['A valid integer is required.'] },
              { line: 7, column: null, field: null, messages: ['Expected 3 values, as the header has, but got 2.'] },
            ],
          },
        ],
      ];
      for (const [file, body] of cases) {
        expectJson(await send(app, 'POST', IMPORT, csvBody(file)), 400, body, WRITES);
      }
      // Not UTF-8 (a spreadsheet's "CSV" in Windows-1252).
      const latin1 = Buffer.concat([Buffer.from(`${HEADER},Caf`), Buffer.from([0xe9]), Buffer.from(',1\r\n')]);
      expectJson(
        await send(app, 'POST', IMPORT, { body: latin1, type: 'text/csv; charset=windows-1252' }),
        400,
        {
          detail: 'CSV parse error - line 2: the file is not UTF-8 text. Save it as "CSV UTF-8".',
          errors: [{ line: 2, column: null, field: null, messages: ['Not UTF-8 text.'] }],
        },
        WRITES,
      );
      // An id that names no item: 404 by line, nothing written (the valid creates before it neither).
      expectJson(
        await send(app, 'POST', IMPORT, csvBody(`${HEADER},Kiwi,1\r\n77,Ghost,1\r\n1,Apple,5\r\n`)),
        404,
        {
          detail: 'No Item matches the given query; nothing was written.',
          errors: [{ line: 3, column: 1, field: 'id', messages: ['No Item matches the given query.'] }],
        },
        WRITES,
      );
      expectDetail(
        await send(app, 'POST', IMPORT, { body: '[]', type: 'application/json' }),
        415,
        'Unsupported media type "application/json" in request.',
        WRITES,
      );
      assert.deepEqual(await store.list(), [{ id: 1, product: 'Apple', price: 100, version: 1 }]);
    });

    test('a file over 64 KiB (parsed on the body thread) applies whole; an error is found at its line', async (t) => {
      const { app, store } = await build(t, backend);
      const lines = Array.from({ length: 4000 }, (_, i) => `,"P${i}, ""large""",${i}\r\n`);
      const file = `${HEADER}${lines.join('')}`;
      assert.ok(file.length > 64 * 1024);
      const res = await send(app, 'POST', IMPORT, csvBody(file));
      assert.equal(res.status, 200, res.body.slice(0, 300));
      assert.equal((res.json() as { created: number }).created, 4000);
      const stored = await store.list();
      assert.equal(stored.length, 4000);
      assert.deepEqual(stored[3999], { id: 4000, product: 'P3999, "large"', price: 3999, version: 1 });
      const message = 'A quoted field is never closed: a quote (") is missing.';
      expectJson(
        await send(app, 'POST', IMPORT, csvBody(`${file},"open\r\n`)),
        400,
        {
          detail: `CSV parse error - line 4002, column 2: ${message}`,
          errors: [{ line: 4002, column: 2, field: 'product', messages: [message] }],
        },
        WRITES,
      );
      assert.equal((await store.list()).length, 4000);
    });

    test('IMPORT_MAX_ROWS: 413 above it; BODY_LIMIT applies; an Idempotency-Key replays', async (t) => {
      const { app, store } = await build(t, backend, { IMPORT_MAX_ROWS: '2', BODY_LIMIT: '2048' });
      expectDetail(
        await send(app, 'POST', IMPORT, csvBody(`${HEADER},A,1\r\n,B,2\r\n,C,3\r\n`)),
        413,
        'A CSV import may hold at most 2 rows; this one holds 3. Split the file.',
        WRITES,
      );
      expectDetail(
        await send(app, 'POST', IMPORT, csvBody(`${HEADER},${'x'.repeat(3000)},1\r\n`)),
        413,
        'Request body is too large.',
      );
      assert.deepEqual(await store.list(), []);
      const file = `${HEADER},A,1\r\n,B,2\r\n`;
      const first = await send(app, 'POST', IMPORT, csvBody(file, { 'idempotency-key': 'sheet-1' }));
      assert.equal(first.status, 200);
      const again = await send(app, 'POST', IMPORT, csvBody(file, { 'idempotency-key': 'sheet-1' }));
      expectJson(again, 200, first.json(), WRITES);
      assert.equal(again.headers['idempotent-replayed'], 'true');
      assert.deepEqual(await rows(store), [
        { id: 1, product: 'A', price: 1 },
        { id: 2, product: 'B', price: 2 },
      ]);
    });
  });
}
