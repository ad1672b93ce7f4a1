import { createHash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import {
  CompiledQuery,
  Kysely,
  PostgresDialect,
  type PostgresPool,
  type PostgresPoolClient,
  type QueryResult,
} from 'kysely';
import { LRUCache } from 'lru-cache';
import type pg from 'pg';
import type { DatabaseConfig } from '../config.js';
import { deadlines } from './deadlines.js';
import { readCache } from './read-cache.js';
import { GroupCommitSqliteDialect } from './sqlite-driver.js';
import { writeSignal } from './write-signal.js';

/** Kysely over the database; each feature types it with its own tables. */
export type Db = Kysely<unknown>;

export type DatabaseKind = DatabaseConfig['kind'];

export interface Database {
  db: Db;
  kind: DatabaseKind;
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
      run,
      read: run,
      changeToken: () => dialect.changeToken(),
      poolStats: () => ({ total: 1, idle: 1, waiting: 0 }),
      close: () => db.destroy(),
    };
  }
  // Loaded only for PostgreSQL: initialising pg costs tens of milliseconds of a SQLite cold start.
  const { default: pgModule } = await import('pg');
  const pool = postgresPool(pgModule, config);
  const signal = writeSignal(pgModule, config, pool);
  const guarded = withQueryDeadline(pool, config.statementTimeoutMs, signal.wrote);
  const db = new Kysely<unknown>({ dialect: new PostgresDialect({ pool: guarded }) });
  const run = <R>(query: CompiledQuery) => queryOnce<R>(guarded, query);
  const changeToken = coalesced(() => snapshotToken(guarded));
  return {
    db,
    kind: 'postgres',
    run,
    read: readCache(changeToken, run),
    changeToken,
    onWrites: signal.subscribe,
    poolStats: () => ({ total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount }),
    close: () => db.destroy(),
  };
}

function sqliteDialect(path: string): GroupCommitSqliteDialect {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const sqlite = new SqliteDatabase(path);
  // WAL: readers never block the writer. synchronous=NORMAL in WAL mode keeps every committed
  // transaction through a process crash; only an OS crash or power loss can lose the last ones.
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('busy_timeout = 5000');
  return new GroupCommitSqliteDialect(sqlite);
}

function postgresPool(pgModule: typeof pg, config: Extract<DatabaseConfig, { kind: 'postgres' }>): pg.Pool {
  const pool = new pgModule.Pool({
    connectionString: config.url,
    max: config.poolSize,
    connectionTimeoutMillis: config.connectTimeoutMs,
    statement_timeout: config.statementTimeoutMs || undefined,
    idleTimeoutMillis: 30_000,
    keepAlive: true,
    types: { getTypeParser: bigintAsNumber(pgModule) },
  });
  // An idle client losing its connection must not crash the process; the next query reconnects.
  pool.on('error', () => {});
  return pool;
}

/**
 * statement_timeout makes the server give up on a slow query, but a server (or network) that
 * stops answering altogether sends nothing back. So every query also has a client-side deadline:
 * past it the query fails with a timeout and its connection is thrown away, not reused.
 */
function withQueryDeadline(pool: pg.Pool, statementTimeoutMs: number, onWrite: () => void): PostgresPool {
  const deadline = statementTimeoutMs > 0 ? deadlines(statementTimeoutMs + 1000) : undefined;
  return {
    end: () => {
      deadline?.stop();
      return pool.end();
    },
    async connect() {
      const client = await pool.connect();
      // A connection lost while checked out is reported by the failing query; without a
      // listener the client's own 'error' event would crash the process.
      if (client.listenerCount('error') === 0) client.on('error', () => {});
      let broken = false;
      const guarded = {
        query(...args: unknown[]) {
          const result = (client.query as (...a: unknown[]) => unknown)(...args);
          if (!(result instanceof Promise)) return result;
          if (isWrite(args[0])) result.then(onWrite, () => {});
          return deadline ? deadline.guard(result, () => (broken = true)) : result;
        },
        release: (destroy?: boolean) => client.release(destroy || broken),
      };
      return guarded as unknown as PostgresPoolClient;
    },
  };
}

/** A statement that writes, or the commit of a transaction that may have. */
const isWrite = (query: unknown) =>
  WRITE.test(typeof query === 'string' ? query : String((query as { text?: unknown } | undefined)?.text ?? ''));
const WRITE = /^\s*(insert|update|delete|commit)\b/i;

/**
 * One query on a pooled connection, as a named (prepared) statement: PostgreSQL parses and plans
 * it once per connection, and each run sends only its parameters. The name is a digest of the SQL
 * text, so one text is one statement, on every connection and replica.
 */
async function queryOnce<R>(pool: PostgresPool, query: CompiledQuery): Promise<QueryResult<R>> {
  const client = await pool.connect();
  try {
    const named = { name: statementName(query.sql), text: query.sql, values: [...query.parameters] };
    const result = (await (client as unknown as pg.PoolClient).query(named)) as pg.QueryResult<R & pg.QueryResultRow>;
    return { rows: result.rows, numAffectedRows: result.rowCount === null ? undefined : BigInt(result.rowCount) };
  } finally {
    client.release();
  }
}

const statementNames = new LRUCache<string, string>({ max: 1024 });
function statementName(sqlText: string): string {
  let name = statementNames.get(sqlText);
  if (name === undefined) {
    name = `pb_${createHash('sha256').update(sqlText).digest('base64url').slice(0, 24)}`;
    statementNames.set(sqlText, name);
  }
  return name;
}

/**
 * The change token on PostgreSQL: the current snapshot (xmin:xmax:in-progress ids). It is the
 * same text only while no transaction has started writing or ended since, so an answer cached
 * under it is exactly what a read now would give, on any replica. Read before the rows it covers.
 */
async function snapshotToken(pool: PostgresPool): Promise<string> {
  const { rows } = await queryOnce<{ token: string }>(pool, SNAPSHOT_QUERY);
  return (rows[0] as { token: string }).token;
}
const SNAPSHOT_QUERY = CompiledQuery.raw('select pg_current_snapshot()::text as token');

/**
 * Reads shared by callers, never older than the call: a caller that asks while a read is on its
 * way waits for the next one, sent as soon as that read is answered, and shared by everyone who
 * asked meanwhile. Under load, one round trip serves every request that arrived during the last.
 */
export function coalesced<T>(read: () => Promise<T>): () => Promise<T> {
  let sent: Promise<T> | undefined;
  let queued: Promise<T> | undefined;
  const send = () => {
    const reading = read();
    sent = reading;
    const done = () => {
      if (sent === reading) sent = undefined;
    };
    reading.then(done, done);
    return reading;
  };
  return () => {
    if (!sent) return send();
    queued ??= sent.then(ignore, ignore).then(() => {
      queued = undefined;
      return send();
    });
    return queued;
  };
}
const ignore = () => {};

const INT8_OID = 20;
const bigintAsNumber = (pgModule: typeof pg) => (oid: number, format?: 'text' | 'binary') => {
  if (oid === INT8_OID) return (value: string) => Number(value);
  return pgModule.types.getTypeParser(oid, format as 'text');
};

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
