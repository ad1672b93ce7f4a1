import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { TestContext } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/app.js';
import { type Config, loadConfig } from '../../src/config.js';
import { type Database, openDatabase } from '../../src/db/database.js';
import type { FieldTable } from '../../src/items/fields.js';
import { createLogger } from '../../src/logging/logger.js';
import { type Backend, emptyDatabase, tempDir } from './backends.js';
import { itemsIn, type TestItems } from './items.js';

export interface Built {
  app: FastifyInstance;
  database: Database;
  /** The store over the same database, to check what the API stored. */
  store: TestItems;
  config: Config;
  /** Lines the app wrote to the console, parsed. */
  consoleLines: () => Array<Record<string, unknown>>;
  /** Writes out what the logger holds in its buffers (console and log file) now. */
  flushLogs: () => Promise<void>;
}

export interface BuildOptions {
  /** Another field table than the declared one (items/fields.ts). */
  fields?: FieldTable;
  /** Runs after the migrations: a test's own schema change. */
  afterMigrations?: (database: Database) => Promise<void>;
}

/** The app on a fresh, migrated database of the given backend, closed when the test ends. */
export async function build(
  t: TestContext,
  backend: Backend,
  env: Record<string, string> = {},
  options: BuildOptions = {},
): Promise<Built> {
  const dir = tempDir(t);
  const empty = await emptyDatabase(t, backend); // migrated already
  const config = { ...loadConfig({ LOG_FILE: join(dir, 'api.log'), ...env }), database: empty.config };
  const lines: string[] = [];
  const console = new Writable({
    write(chunk, _encoding, done) {
      lines.push(...String(chunk).split('\n').filter(Boolean));
      done();
    },
  });
  const log = createLogger(config, console);
  const { flush } = log;
  const database = await openDatabase(config.database);
  let app: FastifyInstance | undefined;
  // One hook, in this order: the database is given back only once nothing uses it.
  t.after(async () => {
    try {
      await (app ? app.close() : database.close());
      await flush();
    } finally {
      await empty.release();
    }
  });
  await options.afterMigrations?.(database);
  app = await buildApp(config, { database, log, fields: options.fields });
  return {
    app,
    database,
    store: itemsIn(database),
    config,
    consoleLines: () => lines.map((line) => JSON.parse(line)),
    flushLogs: flush,
  };
}

export { call } from './http.js';
