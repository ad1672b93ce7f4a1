// dist/server.js: starts the bundled server (dist/server.cjs, built by scripts/bundle.mjs) from
// V8's code cache. Compiling the 1.4 MB bundle takes about 100 ms of every cold start; with the
// cache (dist/server.cjs.cache, written at build time) it takes about 15 ms. A cache that does not
// fit this Node.js (V8 checks its version and flags) is ignored, and replaced after start-up when
// the folder is writable. Node 22's module.enableCompileCache() does the same, but not on Node 20.
//   node dist/server.js                     start the server
//   node dist/server.js --write-code-cache  compile only, write the cache, exit (build step)
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
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

const cachedData = process.argv.includes('--write-code-cache') ? undefined : readCache();
// One line, so the bundle's line numbers stay as they are.
const source = `(function (exports, require, module, __filename, __dirname) {${readFileSync(file, 'utf8')}\n})`;
const script = new Script(source, {
  filename: file,
  cachedData,
  importModuleDynamically: constants.USE_MAIN_CONTEXT_DEFAULT_LOADER,
});

if (process.argv.includes('--write-code-cache')) {
  writeCache(script);
} else {
  const module = { exports: {} };
  script.runInThisContext()(module.exports, createRequire(file), module, file, dirname(file));
  if (!cachedData || script.cachedDataRejected) setTimeout(() => writeCache(script), 2000).unref();
}
