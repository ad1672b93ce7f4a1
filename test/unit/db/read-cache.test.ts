import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CompiledQuery, type QueryResult } from 'kysely';
import { readCache } from '../../../src/db/read-cache.js';

// Reads answered from memory while the change token is the same; asked again under a new token;
// straight to the database while the data churns.

function fakeDatabase() {
  let token = 't1';
  let version = 1;
  const ran: string[] = [];
  const tokensRead: string[] = [];
  let clock = 0;
  const run = async <R>(query: CompiledQuery): Promise<QueryResult<R>> => {
    ran.push(`${query.sql} ${query.parameters.join(',')}`);
    if (query.sql === 'fail') throw new Error('query failed');
    const count = query.sql === 'many' ? 101 : 1;
    return { rows: Array.from({ length: count }, () => ({ id: query.parameters[0], version }) as R) };
  };
  const changeToken = async () => {
    tokensRead.push(token);
    return token;
  };
  const read = readCache(changeToken, run, { now: () => clock });
  return {
    read,
    ran,
    tokensRead,
    write: () => {
      version++;
      token = `t${version}`;
    },
    advance: (ms: number) => {
      clock += ms;
    },
  };
}

const byId = (id: number) => CompiledQuery.raw('select * from items where id = ?', [id]);

test('the same read under the same token is answered from memory, with the same rows', async () => {
  const db = fakeDatabase();
  const first = await db.read(byId(7));
  const second = await db.read(byId(7));
  assert.deepEqual(second.rows, [{ id: 7, version: 1 }]);
  assert.equal(second, first);
  assert.equal(db.ran.length, 1, 'the database was asked once');
  assert.equal(db.tokensRead.length, 2, 'the token was asked every time');
  assert.ok(Object.isFrozen(first.rows[0]), 'shared rows cannot be changed');
  await db.read(byId(8));
  assert.equal(db.ran.length, 2, 'another parameter is another read');
});

test('after a write (a new token) the read goes to the database again', async () => {
  const db = fakeDatabase();
  await db.read(byId(7));
  db.write();
  assert.deepEqual((await db.read(byId(7))).rows, [{ id: 7, version: 2 }]);
  assert.equal(db.ran.length, 2);
});

test('a failed read and an answer of too many rows are not kept', async () => {
  const db = fakeDatabase();
  await assert.rejects(db.read(CompiledQuery.raw('fail')), /query failed/);
  await assert.rejects(db.read(CompiledQuery.raw('fail')), /query failed/);
  await db.read(CompiledQuery.raw('many'));
  await db.read(CompiledQuery.raw('many'));
  assert.equal(db.ran.length, 4);
});

test('while the data churns, reads skip the token for a while, then try it again', async () => {
  const db = fakeDatabase();
  for (let n = 0; n < 32; n++) {
    if (n % 8 === 0) db.write();
    await db.read(byId(1));
  }
  const tokensAsked = db.tokensRead.length;
  assert.equal(tokensAsked, 32);
  await db.read(byId(1));
  await db.read(byId(1));
  assert.equal(db.tokensRead.length, tokensAsked, 'no token asked while bypassing');
  assert.equal(db.ran.at(-1), 'select * from items where id = ? 1');
  const ranWhileBypassing = db.ran.length;
  db.advance(1001);
  await db.read(byId(1));
  await db.read(byId(1));
  assert.equal(db.tokensRead.length, tokensAsked + 2, 'the token is asked again');
  assert.equal(db.ran.length, ranWhileBypassing, 'and answers from memory again: nothing was written meanwhile');
});

test('a quiet database never bypasses: reads of many rows under one token stay in memory', async () => {
  const db = fakeDatabase();
  for (let n = 0; n < 100; n++) await db.read(byId(n % 10));
  assert.equal(db.tokensRead.length, 100);
  assert.equal(db.ran.length, 10);
});
