import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ApiError } from '../../src/http/errors.js';
import { parseItemId } from '../../src/items/item-id.js';

describe('parseItemId', () => {
  test('integers, Python style, resolve by value', () => {
    const cases: Array<[string, number]> = [
      ['1', 1],
      ['42', 42],
      ['01', 1],
      ['+7', 7],
      [' 3 ', 3],
      ['\u30005', 5],
      ['1_000', 1000],
      ['9007199254740991', 9007199254740991],
    ];
    for (const [segment, id] of cases) assert.equal(parseItemId(segment), id, segment);
  });

  test('"Not found." for what is not an integer, "No Item matches…" for integers without an item', () => {
    const expect = (segment: string, detail: string) =>
      assert.throws(
        () => parseItemId(segment),
        (error: unknown) => error instanceof ApiError && error.statusCode === 404 && error.body.detail === detail,
        segment,
      );
    for (const segment of ['abc', '', ' ', '1a', '1.0', '1e3', '0x1', '_1', '1_', '1__0', '--1', '١']) {
      expect(segment, 'Not found.');
    }
    for (const segment of ['0', '-0', '-1', '+0', '9007199254740992', '9223372036854775808', '9'.repeat(40)]) {
      expect(segment, 'No Item matches the given query.');
    }
  });
});
