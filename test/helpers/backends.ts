import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import pg from 'pg';
import type { DatabaseConfig } from '../../src/config.js';

// Every API test runs on both databases: a real SQLite file in a temporary folder, and a fresh
// database on the local PostgreSQL (created per test, dropped after it). Without a reachable
// PostgreSQL the PostgreSQL half is skipped (test/api/postgres-available.test.ts says so once).

export type Backend = 'sqlite' | 'postgres';

/** Where to create test databases; any database the user can connect to. */
export const POSTGRES_ADMIN_URL = process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

async function probe(attempts = 3): Promise<boolean> {
  for (let attempt = 1; attempt <= attempts; attempt++) {
    const client = new pg.Client({ connectionString: POSTGRES_ADMIN_URL, connectionTimeoutMillis: 5000 });
    try {
      await client.connect();
      await client.query('select 1');
      return true;
    } catch {
      // a loaded machine can be slow to accept: try again before giving up
    } finally {
      await client.end().catch(() => {});
    }
  }
  return false;
}

export const postgresAvailable = await probe();
export const backends: Backend[] = postgresAvailable ? ['sqlite', 'postgres'] : ['sqlite'];

async function admin<T>(run: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: POSTGRES_ADMIN_URL });
  await client.connect();
  try {
    return await run(client);
  } finally {
    await client.end();
  }
}

export async function createPostgresDatabase(): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `pricebook_test_${randomBytes(6).toString('hex')}`;
  await admin((c) => c.query(`create database ${name}`));
  const url = new URL(POSTGRES_ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: () => admin((c) => c.query(`drop database if exists ${name} with (force)`)).then(() => {}),
  };
}

export function tempDir(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'pricebook-test-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** The DATABASE_URL that points a server process at that database. */
export const databaseUrlOf = (database: DatabaseConfig): string =>
  database.kind === 'sqlite' ? `sqlite:${database.path}` : database.url;

/** A fresh, empty database of the given kind, removed when the test ends. */
export async function freshDatabase(t: TestContext, backend: Backend): Promise<DatabaseConfig> {
  if (backend === 'sqlite') return { kind: 'sqlite', path: join(tempDir(t), 'db.sqlite3') };
  const { url, drop } = await createPostgresDatabase();
  t.after(drop);
  return { kind: 'postgres', url, poolSize: 4, statementTimeoutMs: 5000, connectTimeoutMs: 2000 };
}
