import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { backends } from '../helpers/backends.js';
import { build } from '../helpers/build.js';
import { ALLOW, expectJson, rows, seed, sendJson } from '../helpers/http.js';

// Contract §5: field validation, with DRF's exact messages, for POST, PUT and PATCH. Values are
// written as JSON text so that lone surrogates, 1e400 and 12.0 reach the server as such.

type Outcome = { stored: string | number } | { errors: string[] };

const BLANK = 'This field may not be blank.';
const NOT_STRING = 'Not a valid string.';
const TOO_LONG = 'Ensure this field has no more than 20 characters.';
const NUL = 'Null characters are not allowed.';
const NOT_INTEGER = 'A valid integer is required.';
const TOO_SMALL = 'Ensure this value is greater than or equal to 0.';
const TOO_BIG = 'Ensure this value is less than or equal to 2147483647.';

/** Every character the contract calls whitespace (Python's str.isspace). */
export const WHITESPACE = [
  ...'\t\n\v\f\r\x1c\x1d\x1e\x1f \x85\xa0\u1680',
  ...Array.from({ length: 11 }, (_, i) => String.fromCharCode(0x2000 + i)),
  '\u2028',
  '\u2029',
  '\u202f',
  '\u205f',
  '\u3000',
];
const hex = (c: string) => `U+${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`;

const PRODUCT_ROWS: Array<[string, string, Outcome]> = [
  ['null', 'null', { errors: ['This field may not be null.'] }],
  ['empty', '""', { errors: [BLANK] }],
  ['spaces', '"   "', { errors: [BLANK] }],
  ['all whitespace kinds together', JSON.stringify(WHITESPACE.join('')), { errors: [BLANK] }],
  ...WHITESPACE.map((c): [string, string, Outcome] => [`only ${hex(c)}`, JSON.stringify(c), { errors: [BLANK] }]),
  ...WHITESPACE.map((c): [string, string, Outcome] => [
    `${hex(c)} trimmed on both sides`,
    JSON.stringify(`${c}x${c}y${c}`),
    { stored: `x${c}y` },
  ]),
  ['U+FEFF is not whitespace', '"\\ufeff"', { stored: '\ufeff' }],
  ['U+200B is not whitespace', '"\\u200b"', { stored: '\u200b' }],
  ['U+FEFF and U+200B kept at the ends', '" \\ufeffx\\u200b "', { stored: '\ufeffx\u200b' }],
  ['U+180E is not whitespace', '"\\u180e"', { stored: '\u180e' }],
  ['true', 'true', { errors: [NOT_STRING] }],
  ['false', 'false', { errors: [NOT_STRING] }],
  ['empty array', '[]', { errors: [NOT_STRING] }],
  ['array', '["Apple"]', { errors: [NOT_STRING] }],
  ['empty object', '{}', { errors: [NOT_STRING] }],
  ['object', '{"name":"Apple"}', { errors: [NOT_STRING] }],
  ['integer becomes text', '123', { stored: '123' }],
  ['zero becomes text', '0', { stored: '0' }],
  ['negative integer becomes text', '-7', { stored: '-7' }],
  ['float becomes text', '12.5', { stored: '12.5' }],
  ['case and inner whitespace kept', '"  Big  APPLE\\tpie "', { stored: 'Big  APPLE\tpie' }],
  ['20 characters', '"abcdefghijklmnopqrst"', { stored: 'abcdefghijklmnopqrst' }],
  ['20 characters after trimming', '"  abcdefghijklmnopqrst\\n"', { stored: 'abcdefghijklmnopqrst' }],
  ['21 characters', '"abcdefghijklmnopqrstu"', { errors: [TOO_LONG] }],
  ['20 emoji (40 UTF-16 units)', JSON.stringify('😀'.repeat(20)), { stored: '😀'.repeat(20) }],
  ['21 emoji', JSON.stringify('😀'.repeat(21)), { errors: [TOO_LONG] }],
  ['10 e + combining accent = 20', JSON.stringify('e\u0301'.repeat(10)), { stored: 'e\u0301'.repeat(10) }],
  ['10 e + combining accent + 1 = 21', JSON.stringify(`${'e\u0301'.repeat(10)}e`), { errors: [TOO_LONG] }],
  ['precomposed é is not normalised', '"\\u00e9"', { stored: '\u00e9' }],
  ['decomposed é is not normalised', '"e\\u0301"', { stored: 'e\u0301' }],
  ['21 digits as a number', '123456789012345678901', { errors: [TOO_LONG] }],
  ['NUL inside', '"a\\u0000b"', { errors: [NUL] }],
  ['NUL alone', '"\\u0000"', { errors: [NUL] }],
  ['21 characters including a NUL', JSON.stringify(`${'a'.repeat(20)}\0`), { errors: [TOO_LONG, NUL] }],
  ['lone high surrogate', '"\\ud800"', { errors: ['Surrogate characters are not allowed: U+D800.'] }],
  ['lone low surrogate', '"\\udc00"', { errors: ['Surrogate characters are not allowed: U+DC00.'] }],
  ['lone surrogate inside', '"ab\\udfffc"', { errors: ['Surrogate characters are not allowed: U+DFFF.'] }],
  [
    'reversed pair: the first lone one',
    '"\\ude00\\ud83d"',
    { errors: ['Surrogate characters are not allowed: U+DE00.'] },
  ],
  ['a valid pair is fine', '"\\ud83d\\ude00"', { stored: '😀' }],
  [
    'length, NUL and surrogate all reported in order',
    JSON.stringify(`${'a'.repeat(20)}\0`).replace(/"$/, '\\ud800"'),
    { errors: [TOO_LONG, NUL, 'Surrogate characters are not allowed: U+D800.'] },
  ],
];

const PRICE_ROWS: Array<[string, string, Outcome]> = [
  ['null', 'null', { errors: ['This field may not be null.'] }],
  ['0', '0', { stored: 0 }],
  ['12', '12', { stored: 12 }],
  ['2147483647', '2147483647', { stored: 2147483647 }],
  ['2147483648', '2147483648', { errors: [TOO_BIG] }],
  ['-1', '-1', { errors: [TOO_SMALL] }],
  ['-2147483649', '-2147483649', { errors: [TOO_SMALL] }],
  ['10^20 literal', '100000000000000000000', { errors: [TOO_BIG] }],
  ['-10^20 literal', '-100000000000000000000', { errors: [TOO_SMALL] }],
  ['12.0', '12.0', { stored: 12 }],
  ['1.5e1', '1.5e1', { stored: 15 }],
  ['1e2', '1e2', { stored: 100 }],
  ['1E2', '1E2', { stored: 100 }],
  ['-0.0', '-0.0', { stored: 0 }],
  ['-0', '-0', { stored: 0 }],
  ['"12"', '"12"', { stored: 12 }],
  ['" 12 "', '" 12 "', { stored: 12 }],
  ['tabs and newlines around', '"\\t12\\n"', { stored: 12 }],
  ['U+3000 around', '"\\u300012\\u3000"', { stored: 12 }],
  ['"+5"', '"+5"', { stored: 5 }],
  ['"-5"', '"-5"', { errors: [TOO_SMALL] }],
  ['"-0"', '"-0"', { stored: 0 }],
  ['"12.0"', '"12.0"', { stored: 12 }],
  ['"12."', '"12."', { stored: 12 }],
  ['"12.000 "', '"12.000 "', { stored: 12 }],
  ['" 12.0 "', '" 12.0 "', { stored: 12 }],
  ['"2147483647"', '"2147483647"', { stored: 2147483647 }],
  ['"2147483648"', '"2147483648"', { errors: [TOO_BIG] }],
  ['a huge digit string', JSON.stringify('9'.repeat(40)), { errors: [TOO_BIG] }],
  ['1000 zeros is 0', JSON.stringify('0'.repeat(1000)), { stored: 0 }],
  ['1001-character string', JSON.stringify('1'.repeat(1001)), { errors: ['String value too large.'] }],
  ['1001 spaces', JSON.stringify(' '.repeat(1001)), { errors: ['String value too large.'] }],
  ['true', 'true', { errors: [NOT_INTEGER] }],
  ['false', 'false', { errors: [NOT_INTEGER] }],
  ['[]', '[]', { errors: [NOT_INTEGER] }],
  ['[1]', '[1]', { errors: [NOT_INTEGER] }],
  ['{}', '{}', { errors: [NOT_INTEGER] }],
  ['object', '{"value":1}', { errors: [NOT_INTEGER] }],
  ['""', '""', { errors: [NOT_INTEGER] }],
  ['whitespace only', '"   "', { errors: [NOT_INTEGER] }],
  ['"12.5"', '"12.5"', { errors: [NOT_INTEGER] }],
  ['12.5', '12.5', { errors: [NOT_INTEGER] }],
  ['0.5', '0.5', { errors: [NOT_INTEGER] }],
  ['"1e3"', '"1e3"', { errors: [NOT_INTEGER] }],
  ['"0x10"', '"0x10"', { errors: [NOT_INTEGER] }],
  ['"abc"', '"abc"', { errors: [NOT_INTEGER] }],
  ['"1 2"', '"1 2"', { errors: [NOT_INTEGER] }],
  ['"12.0.0"', '"12.0.0"', { errors: [NOT_INTEGER] }],
  ['"."', '"."', { errors: [NOT_INTEGER] }],
  ['"+"', '"+"', { errors: [NOT_INTEGER] }],
  ['1e400 (infinite)', '1e400', { errors: [NOT_INTEGER] }],
  ['-1e400', '-1e400', { errors: [NOT_INTEGER] }],
];

const itemBody = (product: string, price: string) => `{"product":${product},"price":${price}}`;

for (const backend of backends) {
  describe(`validation (${backend})`, () => {
    test('product: every row of §5.2 on POST, PUT and PATCH', async (t) => {
      const { app, store } = await build(t, backend);
      const [target] = await seed(store, { product: 'Original', price: 1 });
      assert.ok(target);
      for (const [name, value, outcome] of PRODUCT_ROWS) {
        await t.test(name, async () => {
          const before = await rows(store);
          const post = await sendJson(app, 'POST', '/api/items/', itemBody(value, '5'));
          if ('errors' in outcome) {
            expectJson(post, 400, { product: outcome.errors }, ALLOW.list);
            for (const method of ['PUT', 'PATCH']) {
              const body = method === 'PUT' ? itemBody(value, '5') : `{"product":${value}}`;
              expectJson(await sendJson(app, method, '/api/items/1/', body), 400, { product: outcome.errors });
            }
            assert.deepEqual(await rows(store), before, 'nothing stored');
            return;
          }
          const created = post.json() as { id: number };
          expectJson(post, 201, { id: created.id, product: outcome.stored, price: 5 }, ALLOW.list);
          assert.deepEqual(await store.get(created.id), {
            id: created.id,
            product: outcome.stored,
            price: 5,
            version: 1,
          });
          const put = await sendJson(app, 'PUT', '/api/items/1/', itemBody(value, '6'));
          expectJson(put, 200, { id: 1, product: outcome.stored, price: 6 });
          await sendJson(app, 'PUT', '/api/items/1/', { product: 'Original', price: 1 });
          const patch = await sendJson(app, 'PATCH', '/api/items/1/', `{"product":${value}}`);
          expectJson(patch, 200, { id: 1, product: outcome.stored, price: 1 });
          assert.equal((await store.get(1))?.product, outcome.stored);
          await sendJson(app, 'PUT', '/api/items/1/', { product: 'Original', price: 1 });
        });
      }
    });

    test('price: every row of §5.3 on POST, PUT and PATCH', async (t) => {
      const { app, store } = await build(t, backend);
      await seed(store, { product: 'Original', price: 1 });
      for (const [name, value, outcome] of PRICE_ROWS) {
        await t.test(name, async () => {
          const before = await rows(store);
          const post = await sendJson(app, 'POST', '/api/items/', itemBody('"P"', value));
          if ('errors' in outcome) {
            expectJson(post, 400, { price: outcome.errors }, ALLOW.list);
            expectJson(await sendJson(app, 'PUT', '/api/items/1/', itemBody('"P"', value)), 400, {
              price: outcome.errors,
            });
            expectJson(await sendJson(app, 'PATCH', '/api/items/1/', `{"price":${value}}`), 400, {
              price: outcome.errors,
            });
            assert.deepEqual(await rows(store), before, 'nothing stored');
            return;
          }
          const created = post.json() as { id: number };
          expectJson(post, 201, { id: created.id, product: 'P', price: outcome.stored }, ALLOW.list);
          assert.deepEqual(await store.get(created.id), {
            id: created.id,
            product: 'P',
            price: outcome.stored,
            version: 1,
          });
          expectJson(await sendJson(app, 'PATCH', '/api/items/1/', `{"price":${value}}`), 200, {
            id: 1,
            product: 'Original',
            price: outcome.stored,
          });
          expectJson(await sendJson(app, 'PUT', '/api/items/1/', itemBody('"Original"', value)), 200, {
            id: 1,
            product: 'Original',
            price: outcome.stored,
          });
          assert.equal((await store.get(1))?.price, outcome.stored);
          await sendJson(app, 'PUT', '/api/items/1/', { product: 'Original', price: 1 });
        });
      }
    });

    test('price 1e20 (a fraction/exponent number ≥ 10^16) is rejected either way', async (t) => {
      const { app, store } = await build(t, backend);
      for (const value of ['1e20', '1.0e20', '-1e20', '1e16']) {
        const res = await sendJson(app, 'POST', '/api/items/', itemBody('"x"', value));
        assert.equal(res.status, 400, value);
        const { price } = res.json() as { price: string[] };
        assert.ok(
          [[NOT_INTEGER], [TOO_BIG], [TOO_SMALL]].some((m) => JSON.stringify(m) === JSON.stringify(price)),
          `${value}: ${res.body}`,
        );
      }
      assert.deepEqual(await store.list(), []);
    });

    test('all failing fields at once, product before price whatever the body order', async (t) => {
      const { app, store } = await build(t, backend);
      await seed(store, { product: 'Apple', price: 100 });
      const both = { product: [BLANK], price: [TOO_SMALL] };
      for (const [method, url] of [
        ['POST', '/api/items/'],
        ['PUT', '/api/items/1/'],
        ['PATCH', '/api/items/1/'],
      ] as const) {
        const res = await sendJson(app, method, url, '{"price":-1,"product":""}');
        expectJson(res, 400, both);
        assert.equal(
          res.body,
          '{"product":["This field may not be blank."],"price":["Ensure this value is greater than or equal to 0."]}',
        );
      }
      expectJson(await sendJson(app, 'POST', '/api/items/', '{"price":true,"product":null}'), 400, {
        product: ['This field may not be null.'],
        price: [NOT_INTEGER],
      });
      assert.deepEqual(await store.list(), [{ id: 1, product: 'Apple', price: 100, version: 1 }]);
    });

    test('PUT requires both fields; PATCH checks only the fields present', async (t) => {
      const { app, store } = await build(t, backend);
      await seed(store, { product: 'Apple', price: 100 });
      const required = 'This field is required.';
      expectJson(await sendJson(app, 'PUT', '/api/items/1/', {}), 400, { product: [required], price: [required] });
      expectJson(await sendJson(app, 'PUT', '/api/items/1/', { product: 'Pear' }), 400, { price: [required] });
      expectJson(await sendJson(app, 'PUT', '/api/items/1/', { price: 5 }), 400, { product: [required] });
      expectJson(await sendJson(app, 'PUT', '/api/items/1/', { product: '', price: 5 }), 400, { product: [BLANK] });
      expectJson(await sendJson(app, 'PATCH', '/api/items/1/', { product: '' }), 400, { product: [BLANK] });
      expectJson(await sendJson(app, 'PATCH', '/api/items/1/', { price: 'x' }), 400, { price: [NOT_INTEGER] });
      expectJson(await sendJson(app, 'PATCH', '/api/items/1/', { product: null, price: null }), 400, {
        product: ['This field may not be null.'],
        price: ['This field may not be null.'],
      });
      // One valid and one invalid field: nothing at all changes.
      expectJson(await sendJson(app, 'PATCH', '/api/items/1/', { product: 'Pear', price: -3 }), 400, {
        price: [TOO_SMALL],
      });
      expectJson(await sendJson(app, 'PUT', '/api/items/1/', { product: 'Pear', price: 'abc' }), 400, {
        price: [NOT_INTEGER],
      });
      expectJson(await sendJson(app, 'POST', '/api/items/', { product: 'Pear', price: -3 }), 400, {
        price: [TOO_SMALL],
      });
      assert.deepEqual(await store.list(), [{ id: 1, product: 'Apple', price: 100, version: 1 }]);
      expectJson(await sendJson(app, 'PATCH', '/api/items/1/', {}), 200, { id: 1, product: 'Apple', price: 100 });
      assert.deepEqual(await store.list(), [{ id: 1, product: 'Apple', price: 100, version: 1 }]);
      expectJson(await sendJson(app, 'PATCH', '/api/items/1/', { product: ' Pear ' }), 200, {
        id: 1,
        product: 'Pear',
        price: 100,
      });
      assert.deepEqual(await store.list(), [{ id: 1, product: 'Pear', price: 100, version: 2 }]);
    });

    test('duplicates are allowed and case is preserved', async (t) => {
      const { app, store } = await build(t, backend);
      for (const product of ['apple', 'Apple', 'apple']) {
        assert.equal((await sendJson(app, 'POST', '/api/items/', { product, price: 1 })).status, 201);
      }
      assert.deepEqual(await rows(store), [
        { id: 1, product: 'apple', price: 1 },
        { id: 2, product: 'Apple', price: 1 },
        { id: 3, product: 'apple', price: 1 },
      ]);
    });
  });
}
