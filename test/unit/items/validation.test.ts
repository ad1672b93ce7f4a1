import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ApiError } from '../../../src/http/errors.js';
import { ITEM_FIELDS } from '../../../src/items/fields.js';
import { validateFields } from '../../../src/items/validation.js';

// DRF's rules of the declared fields (fields.ts), through the validation every write goes through.

const invalid = (errors: string[]) => ({ errors });

/** One field's value as a write reads it: the value, or the field's messages. */
function field(name: 'product' | 'price', value: unknown): unknown {
  try {
    return validateFields(ITEM_FIELDS, { [name]: value }, true)[name];
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    return invalid((error.body as Record<string, string[]>)[name] as string[]);
  }
}
const toProduct = (value: unknown) => field('product', value);
const toPrice = (value: unknown) => field('price', value);
const validateItem = (data: Record<string, unknown>, partial: boolean) => validateFields(ITEM_FIELDS, data, partial);

describe('validation of the declared fields', () => {
  test('toProduct', () => {
    const cases: Array<[unknown, unknown]> = [
      ['Apple', 'Apple'],
      ['  Apple\u3000', 'Apple'],
      [123, '123'],
      [12.5, '12.5'],
      [-0, '0'],
      [null, invalid(['This field may not be null.'])],
      ['', invalid(['This field may not be blank.'])],
      ['\x1c\x85', invalid(['This field may not be blank.'])],
      [true, invalid(['Not a valid string.'])],
      [[], invalid(['Not a valid string.'])],
      [{}, invalid(['Not a valid string.'])],
      [undefined, invalid(['Not a valid string.'])],
      ['a'.repeat(21), invalid(['Ensure this field has no more than 20 characters.'])],
      ['\ufeff', '\ufeff'],
      ['x\0', invalid(['Null characters are not allowed.'])],
      ['\udabc', invalid(['Surrogate characters are not allowed: U+DABC.'])],
    ];
    for (const [value, expected] of cases) assert.deepEqual(toProduct(value), expected, String(value));
  });

  test('toPrice', () => {
    const cases: Array<[unknown, unknown]> = [
      [0, 0],
      [-0, 0],
      [15, 15],
      ['12.', 12],
      [' +5 ', 5],
      ['-0', 0],
      ['1_000', 1000],
      [2147483647, 2147483647],
      [2147483648, invalid(['Ensure this value is less than or equal to 2147483647.'])],
      [-1, invalid(['Ensure this value is greater than or equal to 0.'])],
      ['-5', invalid(['Ensure this value is greater than or equal to 0.'])],
      [null, invalid(['This field may not be null.'])],
      ['1'.repeat(1001), invalid(['String value too large.'])],
      ['1'.repeat(1000), invalid(['Ensure this value is less than or equal to 2147483647.'])],
      [12.5, invalid(['A valid integer is required.'])],
      [Number.POSITIVE_INFINITY, invalid(['A valid integer is required.'])],
      [Number.NaN, invalid(['A valid integer is required.'])],
      [true, invalid(['A valid integer is required.'])],
      ['0x10', invalid(['A valid integer is required.'])],
      ['1e3', invalid(['A valid integer is required.'])],
      ['', invalid(['A valid integer is required.'])],
      [[1], invalid(['A valid integer is required.'])],
      [undefined, invalid(['A valid integer is required.'])],
    ];
    for (const [value, expected] of cases) {
      const result = toPrice(value);
      assert.deepEqual(result, expected, String(value));
      if (typeof result === 'number') assert.ok(Object.is(result, Math.abs(result)), 'never -0');
    }
  });

  test('validateItem: all failing fields at once, product first; partial checks only what is there', () => {
    assert.deepEqual(validateItem({ product: ' A ', price: '2' }, false), { product: 'A', price: 2 });
    assert.deepEqual(validateItem({}, true), {});
    assert.deepEqual(validateItem({ price: 3, extra: 1 }, true), { price: 3 });
    const fails = (data: Record<string, unknown>, partial: boolean, body: unknown) =>
      assert.throws(
        () => validateItem(data, partial),
        (error: unknown) =>
          error instanceof ApiError && error.statusCode === 400 && JSON.stringify(error.body) === JSON.stringify(body),
      );
    fails({}, false, { product: ['This field is required.'], price: ['This field is required.'] });
    fails({ price: -1, product: '' }, false, {
      product: ['This field may not be blank.'],
      price: ['Ensure this value is greater than or equal to 0.'],
    });
    fails({ product: null }, true, { product: ['This field may not be null.'] });
    fails({ product: 'ok' }, false, { price: ['This field is required.'] });
  });
});
