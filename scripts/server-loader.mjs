// dist/server.js: starts the bundled server (dist/server.cjs, built by scripts/bundle.mjs) from
// V8's code cache (dist/server.cjs.cache). The build writes the cache after a throwaway start-up,
// so it holds every function that start-up compiles, and a start skips compiling them (how much
// that saves is in bench/README.md). A cache that does not fit this Node.js (V8 checks its version
// and flags) is ignored, and replaced after start-up when the folder is writable. (Node 22's
// module.enableCompileCache() is similar, but not on Node 20.)
//   node dist/server.js                     start the server
//   node dist/server.js --write-code-cache  start a throwaway server, write the cache, exit (build)
import { mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { constants, Script } from 'node:vm';

const file = fileURLToPath(new URL('./server.cjs', import.meta.url));
const cacheFile = `${file}.cache`;

const readCache = () => {
  try {
    return readFileSync(cacheFile);
  } catch {
    return undefined;
  }
};

const writeCache = (script) => {
  try {
    writeFileSync(`${cacheFile}.${process.pid}.tmp`, script.createCachedData());
    renameSync(`${cacheFile}.${process.pid}.tmp`, cacheFile);
  } catch {
    // A read-only folder (a container's image): run without a cache.
  }
};

const warmUp = process.argv.includes('--write-code-cache');
const cachedData = warmUp ? undefined : readCache();
// One line, so the bundle's line numbers stay as they are. The bundle is ASCII (bundle.mjs).
const source = `(function (exports, require, module, __filename, __dirname) {${readFileSync(file, 'latin1')}\n})`;
const script = new Script(source, {
  filename: file,
  cachedData,
  importModuleDynamically: constants.USE_MAIN_CONTEXT_DEFAULT_LOADER,
});

const run = () => {
  const module = { exports: {} };
  script.runInThisContext()(module.exports, createRequire(file), module, file, dirname(file));
};

if (warmUp) {
  const data = mkdtempSync(join(tmpdir(), 'pricebook-warm-up-'));
  // Free ports for the API and the metrics: a server already running here (on the default ports)
  // must not keep the build from writing the cache. Both probes are open at once, so they differ.
  const probes = [createServer(), createServer()];
  const [port, metricsPort] = await Promise.all(
    probes.map((probe) => new Promise((resolve) => probe.listen(0, '127.0.0.1', () => resolve(probe.address().port)))),
  );
  await Promise.all(probes.map((probe) => new Promise((resolve) => probe.close(resolve))));
  Object.assign(process.env, {
    PORT: String(port),
    METRICS_PORT: String(metricsPort),
    HOST: '127.0.0.1',
    DATABASE_URL: `sqlite:${join(data, 'db.sqlite3')}`,
    LOG_FILE: '',
    LOG_LEVEL: 'warn',
    WORKERS: '1',
    MIGRATE_ON_START: 'true',
  });
  run();
  for (let i = 0; ; i++) {
    const ok = await fetch(`http://127.0.0.1:${port}/healthz`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) break;
    if (i === 200) throw new Error('the throwaway server did not start');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  writeCache(script);
  rmSync(data, { recursive: true, force: true });
  process.exit(0);
} else {
  run();
  if (!cachedData || script.cachedDataRejected) setTimeout(() => writeCache(script), 2000).unref();
}
