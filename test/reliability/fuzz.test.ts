import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import type { FastifyInstance } from 'fastify';
import { backends } from '../helpers/backends.js';
import { build } from '../helpers/build.js';
import type { Item as ItemRecord, TestItems } from '../helpers/items.js';
import {
  assertRowsValid,
  contractTrim,
  errorShapeProblem,
  leakIn,
  percentEncode,
  rowProblems,
} from '../helpers/reliability.js';

// Property-based fuzzing of the HTTP API through app.inject, on SQLite and on PostgreSQL.
// Every generated request is checked against invariants that hold for *any* input:
//   - no 5xx, and no stack trace / SQL / file name in any body;
//   - a 400 has the contract's error shape ({"detail"} or a product/price/non_field_errors map);
//   - the database changes only as the answer says: an error changes nothing, a 201 adds exactly
//     the returned row (with a new, larger id), a 200 replaces exactly the returned row, a 204
//     removes exactly one row; every row ever stored satisfies the contract's rules;
//   - the process still answers /healthz afterwards.
// A second property is a differential oracle for item bodies whose product is a string and whose
// price is a number: it must be accepted exactly when the contract's rules say so, and stored as
// the contract's trimming says.

const RUNS_ANY = Number(process.env.FUZZ_RUNS ?? 200);
const RUNS_ITEMS = Number(process.env.FUZZ_RUNS ?? 200);
const SEED = process.env.FUZZ_SEED === undefined ? undefined : Number(process.env.FUZZ_SEED);

// ---- building blocks ------------------------------------------------------------------------

const char = (from: number, to: number) => fc.integer({ min: from, max: to }).map((c) => String.fromCodePoint(c));

/** One code unit or code point from every interesting region. */
const unit = fc.oneof(
  char(0x20, 0x7e), // ASCII
  char(0x00, 0x1f), // controls incl. NUL, TAB, LF, CR
  fc.constantFrom(
    '\u0085',
    '\u00a0',
    '\u1680',
    '\u2000',
    '\u200a',
    '\u200b', // not whitespace
    '\u2028',
    '\u2029',
    '\u202f',
    '\u205f',
    '\u3000',
    '\ufeff', // not whitespace
    '\u001c',
    '\u007f',
    '\u0301', // combining accent
    '\\',
    '"',
    "'",
    '%',
    '_',
    ';',
    '--',
  ),
  char(0x80, 0xd7ff), // BMP
  char(0xd800, 0xdfff), // lone surrogates
  char(0xe000, 0xffff), // BMP private use, specials
  char(0x10000, 0x10ffff), // astral planes
);

const text = (maxLength: number) => fc.array(unit, { maxLength }).map((units) => units.join(''));

/** Printable ASCII, what can go into a header value. */
const headerText = fc.string({ unit: char(0x20, 0x7e), maxLength: 40 });

/** JSON number literals JSON.stringify cannot write: huge, boundary, exponent, negative zero. */
const numberText = fc.oneof(
  fc.bigInt({ min: -(10n ** 30n), max: 10n ** 30n }).map(String),
  fc.integer({ min: -5, max: 2147483652 }).map(String),
  fc.constantFrom(
    '0',
    '-0',
    '-0.0',
    '2147483647',
    '2147483648',
    '2147483647.0',
    '-1',
    '1e2',
    '1.5e1',
    '12.5',
    '1E400',
    '-1e400',
    '1e16',
    '9007199254740993',
    '1e-400',
    '0.0000001',
    `1${'0'.repeat(400)}`,
    '1.7976931348623157e308',
    '5e-324',
  ),
  fc.double({ noNaN: true, noDefaultInfinity: true }).map((n) => JSON.stringify(n)),
);

/** A price as a string: numeric-looking forms the contract accepts and rejects. */
const priceString = fc.oneof(
  fc.constantFrom(
    '12',
    ' 12 ',
    '+5',
    '-5',
    '12.0',
    '12.',
    '12.5',
    '1e3',
    '0x10',
    '',
    ' ',
    '1_000',
    '\uff11\uff12',
    '2147483647',
    '2147483648',
    '9'.repeat(1001),
    '1'.repeat(1000),
  ),
  text(12),
  fc.integer({ min: -10, max: 3_000_000_000 }).map(String),
);

/** Any JSON value as text, including the literals only raw text can hold. */
const anyJsonText: fc.Arbitrary<string> = fc.oneof(
  fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)),
  numberText,
  text(25).map((s) => JSON.stringify(s)),
  priceString.map((s) => JSON.stringify(s)),
  fc.constantFrom('null', 'true', 'false', '[]', '{}', '[1]', '{"a":{}}', '"\\ud800"', '"\\udfff\\ud800"', '"\\u0000"'),
);

/** Values that are often valid, so that creates and updates happen too. */
const plausibleProduct = fc
  .string({ unit: char(0x20, 0x7e), minLength: 1, maxLength: 20 })
  .map((s) => JSON.stringify(s));
const plausiblePrice = fc.integer({ min: 0, max: 2147483647 }).map(String);

/** A JSON object as text: maybe product, maybe price, random other fields, repeated keys. */
const objectText = fc
  .record({
    product: fc.option(fc.oneof(plausibleProduct, anyJsonText), { nil: undefined, freq: 8 }),
    price: fc.option(fc.oneof(plausiblePrice, anyJsonText), { nil: undefined, freq: 8 }),
    others: fc.array(fc.tuple(text(10), anyJsonText), { maxLength: 3 }),
    repeatProduct: fc.oneof(
      { weight: 5, arbitrary: fc.constant(undefined) },
      { weight: 1, arbitrary: fc.oneof(plausibleProduct, anyJsonText) },
    ),
  })
  .map(({ product, price, others, repeatProduct }) => {
    const entries: string[] = others.map(([key, value]) => `${JSON.stringify(key)}:${value}`);
    if (product !== undefined) entries.push(`"product":${product}`);
    if (price !== undefined) entries.push(`"price":${price}`);
    if (repeatProduct !== undefined) entries.push(`"product":${repeatProduct}`);
    return `{${entries.join(',')}}`;
  });

const deepText = fc
  .record({ depth: fc.integer({ min: 1, max: 150_000 }), open: fc.constantFrom('[', '{"a":'), closed: fc.boolean() })
  .map(({ depth, open, closed }) => open.repeat(depth) + (closed ? (open === '[' ? ']' : '}').repeat(depth) : ''));

const BOUNDARY = 'fuzzBoundary0123';

const body: fc.Arbitrary<string | Buffer | undefined> = fc.oneof(
  { weight: 8, arbitrary: objectText },
  { weight: 2, arbitrary: anyJsonText },
  { weight: 1, arbitrary: deepText },
  { weight: 2, arbitrary: fc.uint8Array({ maxLength: 48 }).map((bytes) => Buffer.from(bytes)) },
  {
    weight: 1,
    // invalid UTF-8 inside an otherwise valid JSON object
    arbitrary: fc
      .uint8Array({ minLength: 1, maxLength: 6 })
      .map((bytes) => Buffer.concat([Buffer.from('{"product":"a'), Buffer.from(bytes), Buffer.from('","price":1}')])),
  },
  {
    weight: 1,
    arbitrary: fc
      .array(fc.tuple(fc.constantFrom('product', 'price', 'x'), fc.oneof(text(22), priceString)), { maxLength: 3 })
      .map((entries) => entries.map(([k, v]) => `${percentEncode(k)}=${percentEncode(v)}`).join('&')),
  },
  {
    weight: 1,
    arbitrary: fc
      .array(fc.tuple(fc.constantFrom('product', 'price'), fc.oneof(text(22), priceString)), { maxLength: 2 })
      .map(
        (entries) =>
          `${entries
            .map(([k, v]) => `--${BOUNDARY}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`)
            .join('')}--${BOUNDARY}--\r\n`,
      ),
  },
  { weight: 1, arbitrary: fc.constant(undefined) },
  { weight: 1, arbitrary: fc.constant('') },
);

const contentType: fc.Arbitrary<string | undefined> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.constantFrom(
      'application/json',
      'application/json',
      'application/json',
      'application/json; charset=utf-8',
      'APPLICATION/JSON',
      'application/json;charset=latin-1',
      'application/x-www-form-urlencoded',
      `multipart/form-data; boundary=${BOUNDARY}`,
      'multipart/form-data',
      'multipart/form-data; boundary=',
      'text/plain',
      'application/xml',
      'application/merge-patch+json',
      '',
      'json',
      ';;',
      '*/*',
      'application/json; boundary="',
    ),
  },
  { weight: 1, arbitrary: headerText },
  { weight: 2, arbitrary: fc.constant(undefined) },
);

const method = fc.oneof(
  {
    weight: 8,
    arbitrary: fc.constantFrom('POST', 'POST', 'POST', 'PUT', 'PATCH', 'PATCH', 'GET', 'HEAD', 'DELETE', 'OPTIONS'),
  },
  { weight: 1, arbitrary: fc.constantFrom('TRACE', 'PROPFIND', 'LOCK', 'SEARCH') },
);

/** How the `{id}` segment names an item: an existing one (by index, resolved when run), or anything. */
const idSegment = fc.oneof(
  {
    weight: 4,
    arbitrary: fc
      .record({ index: fc.nat(), form: fc.constantFrom('', '0', '+', '%20', '.json', '/x') })
      .map((s) => ({ existing: s.index, form: s.form })),
  },
  {
    weight: 2,
    arbitrary: fc
      .oneof(
        fc.constantFrom('0', '-1', '99999999999999999999999', '18446744073709551616', 'abc', '1e2', '%25', '%2F'),
        text(8).map(percentEncode),
      )
      .map((raw) => ({ raw })),
  },
);

const queryPart = fc.tuple(
  fc.oneof(fc.constantFrom('product', 'format', 'price', 'id', 'PRODUCT', 'product__icontains'), text(6)),
  fc.oneof(text(22), fc.constantFrom('', 'json', 'api', 'xml', '%', '%FF', '%00', '+', "' OR 1=1 --")),
);

const query = fc
  .array(queryPart, { maxLength: 3 })
  .map((parts) =>
    parts.length === 0
      ? ''
      : `?${parts.map(([k, v]) => `${percentEncode(k)}=${v.startsWith('%') || v === '+' ? v : percentEncode(v)}`).join('&')}`,
  );

const path = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom('/api/items/', '/api/items') },
  { weight: 4, arbitrary: idSegment.map((id) => ({ id })) },
  { weight: 1, arbitrary: fc.constantFrom('/api/', '/api', '/api//items/', '/api/items//', '/healthz', '/metrics') },
  {
    weight: 1,
    arbitrary: fc
      .array(fc.oneof(text(6).map(percentEncode), fc.constantFrom('items', '..', '.', '%2F', '%00', '')), {
        maxLength: 4,
      })
      .map((segments) => `/api/${segments.join('/')}`),
  },
);

const someHeaders = fc.record(
  {
    accept: fc.constantFrom('application/json', '*/*', 'text/html', 'application/xml', 'application/json; indent=2'),
    'if-match': fc.oneof(fc.constant('*'), headerText),
    'if-none-match': fc.oneof(fc.constant('*'), headerText),
    'idempotency-key': fc.oneof(fc.constantFrom('k1', 'k2', ''), headerText),
    'x-request-id': headerText,
  },
  { requiredKeys: [] },
);
const headers = fc.oneof({ weight: 3, arbitrary: fc.constant({}) }, { weight: 1, arbitrary: someHeaders });

/** Anything at all, or a well-formed JSON write with random fields (so creates and updates happen). */
const anyRequest = fc.oneof(
  fc.record({ method, path, query, body, contentType, headers }),
  fc.record({
    method: fc.constantFrom('POST', 'POST', 'PUT', 'PATCH', 'DELETE'),
    path: fc.oneof(
      fc.constant<string | { id: { existing: number; form: string } | { raw: string } }>('/api/items/'),
      fc.nat().map((existing) => ({ id: { existing, form: '' } })),
    ),
    query: fc.constant(''),
    body: objectText.map((s): string | Buffer | undefined => s),
    contentType: fc.constant<string | undefined>('application/json'),
    headers: fc.constant({}),
  }),
);
type FuzzRequest = typeof anyRequest extends fc.Arbitrary<infer T> ? T : never;

// ---- running and checking one request --------------------------------------------------------

type Row = ItemRecord;
const publicView = ({ id, product, price }: Row) => ({ id, product, price });

interface Context {
  app: FastifyInstance;
  store: TestItems;
  /** Largest id ever seen: a new item must get a larger one (ids are never reused). */
  maxId: number;
}

async function ensureRows(ctx: Context): Promise<Row[]> {
  let rows = await ctx.store.list();
  while (rows.length < 3) {
    const created = await ctx.store.create({ product: `seed ${rows.length}`, price: rows.length });
    ctx.maxId = Math.max(ctx.maxId, created.id);
    rows = await ctx.store.list();
  }
  return rows;
}

function urlOf(request: FuzzRequest, rows: Row[]): string {
  const { path: p } = request;
  if (typeof p === 'string') return p + request.query;
  const id = p.id;
  if ('raw' in id) return `/api/items/${id.raw}/${request.query}`;
  const row = rows[id.existing % rows.length] as Row;
  const segment = id.form === '.json' ? `${row.id}.json` : id.form === '/x' ? `${row.id}/x` : `${id.form}${row.id}`;
  return `/api/items/${segment}/${request.query}`;
}

async function runOne(ctx: Context, request: FuzzRequest, expectation?: (status: number, stored: Row[]) => void) {
  const before = await ensureRows(ctx);
  const url = urlOf(request, before);
  const headers: Record<string, string> = { ...request.headers };
  if (request.contentType !== undefined) headers['content-type'] = request.contentType;
  const response = await ctx.app.inject({
    method: request.method as 'GET',
    url,
    headers,
    payload: request.body,
  });
  const { statusCode: status, body: text } = response;
  const where = `${request.method} ${url} → ${status} ${text.slice(0, 300)}`;

  assert.ok(status < 500, `no 5xx: ${where}`);
  assert.equal(leakIn(text), undefined, `no internals in the body: ${where}`);
  // A HEAD answer has no body, a 400 as well: the error's shape is checked on the other methods.
  if (request.method === 'HEAD') assert.equal(text, '', `HEAD has no body: ${where}`);
  else if (status === 400) assert.equal(errorShapeProblem(text), undefined, where);
  assert.equal(response.headers['x-content-type-options'], 'nosniff', `security headers: ${where}`);
  assert.ok(response.headers['x-request-id'], `a request id: ${where}`);
  if (/^application\/json/.test(String(response.headers['content-type'])) && text !== '') {
    assert.doesNotThrow(() => JSON.parse(text), `JSON body parses: ${where}`);
  }

  const after = await ctx.store.list();
  const changed = JSON.stringify(after) !== JSON.stringify(before);
  if (status >= 300 || ['GET', 'HEAD', 'OPTIONS'].includes(request.method)) {
    assert.equal(changed, false, `an answer without success changes nothing: ${where}`);
  } else if (status === 201) {
    const item = JSON.parse(text) as Row;
    assert.deepEqual(rowProblems(item), [], where);
    if (response.headers['idempotent-replayed'] === 'true') {
      assert.equal(changed, false, `a replay creates nothing: ${where}`);
    } else {
      assert.ok(item.id > ctx.maxId, `new id ${item.id} > every earlier id ${ctx.maxId}: ${where}`);
      assert.deepEqual(after.map(publicView), [...before.map(publicView), item], `exactly the new row: ${where}`);
      assert.equal(response.headers.etag, `"${item.id}-1"`);
      ctx.maxId = item.id;
    }
  } else if (status === 200) {
    const item = JSON.parse(text) as Row;
    assert.deepEqual(rowProblems(item), [], where);
    const old = before.find((row) => row.id === item.id);
    const now = after.find((row) => row.id === item.id);
    assert.ok(old && now, `the updated item exists: ${where}`);
    assert.deepEqual(publicView(now), item, `stored as answered: ${where}`);
    assert.ok(now.version === old.version || now.version === old.version + 1, `version bumped at most once: ${where}`);
    if (old.product !== now.product || old.price !== now.price) assert.equal(now.version, old.version + 1, where);
    assert.equal(response.headers.etag, `"${now.id}-${now.version}"`, where);
    assert.deepEqual(
      after.filter((row) => row.id !== item.id),
      before.filter((row) => row.id !== item.id),
      `no other row changed: ${where}`,
    );
  } else if (status === 204) {
    assert.equal(text, '');
    assert.equal(after.length, before.length - 1, `exactly one row deleted: ${where}`);
    const afterIds = new Set(after.map((row) => row.id));
    assert.deepEqual(
      before.filter((row) => afterIds.has(row.id)),
      after,
      where,
    );
  } else {
    assert.equal(changed, false, where);
  }
  assertRowsValid(after);
  expectation?.(status, after);
}

async function stillUp(app: FastifyInstance, store: TestItems) {
  const health = await app.inject({ method: 'GET', url: '/healthz' });
  assert.equal(health.statusCode, 200);
  assert.equal(health.body, 'OK');
  const list = await app.inject({ method: 'GET', url: '/api/items/' });
  assert.equal(list.statusCode, 200);
  const items = JSON.parse(list.body) as Row[];
  assertRowsValid(items);
  assert.deepEqual(items, (await store.list()).map(publicView), 'the list answers what is stored');
}

// ---- the oracle for item bodies --------------------------------------------------------------

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** The contract's verdict on a product string: the stored value, or undefined when invalid. */
function expectedProduct(value: string): string | undefined {
  const trimmed = contractTrim(value);
  const length = [...trimmed].length;
  if (length < 1 || length > 20 || trimmed.includes('\0') || LONE_SURROGATE.test(trimmed)) return undefined;
  return trimmed;
}

const itemBody = fc.record({
  product: fc.oneof(
    text(24),
    fc.constantFrom(' a ', '\u001c\u001dx\u001f', '\ufeff', '\u200b', 'a\u0000', '\ud800', '😀'.repeat(20)),
    fc.constantFrom('😀'.repeat(21), '\u3000\u3000', 'e\u0301'.repeat(10), 'e\u0301'.repeat(11)),
  ),
  price: fc.oneof(
    fc.integer({ min: -3, max: 2147483650 }),
    fc.constantFrom(0, -0, 2147483647, 2147483648, 1e16, 2 ** 53, 1.5, -1),
  ),
  method: fc.constantFrom('POST', 'PUT', 'PATCH'),
  index: fc.nat(),
});

/** Always run besides the random ones, so that each kind of answer checked below is produced. */
const EVERY_KIND_OF_ANSWER: Array<[FuzzRequest]> = (
  [
    { method: 'GET', path: '/api/items/', body: undefined, contentType: undefined }, // 200
    { method: 'POST', path: '/api/items/', body: '{"product":"a","price":1}', contentType: 'application/json' }, // 201
    { method: 'DELETE', path: { id: { existing: 0, form: '' } }, body: undefined, contentType: undefined }, // 204
    { method: 'POST', path: '/api/items/', body: '{', contentType: 'application/json' }, // 400
    { method: 'GET', path: '/nope/', body: undefined, contentType: undefined }, // 404
    { method: 'PUT', path: '/api/items/', body: undefined, contentType: undefined }, // 405
    { method: 'POST', path: '/api/items/', body: 'x', contentType: 'text/plain' }, // 415
  ] as const
).map((request) => [{ query: '', headers: {}, ...request } as FuzzRequest]);

// ---- the tests -----------------------------------------------------------------------------

for (const backend of backends) {
  describe(`fuzzing the API (${backend})`, () => {
    test('any method, path, query, headers, Content-Type and body: no 5xx, exact database changes', async (t) => {
      const { app, store } = await build(t, backend, { LOG_LEVEL: 'silent' });
      const ctx: Context = { app, store, maxId: 0 };
      let statuses = new Map<number, number>();
      await fc.assert(
        fc.asyncProperty(anyRequest, async (request) => {
          await runOne(ctx, request, (status) => {
            statuses.set(status, (statuses.get(status) ?? 0) + 1);
          });
        }),
        { numRuns: RUNS_ANY, seed: SEED, examples: EVERY_KIND_OF_ANSWER },
      );
      await stillUp(app, store);
      // The generator reaches every kind of answer, so the invariants were exercised.
      statuses = new Map([...statuses].sort(([a], [b]) => a - b));
      for (const status of [200, 201, 204, 400, 404, 405, 415]) {
        assert.ok(statuses.has(status), `status ${status} was produced (${[...statuses.keys()].join(', ')})`);
      }
    });

    test('item bodies: accepted exactly when the contract says, stored trimmed', async (t) => {
      const { app, store } = await build(t, backend, { LOG_LEVEL: 'silent' });
      const ctx: Context = { app, store, maxId: 0 };
      let accepted = 0;
      let rejected = 0;
      await fc.assert(
        fc.asyncProperty(itemBody, async ({ product, price, method: verb, index }) => {
          const payload = JSON.stringify({ product, price });
          const request: FuzzRequest = {
            method: verb,
            path: verb === 'POST' ? '/api/items/' : { id: { existing: index, form: '' } },
            query: '',
            body: payload,
            contentType: 'application/json',
            headers: {},
          };
          const stored = expectedProduct(product);
          const priceValue = JSON.parse(payload).price as number; // -0 is written as 0
          const priceOk = Number.isInteger(priceValue) && priceValue >= 0 && priceValue <= 2147483647;
          await runOne(ctx, request, (status, after) => {
            if (stored !== undefined && priceOk) {
              assert.equal(status, verb === 'POST' ? 201 : 200, `${payload} is valid`);
              accepted++;
              const row = verb === 'POST' ? after.at(-1) : undefined;
              if (row) assert.deepEqual([row.product, row.price], [stored, priceValue]);
            } else {
              assert.equal(status, 400, `${payload} is invalid`);
              rejected++;
            }
          });
        }),
        { numRuns: RUNS_ITEMS, seed: SEED },
      );
      assert.ok(accepted > 20 && rejected > 20, `both outcomes exercised (${accepted} accepted, ${rejected} rejected)`);
      await stillUp(app, store);
    });

    test('invalid percent-encoding in the path gets the contract 404, not the framework error body', async (t) => {
      const decodes = (text: string) => {
        try {
          decodeURIComponent(text);
          return true;
        } catch {
          return false;
        }
      };
      const { app, store } = await build(t, backend, { LOG_LEVEL: 'silent' });
      await store.create({ product: 'kept', price: 1 });
      const bytes = fc.uint8Array({ minLength: 1, maxLength: 4 }).map((b) => percentEncode(b));
      const segment = fc.oneof(bytes, fc.constantFrom('%', '%zz', '%FF', '%C0%80', '%ED%A0%80', '%E2%82', '1%'));
      await fc.assert(
        fc.asyncProperty(
          segment,
          fc.constantFrom('GET', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'),
          fc.boolean(),
          async (seg, verb, onItem) => {
            const url = onItem ? `/api/items/${seg}/` : `/api/${seg}/`;
            const rows = async () => (await store.list()).map((row) => [row.product, row.price]);
            const before = await rows();
            const response = await app.inject({
              method: verb as 'GET',
              url,
              headers: { 'content-type': 'application/json' },
              payload: verb === 'GET' || verb === 'OPTIONS' ? undefined : '{"product":"x","price":1}',
            });
            const where = `${verb} ${url} → ${response.statusCode} ${response.body}`;
            assert.ok(response.statusCode < 500, where);
            assert.doesNotMatch(response.body, /FST_ERR/, `no framework error code: ${where}`);
            assert.equal(response.headers['x-content-type-options'], 'nosniff', where);
            if (!decodes(seg)) {
              // Broken percent-encoding: Django keeps the text as is, which matches nothing → 404.
              assert.equal(response.statusCode, 404, where);
              if (onItem) assert.equal(response.body, '{"detail":"Not found."}', where);
              else assert.match(String(response.headers['content-type']), /^text\/html/, where);
            }
            // A segment that decodes to the item's id (`1`, `%31`) is its URL: a write there may succeed.
            if (response.statusCode >= 300) assert.deepEqual(await rows(), before, `nothing changed: ${where}`);
          },
        ),
        { numRuns: 60, seed: SEED },
      );
      await stillUp(app, store);
    });
  });
}
