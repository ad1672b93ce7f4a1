import assert from 'node:assert/strict';
import { test } from 'node:test';
import { coalesced } from '../../../src/db/coalesced.js';

// The PostgreSQL change token is read through coalesced(): callers share reads, but every caller
// gets a value read after it asked.

/** Lets the event loop turn until `done()` holds (at most 20 turns). */
async function turnsUntil(done: () => boolean): Promise<void> {
  for (let turn = 0; turn < 20 && !done(); turn++) await new Promise((resolve) => setImmediate(resolve));
  assert.ok(done(), 'within 20 turns of the event loop');
}

/** A read the test answers by hand: each call is one pending read, answered in order. */
function manualReads() {
  const pending: Array<{ resolve: (value: number) => void; reject: (error: Error) => void }> = [];
  let count = 0;
  const read = () => {
    count++;
    return new Promise<number>((resolve, reject) => pending.push({ resolve, reject }));
  };
  /** Answers the oldest pending read, once it has been sent. */
  const answer = async (value: number) => {
    await turnsUntil(() => pending.length > 0);
    pending.shift()?.resolve(value);
  };
  const fail = async (error: Error) => {
    await turnsUntil(() => pending.length > 0);
    pending.shift()?.reject(error);
  };
  return { read, answer, fail, reads: () => count, pending: () => pending.length };
}

test('callers in the same turn share one read, sent after they asked', async () => {
  const reads = manualReads();
  const token = coalesced(reads.read);
  const callers = [token(), token(), token()];
  assert.equal(reads.reads(), 0, 'not sent in the turn the callers asked in');
  await reads.answer(1);
  assert.deepEqual(await Promise.all(callers), [1, 1, 1]);
  assert.equal(reads.reads(), 1);
});

test('callers during a read share the next one, sent after they asked', async () => {
  const reads = manualReads();
  const token = coalesced(reads.read);
  const first = token();
  await turnsUntil(() => reads.reads() === 1);
  const during = [token(), token(), token()];
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(reads.reads(), 1, 'one read on its way; the others wait for the next');
  await reads.answer(1);
  assert.equal(await first, 1);
  await reads.answer(2);
  assert.equal(reads.reads(), 2, 'the waiting callers share one new read');
  assert.deepEqual(await Promise.all(during), [2, 2, 2], 'never the read that was sent before they asked');
});

test('a failed read fails its callers only; the next caller reads again', async () => {
  const reads = manualReads();
  const token = coalesced(reads.read);
  const first = token();
  await turnsUntil(() => reads.reads() === 1);
  const waiting = token();
  await reads.fail(new Error('connection lost'));
  await assert.rejects(first, /connection lost/);
  await reads.answer(7);
  assert.equal(await waiting, 7, 'the queued read is still sent');
  const later = token();
  await reads.answer(8);
  assert.equal(await later, 8);
  assert.equal(reads.reads(), 3);
  assert.equal(reads.pending(), 0);
});
