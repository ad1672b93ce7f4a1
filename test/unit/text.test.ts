import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  countCodePoints,
  firstLoneSurrogate,
  hasMoreCodePoints,
  isWhitespace,
  trimWhitespace,
  WHITESPACE_CLASS,
} from '../../src/http/text.js';
import { cpuTimeOf } from '../helpers/cpu-time.js';

// Python's str.isspace() over the BMP, as the contract lists it (§5.2).
const PYTHON_WHITESPACE = new Set([
  0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x1c, 0x1d, 0x1e, 0x1f, 0x20, 0x85, 0xa0, 0x1680, 0x2000, 0x2001, 0x2002, 0x2003,
  0x2004, 0x2005, 0x2006, 0x2007, 0x2008, 0x2009, 0x200a, 0x2028, 0x2029, 0x202f, 0x205f, 0x3000,
]);

describe('text: whitespace, trimming, code points, surrogates', () => {
  test('isWhitespace and trimming agree with Python on every BMP code point', () => {
    const wrong: string[] = [];
    for (let code = 0; code <= 0xffff; code++) {
      const c = String.fromCharCode(code);
      if (isWhitespace(code) !== PYTHON_WHITESPACE.has(code)) wrong.push(code.toString(16));
      if ((trimWhitespace(`${c}${c}`) === '') !== PYTHON_WHITESPACE.has(code)) wrong.push(`${code.toString(16)} x2`);
    }
    assert.deepEqual(wrong, []);
  });

  test('trimming takes time linear in the text, whatever whitespace it holds', async () => {
    // A backtracking regex took 14 s on 100,000 inner spaces: every inner run was scanned again.
    // One pass takes well under a millisecond.
    for (const inner of [' ', '\u3000', ' \t']) {
      const text = `a${inner.repeat(100_000)}a`;
      const cpu = await cpuTimeOf(() => {
        assert.equal(trimWhitespace(` ${text}\n`), text);
        assert.equal(trimWhitespace(inner.repeat(100_000)), '');
      });
      assert.ok(cpu < 500, `${JSON.stringify(inner)}: ${cpu} ms of CPU`);
    }
  });

  test('hasMoreCodePoints stops counting past the limit', async () => {
    assert.equal(hasMoreCodePoints('a'.repeat(20), 20), false);
    assert.equal(hasMoreCodePoints('a'.repeat(21), 20), true);
    assert.equal(hasMoreCodePoints('😀'.repeat(20), 20), false);
    assert.equal(hasMoreCodePoints('😀'.repeat(21), 20), true);
    assert.equal(hasMoreCodePoints('\ud800'.repeat(21), 20), true, 'lone surrogates count one each');
    const huge = '😀'.repeat(5_000_000);
    const cpu = await cpuTimeOf(() => assert.equal(hasMoreCodePoints(huge, 20), true));
    assert.ok(cpu < 50, `not counted (counting takes tens of ms): ${cpu} ms of CPU`);
  });

  test('trimWhitespace removes exactly the contract whitespace at both ends', () => {
    const cases: Array<[string, string]> = [
      ['', ''],
      ['abc', 'abc'],
      ['  abc  ', 'abc'],
      ['\x1c\x1d\x1e\x1fabc\x85\xa0', 'abc'],
      ['\u3000a b\u3000', 'a b'],
      ['\ufeffabc\ufeff', '\ufeffabc\ufeff'],
      ['\u200babc\u200b', '\u200babc\u200b'],
      [' a \n b ', 'a \n b'],
      ['\u2028\u2029x\u202f\u205f', 'x'],
      ['   ', ''],
    ];
    for (const [input, output] of cases) assert.equal(trimWhitespace(input), output, JSON.stringify(input));
    for (const code of PYTHON_WHITESPACE) {
      const c = String.fromCharCode(code);
      assert.equal(trimWhitespace(`${c}x${c}`), 'x', code.toString(16));
    }
  });

  test('WHITESPACE_CLASS compiles into a character class', () => {
    assert.ok(new RegExp(`^[${WHITESPACE_CLASS}]$`).test('\u3000'));
    assert.ok(!new RegExp(`^[${WHITESPACE_CLASS}]$`).test('\ufeff'));
  });

  test('countCodePoints counts code points, not UTF-16 units', () => {
    const cases: Array<[string, number]> = [
      ['', 0],
      ['a', 1],
      ['\ud800', 1],
      ['abc', 3],
      ['😀', 1],
      ['😀'.repeat(20), 20],
      ['e\u0301', 2],
      ['\ud800\ud800', 2],
      ['\udc00\ud800', 2],
      ['a\ud83d', 2],
      ['\ud83d\ude00\ud83d', 2],
      ['日本語', 3],
    ];
    for (const [text, count] of cases) assert.equal(countCodePoints(text), count, JSON.stringify(text));
  });

  test('firstLoneSurrogate finds the first unpaired surrogate', () => {
    const cases: Array<[string, number | undefined]> = [
      ['', undefined],
      ['abc', undefined],
      ['😀', undefined],
      ['\ud800', 0xd800],
      ['\udc00', 0xdc00],
      ['a\udbffb', 0xdbff],
      ['😀\udfff', 0xdfff],
      ['\ude00\ud83d', 0xde00],
      ['\ud83d\ud83d\ude00', 0xd83d],
    ];
    for (const [text, code] of cases) assert.equal(firstLoneSurrogate(text), code, JSON.stringify(text));
  });
});
