import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { tempDir } from '../helpers/backends.js';
import { startServer } from '../helpers/server-process.js';
import { SseClient } from '../helpers/sse.js';

// Issue 17, as operators run the server: with WORKERS=2 on one SQLite file every subscriber gets
// every write whichever worker took it, and SIGTERM ends the streams at once (clients reconnect
// elsewhere) and the server exits 0 well within SHUTDOWN_GRACE_MS.

test('WORKERS=2 on SQLite: every subscriber sees every write; SIGTERM ends the streams and exits 0 in time', async (t) => {
  const dir = tempDir(t);
  const server = await startServer({
    DATABASE_URL: `sqlite:${join(dir, 'db.sqlite3')}`,
    WORKERS: '2',
    SHUTDOWN_GRACE_MS: '5000',
  });
  t.after(() => server.stop('SIGKILL'));
  // The primary hands connections to the workers in turn: eight land on both.
  const clients = await Promise.all(Array.from({ length: 8 }, () => SseClient.open(server.port)));
  for (const client of clients) assert.equal(client.status, 200);
  for (let i = 1; i <= 4; i++) {
    const response = await fetch(`${server.base}/api/items/`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ product: `P${i}`, price: i }),
    });
    assert.equal(response.status, 201);
  }
  for (const client of clients) {
    const events = await client.waitFor((all) => all.length >= 4, 'four writes', 5000);
    assert.deepEqual(
      events.map((e) => [e.id, e.event, e.data.product]),
      [1, 2, 3, 4].map((i) => [i, 'created', `P${i}`]),
    );
  }
  const started = Date.now();
  const exit = server.stop('SIGTERM');
  await Promise.all(clients.map((client) => client.ended));
  assert.equal(await exit, 0, server.output());
  assert.ok(Date.now() - started < 5000, `stopped in ${Date.now() - started} ms`);
});
