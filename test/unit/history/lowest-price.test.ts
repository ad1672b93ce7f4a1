import assert from 'node:assert/strict';
import { test } from 'node:test';
import { lowestPrice } from '../../../src/history/lowest-price.js';
import type { Change, ChangeKind } from '../../../src/history/repository.js';
import { isoOfMicros, microsOfIso } from '../../../src/history/time.js';

// The window's arithmetic, exact to the microsecond (the API test moves entries in days).

let seq = 0;
const entry = (at: number, price: number, kind: ChangeKind = 'updated'): Change => ({
  seq: ++seq,
  item_id: 1,
  version: seq,
  kind,
  product: 'Tea',
  price,
  at,
});

test('a change exactly at the window’s edge is the price in effect when it opens; the one it replaced is not', () => {
  const from = 1_000_000;
  assert.deepEqual(lowestPrice([entry(from, 300), entry(from + 5, 400)], from), { price: 300, at: from });
  // entriesFrom gives the newest entry at or before `from` first: the one before it never reaches here.
  assert.deepEqual(lowestPrice([entry(from - 1, 100), entry(from, 300)], from), { price: 300, at: from });
});

test('created inside the window: its prices only; a delete ends the prices', () => {
  assert.deepEqual(lowestPrice([entry(10, 500, 'created'), entry(20, 600)], 5), { price: 500, at: 10 });
  assert.equal(lowestPrice([entry(1, 500, 'created'), entry(2, 500, 'deleted')], 5), undefined);
  assert.deepEqual(lowestPrice([entry(1, 500, 'imported'), entry(7, 500, 'deleted')], 5), { price: 500, at: 1 });
});

test('several changes in one second count; two in the same instant (one transaction): only the last', () => {
  const s = 1_700_000_000_000_000;
  assert.equal(lowestPrice([entry(s, 700), entry(s + 1, 100), entry(s + 999_999, 800)], s)?.price, 100);
  assert.equal(lowestPrice([entry(s, 700), entry(s + 5, 100), entry(s + 5, 800)], s)?.price, 700);
});

test('ties: the latest time the lowest price took effect', () => {
  assert.deepEqual(lowestPrice([entry(1, 100), entry(5, 200), entry(9, 100)], 0), { price: 100, at: 9 });
});

test('ISO 8601 in and out, to the microsecond', () => {
  assert.equal(isoOfMicros(1_700_000_000_123_456), '2023-11-14T22:13:20.123456Z');
  assert.equal(microsOfIso('2023-11-14T22:13:20.123456Z'), 1_700_000_000_123_456);
  assert.equal(microsOfIso('2023-11-14T23:13:20.123456+01:00'), 1_700_000_000_123_456);
  assert.equal(microsOfIso('2023-11-14 22:13:20.1'), 1_700_000_000_100_000);
  assert.equal(microsOfIso('2023-11-14'), Date.UTC(2023, 10, 14) * 1000);
  for (const bad of ['2023-02-29', '2023-11-14T25:00', 'yesterday', '2023-11-14T22:13:20.1234567Z', '']) {
    assert.equal(microsOfIso(bad), undefined, bad);
  }
});
