import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { type CompiledQuery, Kysely, type QueryResult } from 'kysely';
import type { DatabaseConfig } from '../config.js';
import { GroupCommitSqliteDialect } from './sqlite-driver.js';

/** Kysely over the database; each feature types it with its own tables. */
export type Db = Kysely<unknown>;

export type DatabaseKind = DatabaseConfig['kind'];

export interface Database {
  db: Db;
  kind: DatabaseKind;
  /**
   * True when an UPDATE rewrites the index entries of every column it sets, even to the value the
   * column had (SQLite); false when unchanged entries are left alone (PostgreSQL compares values).
   */
  indexesRewrittenWhenSet: boolean;
  /**
   * Runs a compiled query the quickest way the driver knows, past Kysely's executor (a connection
   * provider and several promises per query cost more than a point lookup): on SQLite a read at
   * once and a write in the group commit, on PostgreSQL one pooled query with its deadline.
   */
  run<R>(query: CompiledQuery): Promise<QueryResult<R>>;
  /**
   * Runs a read outside any transaction, answered from memory when the database has not changed
   * since the same read was last answered (db/read-cache.ts). On PostgreSQL, where every read
   * costs a round trip; on SQLite, where a read costs less than asking, the same as run().
   * The rows answered are shared: never change them.
   */
  read<R>(query: CompiledQuery): Promise<QueryResult<R>>;
  /**
   * A value that changes whenever the data may have changed, by any write from any process;
   * undefined when the database offers no cheap one (answers are then never cached).
   */
  changeToken(): Promise<string | undefined>;
  /**
   * PostgreSQL only: calls `onWrite` soon after a write by this process or any other on the same
   * database (db/write-signal.ts), and after a lost signal connection is made again. Returns
   * stop(). A wake-up only: it says something may have changed, never what. SQLite: undefined.
   */
  onWrites?: (onWrite: () => void) => Promise<() => Promise<void>>;
  /** Connections of the pool (SQLite: the one connection). */
  poolStats(): { total: number; idle: number; waiting: number };
  close(): Promise<void>;
}

export async function openDatabase(config: DatabaseConfig): Promise<Database> {
  if (config.kind === 'sqlite') {
    const dialect = sqliteDialect(config.path);
    const db = new Kysely<unknown>({ dialect });
    const run = <R>(query: CompiledQuery) => dialect.run<R>(query);
    return {
      db,
      kind: 'sqlite',
      indexesRewrittenWhenSet: true,
      run,
      read: run,
      changeToken: () => dialect.changeToken(),
      poolStats: () => ({ total: 1, idle: 1, waiting: 0 }),
      close: () => db.destroy(),
    };
  }
  // Loaded only for PostgreSQL: initialising pg costs tens of milliseconds of a SQLite cold start.
  const { openPostgres } = await import('./postgres.js');
  return openPostgres(config);
}

function sqliteDialect(path: string): GroupCommitSqliteDialect {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const sqlite = new SqliteDatabase(path);
  // WAL: readers never block the writer. synchronous=NORMAL in WAL mode keeps every committed
  // transaction through a process crash; only an OS crash or power loss can lose the last ones.
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('busy_timeout = 5000');
  // Pages go back from the log into the file every 10,000 pages (about 40 MB) rather than 1,000:
  // a page written again and again between two checkpoints is copied once.
  sqlite.pragma('wal_autocheckpoint = 10000');
  return new GroupCommitSqliteDialect(sqlite);
}

/** True when an error means the database cannot be reached right now (answer 503, not 500). */
export function isDatabaseUnavailable(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const { code, message } = error as Error & { code?: unknown };
  if (typeof code === 'string') {
    if (['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENOTFOUND', 'EPIPE', 'EAI_AGAIN'].includes(code))
      return true;
    if (code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED') return true;
    // PostgreSQL: 08 connection exception, 57014 statement timeout, 57P0x shutdown, 53 insufficient resources
    if (/^(08|57P0|53)/.test(code) || code === '57014') return true;
  }
  return /timeout|Connection terminated|connection error|Client has encountered a connection error/i.test(message);
}
