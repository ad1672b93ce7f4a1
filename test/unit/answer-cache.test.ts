import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createAnswerCache } from '../../src/items/answer-cache.js';

const list = (text: string) => ({ body: Buffer.from(text), etag: `"${text.length}"` });

test('a cached list is served only for the database state it was rendered in', () => {
  const cache = createAnswerCache();
  cache.set('all', 'v1', list('[1]'));
  assert.deepEqual(cache.get('all', 'v1'), list('[1]'));
  assert.equal(cache.get('all', 'v2'), undefined, 'another state: no answer from the cache');
  cache.set('all', 'v2', list('[1,2]'));
  assert.deepEqual(cache.get('all', 'v2'), list('[1,2]'));
  assert.equal(cache.get('all', 'v1'), undefined, 'the older state was replaced');
  assert.equal(cache.get('other', 'v2'), undefined);
});

test('the cache is bounded: oversized answers are not kept, the oldest go first', () => {
  const cache = createAnswerCache();
  cache.set('huge', 'v', list('x'.repeat(5 * 1024 * 1024)));
  assert.equal(cache.get('huge', 'v'), undefined, 'an answer over 4 MB is not cached');
  const body = 'y'.repeat(3 * 1024 * 1024);
  for (let i = 0; i < 12; i++) cache.set(`k${i}`, 'v', list(body));
  // 32 MB hold ten 3 MB answers: the first two went out, the last ten are there.
  assert.equal(cache.get('k0', 'v'), undefined);
  assert.equal(cache.get('k1', 'v'), undefined);
  for (let i = 2; i < 12; i++) assert.equal(cache.get(`k${i}`, 'v')?.body.length, body.length, `k${i}`);
  for (let i = 0; i < 3000; i++) cache.set(`small${i}`, 'v', list('[]'));
  assert.equal(cache.get('small0', 'v'), undefined, 'at most 2048 entries');
  assert.deepEqual(cache.get('small2999', 'v'), list('[]'));
});

test('the cache drops the least recently used answer, not the oldest written', () => {
  const cache = createAnswerCache();
  const body = 'z'.repeat(3 * 1024 * 1024);
  for (let i = 0; i < 10; i++) cache.set(`k${i}`, 'v', list(body));
  assert.ok(cache.get('k0', 'v'), 'k0 read: now the most recently used');
  cache.set('k10', 'v', list(body));
  assert.ok(cache.get('k0', 'v'), 'k0 kept');
  assert.equal(cache.get('k1', 'v'), undefined, 'k1, the least recently used, went out');
});
