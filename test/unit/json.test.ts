import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { compileSerializer, escapeLineSeparators } from '../../src/http/json.js';
import { ITEM_FIELDS } from '../../src/items/fields.js';
import { itemSchemas } from '../../src/items/schema.js';

const { Item } = itemSchemas(ITEM_FIELDS);

describe('JSON writing', () => {
  test('escapeLineSeparators escapes only U+2028 and U+2029', () => {
    assert.equal(escapeLineSeparators('{"a":"b"}'), '{"a":"b"}');
    assert.equal(escapeLineSeparators('"\u2028x\u2029é"'), '"\\u2028x\\u2029é"');
  });

  test('the compiled item serializer is compact, ordered, and escapes line separators', () => {
    const serialize = compileSerializer({ schema: Item });
    assert.equal(
      serialize({ price: 1, product: 'a\u2028ü😀', id: 3, version: 9 }),
      '{"id":3,"product":"a\\u2028ü😀","price":1}',
    );
  });
});
