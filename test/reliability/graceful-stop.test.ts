import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { test } from 'node:test';
import { openDatabase } from '../../src/db/database.js';
import { backends, databaseUrlOf, freshDatabase } from '../helpers/backends.js';
import { itemsIn } from '../helpers/items.js';
import { type HttpOutcome, httpCall, waitFor } from '../helpers/reliability.js';
import { startServer } from '../helpers/server-process.js';

// Graceful stop under load: SIGTERM while clients keep sending. Every request the server
// received (it logged its [REQUEST] line) gets a complete answer; a request that arrives after
// the port is closed is refused (ECONNREFUSED), which is fine. Requests whose body is still being
// uploaded when SIGTERM comes are finished too. The process exits 0 within SHUTDOWN_GRACE_MS,
// every 201 the clients received is in the database, and nothing is stored that was not answered.

const GRACE_MS = 6000;
const CLIENTS = 10;
const SIGTERM_AFTER = 80;

/** A POST whose headers and half of the body are sent now, the rest when `finish()` is called. */
function slowPost(port: number, requestId: string, product: string) {
  const body = JSON.stringify({ product, price: 7 });
  const half = Math.floor(body.length / 2);
  let finish: () => void = () => {};
  const outcome = new Promise<HttpOutcome>((resolve) => {
    const request = httpRequest(
      {
        host: '127.0.0.1',
        port,
        method: 'POST',
        path: '/api/items/',
        agent: false,
        headers: {
          'content-type': 'application/json',
          'content-length': String(Buffer.byteLength(body)),
          'x-request-id': requestId,
        },
      },
      (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk) => {
          text += chunk;
        });
        response.on('end', () =>
          resolve({ kind: 'answer', status: response.statusCode ?? 0, headers: response.headers, body: text }),
        );
      },
    );
    request.on('error', (error: NodeJS.ErrnoException) =>
      resolve({ kind: 'error', code: error.code ?? 'ERROR', message: error.message, bytesReceived: 0 }),
    );
    request.write(body.slice(0, half));
    request.flushHeaders();
    finish = () => request.end(body.slice(half));
  });
  return { outcome, finish: () => finish() };
}

const answered201 = (outcomes: Map<string, HttpOutcome>) =>
  [...outcomes.values()].filter((o) => o.kind === 'answer' && o.status === 201).length;

for (const backend of backends) {
  test(`SIGTERM under load answers every received request and exits 0 (${backend})`, { timeout: 90_000 }, async (t) => {
    const database = await freshDatabase(t, backend);
    const databaseUrl = databaseUrlOf(database);
    const server = await startServer({
      DATABASE_URL: databaseUrl,
      LOG_LEVEL: 'info',
      SHUTDOWN_GRACE_MS: String(GRACE_MS),
    });
    t.after(() => server.stop('SIGKILL'));

    const outcomes = new Map<string, HttpOutcome>();
    let created = 0;
    let stopping = false;
    let stoppedAt = 0;
    let slow: Array<ReturnType<typeof slowPost>> = [];
    let exited: Promise<number | null> | undefined;

    const client = async (c: number) => {
      for (let n = 0; n < 5000; n++) {
        const id = `gs-${c}-${n}`;
        const outcome = await httpCall(server.port, 'POST', '/api/items/', {
          body: { product: id, price: n },
          headers: { 'x-request-id': id },
          agent: false, // one connection per request: "got a connection" is unambiguous
          timeoutMs: GRACE_MS + 5000,
        });
        outcomes.set(id, outcome);
        if (outcome.kind === 'answer' && outcome.status === 201) created++;
        if (created >= SIGTERM_AFTER && !stopping) {
          stopping = true;
          // Uploads in progress when the signal comes: headers received, body still arriving.
          slow = [0, 1, 2].map((s) => slowPost(server.port, `slow-${s}`, `slow-${s}`));
          await waitFor(
            () => ['slow-0', 'slow-1', 'slow-2'].every((s) => server.output().includes(`"request_id":"${s}"`)),
            15_000,
            'the slow uploads to reach the server',
          );
          stoppedAt = Date.now();
          exited = server.stop('SIGTERM');
          setTimeout(() => {
            for (const s of slow) s.finish();
          }, 300);
        }
        if (outcome.kind === 'error') return;
      }
    };
    await Promise.all(Array.from({ length: CLIENTS }, (_, c) => client(c)));
    assert.ok(stopping && exited, 'SIGTERM was sent under load');
    const code = await exited;
    const elapsed = Date.now() - stoppedAt;
    assert.equal(code, 0, `exit code (output tail: ${server.output().slice(-600)})`);
    assert.ok(elapsed < GRACE_MS, `exited ${elapsed} ms after SIGTERM, within ${GRACE_MS} ms`);

    for (const [s, { outcome }] of slow.entries()) {
      const result = await outcome;
      assert.equal(
        result.kind,
        'answer',
        `upload slow-${s} in progress at SIGTERM got an answer: ${JSON.stringify(result)}`,
      );
      assert.equal(result.kind === 'answer' && result.status, 201, `slow-${s}: ${JSON.stringify(result)}`);
      outcomes.set(`slow-${s}`, result);
    }

    // What the server saw, from its log: every received request got a complete answer.
    const lines = server
      .output()
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    const received = new Set(
      lines
        .filter((l) => typeof l.message === 'string' && l.message.startsWith('[REQUEST] POST'))
        .map((l) => String(l.request_id)),
    );
    const answeredInLog = new Set(
      lines
        .filter((l) => typeof l.message === 'string' && l.message.startsWith('[RESPONSE] POST'))
        .map((l) => String(l.request_id)),
    );
    assert.ok(
      lines.some((l) => l.message === 'Stopping: finishing in-flight requests'),
      'the stop was logged',
    );
    let refused = 0;
    let unreceivedResets = 0;
    for (const [id, outcome] of outcomes) {
      if (received.has(id)) {
        assert.equal(outcome.kind, 'answer', `${id} was received and must be answered: ${JSON.stringify(outcome)}`);
        assert.ok(answeredInLog.has(id), `${id}: the answer was logged (logs flushed before exit)`);
      }
      if (outcome.kind === 'answer') {
        assert.ok(outcome.status === 201 || outcome.status === 503, `${id}: ${outcome.status} ${outcome.body}`);
        assert.doesNotThrow(() => JSON.parse(outcome.body), `${id}: a complete JSON body`);
        assert.equal(Number(outcome.headers['content-length']), Buffer.byteLength(outcome.body));
      } else if (outcome.code === 'ECONNREFUSED') refused++;
      else {
        // A connection the kernel queued but the closing server never took: never received.
        assert.ok(!received.has(id), `${id}: ${outcome.code} on a received request`);
        assert.equal(outcome.bytesReceived, 0);
        unreceivedResets++;
      }
    }
    const unavailable = [...outcomes.values()].filter((o) => o.kind === 'answer' && o.status === 503).length;
    t.diagnostic(
      `${outcomes.size} requests: ${answered201(outcomes)} created, ${unavailable} answered 503 while closing, ` +
        `${refused} refused, ${unreceivedResets} reset before being taken; exit after ${elapsed} ms`,
    );
    assert.ok(refused + unreceivedResets > 0, 'clients were still sending when the port closed');
    assert.ok(unreceivedResets <= CLIENTS, `${unreceivedResets} resets of connections never taken`);

    // The database holds exactly the answered creates.
    const db = await openDatabase(database);
    t.after(() => db.close());
    const stored = new Set((await itemsIn(db).list()).map((row) => row.product));
    const answered = new Set(
      [...outcomes].filter(([, o]) => o.kind === 'answer' && o.status === 201).map(([id]) => id),
    );
    assert.deepEqual([...stored].sort(), [...answered].sort(), 'stored = answered with 201');
  });
}
