import assert from 'node:assert/strict';
import { Agent } from 'node:http';
import { describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { openDatabase } from '../../src/db/database.js';
import { STALE } from '../../src/items/repository/items.js';
import { itemDb } from '../../src/items/repository/tables.js';
import { migrate } from '../../src/migrations.js';
import { backends, createPostgresDatabase, postgresAvailable } from '../helpers/backends.js';
import { build } from '../helpers/build.js';
import { itemsIn, type TestItems } from '../helpers/items.js';
import { httpCall, waitFor } from '../helpers/reliability.js';
import { startServer } from '../helpers/server-process.js';

// Two editors must not silently overwrite each other (ETag / If-Match, compare-and-set in the
// database), conditional GETs answer 304, and a retried POST with an Idempotency-Key creates one
// item however many retries race, on one process or across processes.

type Item = { id: number; product: string; price: number };

async function req(app: FastifyInstance, method: string, url: string, body?: unknown, headers = {}) {
  const response = await app.inject({
    method: method as 'GET',
    url,
    headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
    payload: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: response.statusCode, headers: response.headers, body: response.body };
}

const detailOf = (body: string) => {
  const parsed = JSON.parse(body) as Record<string, unknown>;
  assert.deepEqual(Object.keys(parsed), ['detail'], body);
  assert.equal(typeof parsed.detail, 'string');
  return parsed.detail as string;
};

async function stored(store: TestItems) {
  return (await store.list()).map(({ id, product, price, version }) => ({ id, product, price, version }));
}

for (const backend of backends) {
  describe(`conditional requests (${backend})`, () => {
    test('lost update: two editors PATCH with the ETag they read; one wins, the other gets 412', async (t) => {
      const { app, store } = await build(t, backend, { LOG_LEVEL: 'silent' });
      for (let round = 0; round < 10; round++) {
        const item = await store.create({ product: `race ${round}`, price: 100 });
        const [a, b] = await Promise.all([
          req(app, 'GET', `/api/items/${item.id}/`),
          req(app, 'GET', `/api/items/${item.id}/`),
        ]);
        assert.ok(a && b);
        assert.equal(a.headers.etag, `"${item.id}-1"`);
        assert.equal(b.headers.etag, a.headers.etag);
        const [first, second] = await Promise.all([
          req(app, 'PATCH', `/api/items/${item.id}/`, { price: 1 }, { 'if-match': String(a.headers.etag) }),
          req(app, 'PATCH', `/api/items/${item.id}/`, { price: 2 }, { 'if-match': String(b.headers.etag) }),
        ]);
        const answers = [first, second];
        const winners = answers.filter((r) => r.status === 200);
        const losers = answers.filter((r) => r.status === 412);
        assert.equal(winners.length, 1, `exactly one 200: ${answers.map((r) => r.status)}`);
        assert.equal(losers.length, 1, 'the other 412');
        const winner = JSON.parse(winners[0]?.body ?? '') as Item;
        assert.match(detailOf(losers[0]?.body ?? ''), /changed/);
        assert.equal(winners[0]?.headers.etag, `"${item.id}-2"`, 'the winner gets the new ETag');
        assert.deepEqual(await store.get(item.id), { ...winner, version: 2 }, 'winner stored, version bumped once');
        // The loser, told so, reads again and retries with the new ETag: now it wins.
        const fresh = await req(app, 'GET', `/api/items/${item.id}/`);
        const retry = await req(
          app,
          'PATCH',
          `/api/items/${item.id}/`,
          { price: 3 },
          { 'if-match': String(fresh.headers.etag) },
        );
        assert.equal(retry.status, 200);
        assert.equal((await store.get(item.id))?.version, 3);
      }
    });

    test('ten concurrent PATCHes with one ETag over real HTTP: one 200, nine 412', async (t) => {
      const { app, store } = await build(t, backend, { LOG_LEVEL: 'silent' });
      await app.listen({ port: 0, host: '127.0.0.1' });
      const { port } = app.server.address() as { port: number };
      const agent = new Agent({ keepAlive: true, maxSockets: 10 });
      t.after(() => agent.destroy());
      for (let round = 0; round < 5; round++) {
        const item = await store.create({ product: `many ${round}`, price: 0 });
        const answers = await Promise.all(
          Array.from({ length: 10 }, (_, i) =>
            httpCall(port, 'PATCH', `/api/items/${item.id}/`, {
              body: { price: i + 1 },
              headers: { 'if-match': `"${item.id}-1"` },
              agent,
            }),
          ),
        );
        const statuses = answers.map((a) => (a.kind === 'answer' ? a.status : a.code));
        assert.equal(statuses.filter((s) => s === 200).length, 1, `${statuses}`);
        assert.equal(statuses.filter((s) => s === 412).length, 9, `${statuses}`);
        const win = answers.find((a) => a.kind === 'answer' && a.status === 200);
        const winner = JSON.parse(win?.kind === 'answer' ? win.body : '') as Item;
        assert.deepEqual(await store.get(item.id), { ...winner, version: 2 });
      }
    });

    test('the compare-and-set in the store is atomic: one of 20 concurrent updates applies', async (t) => {
      const { store } = await build(t, backend, { LOG_LEVEL: 'silent' });
      const item = await store.create({ product: 'cas', price: 0 });
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) => store.update(item.id, { price: i + 1 }, item.version)),
      );
      const applied = results.filter((r) => r !== STALE && r !== undefined);
      assert.equal(applied.length, 1, 'exactly one applied');
      assert.equal(results.filter((r) => r === STALE).length, 19, 'the others are stale');
      assert.deepEqual(await store.get(item.id), applied[0]);
      assert.equal((await store.get(item.id))?.version, 2);
    });

    test('DELETE vs PATCH with the same ETag: exactly one wins', async (t) => {
      const { app, store } = await build(t, backend, { LOG_LEVEL: 'silent' });
      const outcomes = new Set<string>();
      for (let round = 0; round < 10; round++) {
        const item = await store.create({ product: `dvp ${round}`, price: 5 });
        const etag = `"${item.id}-1"`;
        const calls = [
          req(app, 'DELETE', `/api/items/${item.id}/`, undefined, { 'if-match': etag }),
          req(app, 'PATCH', `/api/items/${item.id}/`, { price: 6 }, { 'if-match': etag }),
        ];
        const [del, patch] =
          round % 2 === 0 ? await Promise.all(calls) : (await Promise.all(calls.reverse())).reverse();
        assert.ok(del && patch);
        const row = await store.get(item.id);
        if (del.status === 204) {
          // The PATCH lost. The item is gone: 404 (RFC 9110 §13.2.1: preconditions are ignored
          // when the answer without them is not 2xx) or 412 if it looked before the delete.
          assert.ok(patch.status === 404 || patch.status === 412, `PATCH after a winning DELETE: ${patch.status}`);
          detailOf(patch.body);
          assert.equal(row, undefined, 'deleted');
          outcomes.add('delete won');
        } else {
          assert.equal(patch.status, 200, `one of them wins: DELETE ${del.status}, PATCH ${patch.status}`);
          assert.equal(del.status, 412, 'the DELETE with the old ETag is refused');
          detailOf(del.body);
          assert.deepEqual(row, { id: item.id, product: item.product, price: 6, version: 2 }, 'not deleted');
          outcomes.add('patch won');
        }
      }
      assert.ok(outcomes.size >= 1);
    });

    test('stale If-Match on PUT, PATCH (even {}) and DELETE: 412, nothing changes; * and lists match', async (t) => {
      const { app, store } = await build(t, backend, { LOG_LEVEL: 'silent' });
      const item = await store.create({ product: 'cond', price: 1 });
      await store.update(item.id, { price: 2 }); // version 2
      const before = await stored(store);
      const url = `/api/items/${item.id}/`;
      for (const [method, body] of [
        ['PUT', { product: 'x', price: 9 }],
        ['PATCH', { price: 9 }],
        ['PATCH', {}],
        ['DELETE', undefined],
      ] as const) {
        for (const tag of [`"${item.id}-1"`, `W/"${item.id}-2"`, '"other"', `"${item.id + 1}-2"`]) {
          const r = await req(app, method, url, body, { 'if-match': tag });
          assert.equal(r.status, 412, `${method} If-Match ${tag}: ${r.body}`);
          detailOf(r.body);
          assert.deepEqual(await stored(store), before, `${method} ${tag} changed nothing`);
        }
      }
      const list = await req(app, 'PATCH', url, { price: 3 }, { 'if-match': `"nope", "${item.id}-2"` });
      assert.equal(list.status, 200, 'a list of tags matches when one does');
      const star = await req(app, 'PATCH', url, { price: 4 }, { 'if-match': '*' });
      assert.equal(star.status, 200, '* matches an existing item');
      assert.deepEqual(await store.get(item.id), { ...item, price: 4, version: 4 });
      const gone = await req(app, 'PATCH', '/api/items/999/', { price: 4 }, { 'if-match': '*' });
      assert.equal(gone.status, 404);
    });

    test('If-None-Match: 304 on item and list; ETags equal while unchanged, new after every write', async (t) => {
      const { app, store } = await build(t, backend, { LOG_LEVEL: 'silent' });
      const created = await req(app, 'POST', '/api/items/', { product: 'etag', price: 1 });
      assert.equal(created.status, 201);
      const { id } = JSON.parse(created.body) as Item;
      const url = `/api/items/${id}/`;
      const seenItem = new Set<string>();
      const seenList = new Set<string>();
      const check = async (what: string, listChanged = true) => {
        const [one, two] = [await req(app, 'GET', url), await req(app, 'GET', url)];
        assert.equal(one.status, 200);
        assert.ok(one.headers.etag, 'item ETag');
        assert.equal(one.headers.etag, two.headers.etag, `${what}: unchanged item, same ETag`);
        const row = await store.get(id);
        assert.equal(one.headers.etag, `"${id}-${row?.version}"`, 'derived from the stored version');
        assert.ok(!seenItem.has(String(one.headers.etag)), `${what}: a new item ETag`);
        seenItem.add(String(one.headers.etag));
        const head = await req(app, 'HEAD', url);
        assert.equal(head.headers.etag, one.headers.etag, 'HEAD has the same ETag');
        for (const inm of [String(one.headers.etag), `W/${one.headers.etag}`, `"x", ${one.headers.etag}`, '*']) {
          const notModified = await req(app, 'GET', url, undefined, { 'if-none-match': inm });
          assert.equal(notModified.status, 304, `item If-None-Match ${inm}`);
          assert.equal(notModified.body, '');
          assert.equal(notModified.headers.etag, one.headers.etag);
        }
        const stale = await req(app, 'GET', url, undefined, { 'if-none-match': '"stale"' });
        assert.equal(stale.status, 200);
        assert.deepEqual(JSON.parse(stale.body), { id: row?.id, product: row?.product, price: row?.price });

        const [l1, l2] = [await req(app, 'GET', '/api/items/'), await req(app, 'GET', '/api/items/')];
        assert.ok(l1.headers.etag, 'list ETag');
        assert.equal(l1.headers.etag, l2.headers.etag, `${what}: unchanged list, same ETag`);
        // The list's ETag is that of its body: new when the body changed, the same when it did not.
        assert.equal(
          !seenList.has(String(l1.headers.etag)),
          listChanged,
          `${what}: list ETag new iff the list changed`,
        );
        seenList.add(String(l1.headers.etag));
        const listNotModified = await req(app, 'GET', '/api/items/', undefined, {
          'if-none-match': String(l1.headers.etag),
        });
        assert.equal(listNotModified.status, 304);
        assert.equal(listNotModified.body, '');
        const filtered = await req(app, 'GET', '/api/items/?product=nothing', undefined, {
          'if-none-match': String(l1.headers.etag),
        });
        assert.equal(filtered.status, 200, 'another list (filtered) does not match the ETag');
        assert.equal(filtered.body, '[]');
      };
      await check('created');
      assert.equal((await req(app, 'PATCH', url, { price: 2 })).status, 200);
      await check('PATCH');
      assert.equal((await req(app, 'PUT', url, { product: 'etag', price: 3 })).status, 200);
      await check('PUT');
      // A write that changes nothing (PATCH {}, a PUT of the same values) writes nothing: same ETags.
      const before = (await req(app, 'GET', url)).headers.etag;
      const samePut = await req(app, 'PUT', url, { product: ' etag ', price: '3' });
      assert.equal(samePut.status, 200);
      assert.equal(samePut.headers.etag, before, 'the same values (after trimming and parsing): no new version');
      const emptyPatch = await req(app, 'PATCH', url, {});
      assert.equal(emptyPatch.status, 200);
      assert.equal(emptyPatch.headers.etag, before);
      assert.equal((await req(app, 'GET', url)).headers.etag, before);
      // Another item's write changes the list ETag but not this item's.
      const other = await req(app, 'POST', '/api/items/', { product: 'other', price: 1 });
      assert.equal(other.status, 201);
      assert.equal((await req(app, 'GET', url)).headers.etag, before);
      const listAfter = await req(app, 'GET', '/api/items/');
      assert.ok(!seenList.has(String(listAfter.headers.etag)), 'list ETag changed with another item');
      // After a DELETE the old ETag matches nothing: 404.
      assert.equal((await req(app, 'DELETE', url)).status, 204);
      const deleted = await req(app, 'GET', url, undefined, { 'if-none-match': String(before) });
      assert.equal(deleted.status, 404);
      assert.deepEqual(await stored(store), [{ id: id + 1, product: 'other', price: 1, version: 1 }]);
    });
  });

  describe(`idempotent creates (${backend})`, () => {
    test('50 concurrent POSTs with one Idempotency-Key: one row, fifty identical 201s', async (t) => {
      const { app, store } = await build(t, backend, { LOG_LEVEL: 'silent' });
      const body = JSON.stringify({ product: 'once', price: 42 });
      const answers = await Promise.all(
        Array.from({ length: 50 }, () => req(app, 'POST', '/api/items/', body, { 'idempotency-key': 'order-1' })),
      );
      assert.deepEqual(
        answers.map((a) => a.status),
        Array(50).fill(201),
      );
      const rows = await stored(store);
      assert.equal(rows.length, 1, 'one row');
      const only = rows[0];
      assert.ok(only);
      for (const a of answers) {
        assert.equal(a.body, JSON.stringify({ id: only.id, product: 'once', price: 42 }));
        assert.equal(a.headers.etag, `"${only.id}-1"`);
      }
      assert.equal(
        answers.filter((a) => a.headers['idempotent-replayed'] === 'true').length,
        49,
        'one original, 49 replays',
      );
      // Also over real HTTP on a fresh key, where requests truly overlap.
      await app.listen({ port: 0, host: '127.0.0.1' });
      const { port } = app.server.address() as { port: number };
      const agent = new Agent({ keepAlive: true, maxSockets: 50 });
      t.after(() => agent.destroy());
      const overHttp = await Promise.all(
        Array.from({ length: 50 }, () =>
          httpCall(port, 'POST', '/api/items/', {
            body: { product: 'twice', price: 43 },
            headers: { 'idempotency-key': 'order-2' },
            agent,
          }),
        ),
      );
      const bodies = new Set(overHttp.map((o) => (o.kind === 'answer' ? `${o.status} ${o.body}` : o.code)));
      assert.equal(bodies.size, 1, [...bodies].join('\n'));
      const rowsAfter = await stored(store);
      assert.equal(rowsAfter.length, 2);
      assert.equal([...bodies][0], `201 ${JSON.stringify({ id: rowsAfter[1]?.id, product: 'twice', price: 43 })}`);
    });

    test('same key, different body: 422 {"detail"}; nothing created', async (t) => {
      const { app, store } = await build(t, backend, { LOG_LEVEL: 'silent' });
      const first = await req(app, 'POST', '/api/items/', { product: 'a', price: 1 }, { 'idempotency-key': 'k' });
      assert.equal(first.status, 201);
      const rows = await stored(store);
      for (const [body, type] of [
        [JSON.stringify({ product: 'a', price: 2 }), 'application/json'],
        [JSON.stringify({ price: 1, product: 'a' }), 'application/json'], // other bytes
        ['product=a&price=1', 'application/x-www-form-urlencoded'],
      ] as const) {
        const r = await app.inject({
          method: 'POST',
          url: '/api/items/',
          headers: { 'content-type': type, 'idempotency-key': 'k' },
          payload: body,
        });
        assert.equal(r.statusCode, 422, `${type} ${body}: ${r.body}`);
        assert.match(detailOf(r.body), /Idempotency-Key/);
      }
      assert.deepEqual(await stored(store), rows, 'nothing created');
      // A failed first attempt (400) does not use up the key: the corrected retry creates.
      const bad = await req(app, 'POST', '/api/items/', { product: '', price: 1 }, { 'idempotency-key': 'k2' });
      assert.equal(bad.status, 400);
      const good = await req(app, 'POST', '/api/items/', { product: 'b', price: 1 }, { 'idempotency-key': 'k2' });
      assert.equal(good.status, 201);
      assert.equal((await stored(store)).length, 2);
      // Without a key, the same body creates every time.
      assert.equal((await req(app, 'POST', '/api/items/', { product: 'a', price: 1 })).status, 201);
      assert.equal((await stored(store)).length, 3);
    });

    test('a key expires after IDEMPOTENCY_TTL_SECONDS and then creates a new item', async (t) => {
      const { app, store } = await build(t, backend, { LOG_LEVEL: 'silent', IDEMPOTENCY_TTL_SECONDS: '1' });
      const started = Date.now();
      const first = await req(app, 'POST', '/api/items/', { product: 'ttl', price: 1 }, { 'idempotency-key': 'ttl' });
      assert.equal(first.status, 201);
      const firstId = (JSON.parse(first.body) as Item).id;
      let replays = 0;
      let again: Awaited<ReturnType<typeof req>> | undefined;
      await waitFor(
        async () => {
          again = await req(app, 'POST', '/api/items/', { product: 'ttl', price: 1 }, { 'idempotency-key': 'ttl' });
          assert.equal(again.status, 201);
          if ((JSON.parse(again.body) as Item).id === firstId) {
            replays++;
            return false;
          }
          return true;
        },
        5000,
        'the key to expire',
      );
      const elapsed = Date.now() - started;
      assert.ok(elapsed >= 1000, `not before the TTL (${elapsed} ms)`);
      assert.ok(replays >= 1, 'replayed while fresh');
      assert.equal((await stored(store)).length, 2, 'exactly one new item after expiry');
      // The key is fresh again: replays the new answer, and a different body is 422 again.
      const third = await req(app, 'POST', '/api/items/', { product: 'ttl', price: 1 }, { 'idempotency-key': 'ttl' });
      assert.equal(third.body, again?.body);
      const other = await req(app, 'POST', '/api/items/', { product: 'ttl', price: 2 }, { 'idempotency-key': 'ttl' });
      assert.equal(other.status, 422);
      assert.equal((await stored(store)).length, 2);
    });

    test('invalid Idempotency-Key: 400 {"detail"}, nothing created', async (t) => {
      const { app, store } = await build(t, backend, { LOG_LEVEL: 'silent' });
      for (const key of ['', 'has space', 'x'.repeat(256), 'tab\tkey', 'caf\u00e9']) {
        const r = await app.inject({
          method: 'POST',
          url: '/api/items/',
          headers: { 'content-type': 'application/json', 'idempotency-key': key },
          payload: JSON.stringify({ product: 'k', price: 1 }),
        });
        assert.equal(r.statusCode, 400, `key ${JSON.stringify(key.slice(0, 20))}: ${r.body}`);
        assert.match(detailOf(r.body), /Idempotency-Key/);
      }
      const max = await req(
        app,
        'POST',
        '/api/items/',
        { product: 'k', price: 1 },
        { 'idempotency-key': 'x'.repeat(255) },
      );
      assert.equal(max.status, 201, '255 visible characters are fine');
      assert.equal((await stored(store)).length, 1);
    });
  });
}

test('two server processes on one PostgreSQL database: 20 concurrent retries of one key, one row', {
  skip: !postgresAvailable && 'no PostgreSQL',
  timeout: 90_000,
}, async (t) => {
  const pg = await createPostgresDatabase();
  t.after(pg.drop);
  const db = await openDatabase({
    kind: 'postgres',
    url: pg.url,
    poolSize: 1,
    statementTimeoutMs: 5000,
    connectTimeoutMs: 2000,
  });
  t.after(() => db.close());
  await migrate(db);
  // Both replicas start at once, on the migrated database.
  const env = { DATABASE_URL: pg.url, LOG_LEVEL: 'warn', MIGRATE_ON_START: 'false' };
  const [one, two] = await Promise.all([startServer(env), startServer(env)]);
  t.after(() => one.stop('SIGKILL'));
  t.after(() => two.stop('SIGKILL'));
  for (const round of [1, 2, 3]) {
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        httpCall(i % 2 === 0 ? one.port : two.port, 'POST', '/api/items/', {
          body: { product: `replica ${round}`, price: round },
          headers: { 'idempotency-key': `cross-${round}` },
        }),
      ),
    );
    const distinct = new Set(answers.map((a) => (a.kind === 'answer' ? `${a.status} ${a.body}` : a.code)));
    assert.equal(distinct.size, 1, `one answer for all: ${[...distinct].join(' | ')}`);
    assert.match([...distinct][0] ?? '', /^201 /);
  }
  const rows = await itemsIn(db).list();
  assert.deepEqual(
    rows.map((r) => [r.product, r.price]),
    [
      ['replica 1', 1],
      ['replica 2', 2],
      ['replica 3', 3],
    ],
    'one row per key',
  );
  const keys = await itemDb(db).selectFrom('idempotency_keys').select('key').orderBy('key').execute();
  assert.deepEqual(
    keys.map((k) => k.key),
    ['cross-1', 'cross-2', 'cross-3'],
  );
});
