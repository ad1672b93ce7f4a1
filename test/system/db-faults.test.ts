import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { openDatabase } from '../../src/db/database.js';
import { createLogger } from '../../src/logging/logger.js';
import { migrate } from '../../src/migrations.js';
import { freshDatabase, postgresAvailable } from '../helpers/backends.js';
import { call } from '../helpers/build.js';
import { startTcpProxy } from '../helpers/tcp-proxy.js';

// PostgreSQL going away for real, through a proxy the test controls: requests fail fast with
// 503 and the contract's {"detail": …} shape, the process stays up, and it recovers by itself.

const CONNECT_TIMEOUT_MS = 500;
const STATEMENT_TIMEOUT_MS = 500;

async function appBehindProxy(t: import('node:test').TestContext) {
  const database = await freshDatabase(t, 'postgres');
  if (database.kind !== 'postgres') throw new Error('unreachable');
  const direct = await openDatabase(database);
  await migrate(direct);
  await direct.close();

  const target = new URL(database.url);
  const proxy = await startTcpProxy(Number(target.port || 5432), target.hostname);
  t.after(() => proxy.close());
  const viaProxy = new URL(database.url);
  viaProxy.port = String(proxy.port);
  const config = {
    ...loadConfig({ LOG_FILE: '' }),
    database: {
      ...database,
      url: viaProxy.toString(),
      connectTimeoutMs: CONNECT_TIMEOUT_MS,
      statementTimeoutMs: STATEMENT_TIMEOUT_MS,
    },
  };
  const log = createLogger({ logLevel: 'silent', logFile: null });
  const app = await buildApp(config, { database: await openDatabase(config.database), log });
  t.after(() => app.close());
  return { app, proxy };
}

async function timed<T>(run: () => Promise<T>): Promise<[T, number]> {
  const start = performance.now();
  const result = await run();
  return [result, performance.now() - start];
}

describe('database faults (postgres)', { skip: !postgresAvailable && 'PostgreSQL not reachable' }, () => {
  test('database cut: 503 fast, liveness stays up, readiness 503, then recovery', async (t) => {
    const { app, proxy } = await appBehindProxy(t);
    const before = await call(app, 'POST', '/api/items/', { product: 'Before', price: 1 });
    assert.equal(before.status, 201);

    proxy.cut();
    for (const [method, url, body] of [
      ['GET', '/api/items/', undefined],
      ['POST', '/api/items/', { product: 'During', price: 2 }],
      ['GET', `/api/items/${before.json().id}/`, undefined],
      ['GET', '/readyz', undefined],
    ] as const) {
      const [response, ms] = await timed(() => call(app, method, url, body));
      assert.equal(response.status, 503, `${method} ${url}`);
      assert.equal(typeof response.json().detail, 'string');
      assert.doesNotMatch(response.body, /at .*\.js|ECONN|select|insert/i, 'no internals in the answer');
      assert.ok(ms < CONNECT_TIMEOUT_MS + STATEMENT_TIMEOUT_MS + 1500, `${method} ${url} took ${ms} ms`);
    }
    const health = await call(app, 'GET', '/healthz');
    assert.equal(health.status, 200, 'liveness does not depend on the database');

    proxy.restore();
    const after = await call(app, 'POST', '/api/items/', { product: 'After', price: 3 });
    assert.equal(after.status, 201);
    const list = await call(app, 'GET', '/api/items/');
    assert.deepEqual(
      list.json().map((item: { product: string }) => item.product),
      ['Before', 'After'],
    );
    assert.equal((await call(app, 'GET', '/readyz')).status, 200);
  });

  test('database stops answering: 503 within the configured timeout, then recovery', async (t) => {
    const { app, proxy } = await appBehindProxy(t);
    assert.equal((await call(app, 'POST', '/api/items/', { product: 'Kept', price: 1 })).status, 201);

    proxy.blackhole();
    const [response, ms] = await timed(() => call(app, 'GET', '/api/items/'));
    assert.equal(response.status, 503);
    assert.equal(typeof response.json().detail, 'string');
    assert.ok(ms < STATEMENT_TIMEOUT_MS + 1000 + 1000, `took ${ms} ms`);
    const [fresh, freshMs] = await timed(() => call(app, 'POST', '/api/items/', { product: 'Lost', price: 2 }));
    assert.equal(fresh.status, 503, 'a new connection into the black hole times out too');
    assert.ok(freshMs < CONNECT_TIMEOUT_MS + STATEMENT_TIMEOUT_MS + 2000, `took ${freshMs} ms`);

    proxy.restore();
    let recovered = 0;
    for (let attempt = 0; attempt < 20 && recovered !== 200; attempt++) {
      recovered = (await call(app, 'GET', '/api/items/')).status;
    }
    assert.equal(recovered, 200);
    const list = (await call(app, 'GET', '/api/items/')).json();
    assert.deepEqual(
      list.map((item: { product: string }) => item.product),
      ['Kept'],
      'nothing that answered 503 was stored',
    );
  });
});
