import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { nestsDeeperThan, parseBytes } from '../../src/http/body-parsers.js';

const deeper = (text: string, limit: number) => nestsDeeperThan(Buffer.from(text), limit);

describe('JSON nesting depth', () => {
  test('arrays and objects count alike, up to the limit and one past it', () => {
    assert.equal(deeper('[{"a":[1]}]', 3), false);
    assert.equal(deeper('[{"a":[[1]]}]', 3), true);
    assert.equal(deeper(`${'['.repeat(5)}${']'.repeat(5)}[[]]`, 5), false, 'depth falls back as levels close');
    assert.equal(deeper('['.repeat(6), 5), true, 'unclosed levels count too');
  });

  test('brackets inside strings do not count, escaped quotes do not end them', () => {
    assert.equal(deeper(`{"a":"${'['.repeat(50)}"}`, 2), false);
    assert.equal(deeper(`["\\"${'{'.repeat(50)}"]`, 2), false, 'an escaped quote inside the string');
    assert.equal(deeper(`["\\\\",[[[1]]]]`, 3), true, 'an escaped backslash: the quote after it ends the string');
    assert.equal(deeper(`["${'['.repeat(50)}`, 2), false, 'an unterminated string runs to the end');
  });

  test('a body past 1000 levels is a JSON parse error before it is parsed; 1000 levels parse', async () => {
    const parse = (text: string) => parseBytes(Buffer.from(text), 'application/json', 'application/json', ['product']);
    const atLimit = `{"product":${'['.repeat(999)}${']'.repeat(999)}}`;
    assert.deepEqual(await parse(atLimit), { data: { product: [] } });
    assert.deepEqual(await parse(`{"product":${'['.repeat(1000)}${']'.repeat(1000)}}`), {
      failure: { statusCode: 400, body: { detail: 'JSON parse error - Nested deeper than 1000 levels' } },
    });
  });
});
