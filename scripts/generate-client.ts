// Regenerates the typed client's inputs from the app itself: client/openapi.json (the OpenAPI
// document the server serves at /api/schema/) and client/schema.d.ts (its TypeScript types, by
// openapi-typescript). Run `npm run client:generate` after changing a route or a schema, and commit both.
//
// With a base URL argument (`npm run client:generate -- http://127.0.0.1:8000`) the document is
// fetched from that running server instead of an in-process app.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import openapiTS from 'openapi-typescript';
import { buildApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { openDatabase } from '../src/db/database.js';
import { createLogger } from '../src/logging/logger.js';
import { migrate } from '../src/migrations.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const clientDir = join(root, 'client');

/** The served document, from an in-process app on a throw-away SQLite file. */
export async function servedSchema(): Promise<Record<string, unknown>> {
  const dir = mkdtempSync(join(tmpdir(), 'pricebook-schema-'));
  try {
    const config = loadConfig({ DATABASE_URL: `sqlite:${join(dir, 'db.sqlite3')}`, LOG_FILE: '', LOG_LEVEL: 'silent' });
    const log = createLogger(config);
    const database = await openDatabase(config.database);
    await migrate(database);
    const app = await buildApp(config, { database, log });
    try {
      const response = await app.inject({ method: 'GET', url: '/api/schema/' });
      if (response.statusCode !== 200) throw new Error(`GET /api/schema/ answered ${response.statusCode}`);
      return response.json();
    } finally {
      await app.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function fetchedSchema(base: string): Promise<Record<string, unknown>> {
  const response = await fetch(new URL('/api/schema/', base));
  if (!response.ok) throw new Error(`GET ${base}/api/schema/ answered ${response.status}`);
  return (await response.json()) as Record<string, unknown>;
}

async function main(): Promise<void> {
  const base = process.argv[2];
  const schema = base ? await fetchedSchema(base) : await servedSchema();
  const jsonPath = join(clientDir, 'openapi.json');
  writeFileSync(jsonPath, `${JSON.stringify(schema, null, 2)}\n`);
  // The committed JSON is formatted as the linter wants it (the drift test compares parsed documents).
  const biome = spawnSync(join(root, 'node_modules/.bin/biome'), ['format', '--write', jsonPath], { stdio: 'inherit' });
  if (biome.status !== 0) throw new Error('biome format failed');

  // biome-ignore lint/suspicious/noExplicitAny: openapi-typescript's input type is its own OpenAPI model
  const types = await openapiTS(schema as any, { exportType: true });
  writeFileSync(join(clientDir, 'schema.d.ts'), types);
  console.log('wrote client/openapi.json and client/schema.d.ts');
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  await main();
}
