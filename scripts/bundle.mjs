// Bundles the server into one file, dist/server.cjs, started by dist/server.js (a copy of
// scripts/server-loader.mjs) from V8's code cache, which this script writes too.
// Loading hundreds of ES modules (fastify, kysely, typebox…) is most of a cold start: one bundle
// loads far faster, and the code cache saves most of the bundle's compile time (bench/README.md).
// CommonJS, because a vm.Script (which takes a code cache on Node 20) runs scripts, not modules.
// Kept outside: better-sqlite3 (native addon) and pg-native (optional, never installed).
// swagger-ui-dist is not imported, only its folder is served (src/openapi.ts).
import { execFileSync } from 'node:child_process';
import { copyFileSync, rmSync } from 'node:fs';
import { build } from 'esbuild';

rmSync('dist/server.cjs.cache', { force: true });
const bundle = (entry, outfile) =>
  build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    minify: true,
    sourcemap: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external: ['better-sqlite3', 'pg-native'],
    // The sources are ES modules: import.meta.url is the bundle's own URL.
    define: { 'import.meta.url': '__bundleUrl' },
    banner: { js: "var __bundleUrl = require('node:url').pathToFileURL(__filename).href;" },
    // The bundle stays pure ASCII (the loader reads it as latin1, faster than UTF-8 decoding):
    // licence comments go to dist/server.cjs.LEGAL.txt.
    charset: 'ascii',
    legalComments: 'external',
    logLevel: 'warning',
  });
await bundle('src/server.ts', 'dist/server.cjs');
// The thread that parses large request bodies (src/http/body-thread.ts) loads it beside the bundle.
await bundle('src/http/body-worker.ts', 'dist/body-worker.cjs');
copyFileSync('scripts/server-loader.mjs', 'dist/server.js');
rmSync('dist/server.js.map', { force: true }); // tsc's, for the src/server.ts the bundle replaces
// A clean environment: the shell's own settings (a PostgreSQL URL, an invalid RATE_LIMIT…) must
// not reach the throwaway server. Without a cache the server still starts, only slower.
try {
  execFileSync(process.execPath, ['dist/server.js', '--write-code-cache'], {
    stdio: 'inherit',
    env: { PATH: process.env.PATH ?? '', ...(process.env.TMPDIR ? { TMPDIR: process.env.TMPDIR } : {}) },
  });
} catch (error) {
  console.warn(`bundle: no code cache written (${error.message}); the server starts without one`);
}
