import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { backends } from '../helpers/backends.js';
import { build } from '../helpers/build.js';
import { type Res, send, sendJson } from '../helpers/http.js';

// An item read is kept rendered per state of the database (items/answer-cache.ts), and read and
// sent as it is while the data changes faster than reads repeat (db/churn.ts). Both ways give the
// same answer, byte for byte, and neither is ever older than the last write.

/** What a client sees of an answer: everything but the headers that differ per request. */
const seen = (response: Res) => {
  const { date: _date, 'x-request-id': _id, ...headers } = response.headers;
  return { status: response.status, headers, body: response.body };
};

const read = async (app: FastifyInstance, id: number, headers: Record<string, string> = {}) =>
  seen(await send(app, 'GET', `/api/items/${id}/`, { headers }));

for (const backend of backends) {
  describe(`item answers, kept or read (${backend})`, () => {
    test('the same answer while reads repeat and while every read follows a write', async (t) => {
      const { app } = await build(t, backend);
      const created = await sendJson(app, 'POST', '/api/items/', { product: 'Tee', price: 300 });
      const { id } = created.json() as { id: number };
      const kept = await read(app, id);
      assert.deepEqual(await read(app, id), kept, 'read again unchanged');
      assert.equal(kept.body, `{"id":${id},"product":"Tee","price":300}`);
      assert.equal(kept.headers.etag, `"${id}-1"`);
      assert.equal(kept.headers['content-type'], 'application/json');

      // Every read after a write of another item: the data churns, and the item is read each time.
      for (let i = 0; i < 40; i++) {
        assert.equal((await sendJson(app, 'POST', '/api/items/', { product: `Other ${i}`, price: i })).status, 201);
        assert.deepEqual(await read(app, id), kept, `read ${i} between writes`);
      }
      const notModified = await read(app, id, { 'if-none-match': String(kept.headers.etag) });
      assert.equal(notModified.status, 304);
      assert.equal(notModified.headers.etag, kept.headers.etag);

      // A write of the item itself is in the next read, either way.
      assert.equal((await sendJson(app, 'PATCH', `/api/items/${id}/`, { price: 310 })).status, 200);
      const changed = await read(app, id);
      assert.equal(changed.body, `{"id":${id},"product":"Tee","price":310}`);
      assert.equal(changed.headers.etag, `"${id}-2"`);
      assert.equal((await read(app, id, { 'if-none-match': String(kept.headers.etag) })).status, 200);
      assert.deepEqual(await read(app, id), changed, 'and kept again');
    });
  });
}
