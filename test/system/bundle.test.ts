import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { PROJECT } from '../helpers/compiled.js';
import { withoutCoverage } from '../helpers/coverage.js';
import { startServer } from '../helpers/server-process.js';
import { waitFor } from '../helpers/wait.js';

// What ships: the esbuild bundle (dist/server.cjs) started by the loader (dist/server.js) from
// V8's code cache. Built once, into a copy of the project's layout, so dist/ is left alone: the
// second test spoils the cache the first one found. Built while the default ports are taken: the
// build's throwaway server must not need them.

const ROOT = PROJECT;

/** Listens on the default port and metrics port while it runs, as a server already running here would. */
async function withDefaultPortsTaken<T>(run: () => T): Promise<T> {
  const taken = await Promise.all(
    [8000, 9464].map(
      (port) =>
        new Promise<Server | undefined>((resolve) => {
          const server = createServer();
          // Taken already (by another process): the same case for the build.
          server.once('error', () => resolve(undefined));
          server.listen(port, '127.0.0.1', () => resolve(server));
        }),
    ),
  );
  try {
    return run();
  } finally {
    await Promise.all(taken.map((server) => server && new Promise((resolve) => server.close(resolve))));
  }
}

function buildCopy(): string {
  const dir = mkdtempSync(join(tmpdir(), 'pricebook-bundle-'));
  for (const name of ['node_modules', 'public', 'src', 'package.json']) symlinkSync(join(ROOT, name), join(dir, name));
  mkdirSync(join(dir, 'scripts'));
  for (const name of ['bundle.mjs', 'server-loader.mjs'])
    copyFileSync(join(ROOT, 'scripts', name), join(dir, 'scripts', name));
  execFileSync(process.execPath, ['scripts/bundle.mjs'], { cwd: dir, stdio: 'pipe', env: withoutCoverage() });
  return dir;
}

async function roundTrip(dir: string) {
  const data = mkdtempSync(join(tmpdir(), 'pricebook-bundle-data-'));
  try {
    const server = await startServer({ DATABASE_URL: `sqlite:${join(data, 'db.sqlite3')}` }, 20_000, [
      join(dir, 'dist', 'server.js'),
    ]);
    const created = await fetch(`${server.base}/api/items/`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ product: 'Bundled', price: 3 }),
    });
    assert.equal(created.status, 201, await created.clone().text());
    const list = await fetch(`${server.base}/api/items/`);
    assert.deepEqual(await list.json(), [{ id: 1, product: 'Bundled', price: 3 }]);
    assert.equal((await fetch(`${server.base}/api/docs/`)).status, 200, 'assets found from the bundle');
    return server;
  } finally {
    rmSync(data, { recursive: true, force: true });
  }
}

describe('the bundle as shipped', () => {
  let dir = '';
  before(async () => {
    dir = await withDefaultPortsTaken(buildCopy);
  });
  after(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('builds with its code cache and serves the API', { timeout: 120_000 }, async () => {
    const cache = join(dir, 'dist', 'server.cjs.cache');
    assert.ok(statSync(cache).size > 100_000, 'the build wrote a code cache');
    // The loader reads the bundle as latin1: it must be pure ASCII.
    assert.doesNotMatch(readFileSync(join(dir, 'dist', 'server.cjs'), 'latin1'), /[\u0080-\u00ff]/);
    const server = await roundTrip(dir);
    assert.equal(await server.stop(), 0);
  });

  test('a cache that does not fit is ignored, then replaced after start-up', { timeout: 120_000 }, async () => {
    const cache = join(dir, 'dist', 'server.cjs.cache');
    writeFileSync(cache, 'not a V8 code cache');
    const server = await roundTrip(dir);
    await waitFor(() => statSync(cache).size >= 1000, 5000, 'the code cache written');
    assert.ok(statSync(cache).size > 100_000, 'rewritten about two seconds after start-up');
    assert.equal(await server.stop(), 0);
    assert.notEqual(readFileSync(cache, 'utf8').slice(0, 19), 'not a V8 code cache');
    assert.equal(await (await roundTrip(dir)).stop(), 0);
  });
});
