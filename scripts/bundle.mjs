// Bundles the server into one file (dist/server.js, replacing tsc's output of src/server.ts).
// Loading hundreds of ES modules (fastify, kysely, typebox…) took about half of the cold start;
// one bundle halves it (measured: ~1,300 → ~600 ms to the first /healthz 200 here).
// Kept outside: better-sqlite3 (native addon), pg-native (optional, never installed) and
// @fastify/swagger-ui (serves files from its own package folder).
import { build } from 'esbuild';

await build({
  entryPoints: ['src/server.ts'],
  outfile: 'dist/server.js',
  bundle: true,
  minify: true,
  sourcemap: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  external: ['better-sqlite3', 'pg-native', '@fastify/swagger-ui'],
  // Bundled CommonJS packages call require(); give the ES module one.
  banner: {
    js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
  },
  logLevel: 'warning',
});
