import { createHash } from 'node:crypto';
import { Kysely, PostgresDialect, type PostgresPool, type PostgresPoolClient, type QueryResult } from 'kysely';
import { LRUCache } from 'lru-cache';
import type pg from 'pg';
import type { DatabaseConfig } from '../config.js';
import { coalesced } from './coalesced.js';
import type { Database } from './database.js';
import { type Deadlines, deadlines } from './deadlines.js';
import { snapshotReader } from './pg-snapshot.js';
import { NamedStatement, RowShapes, type StatementResult } from './pg-statement.js';
import { readCache } from './read-cache.js';
import { batchingByTurn } from './turn-batches.js';
import { writeSignal } from './write-signal.js';

// PostgreSQL: a pg pool under Kysely, every query a named (prepared) statement with a client-side
// deadline, the statements of a turn that share a text sent together (turn-batches.ts), and the
// change token (the current snapshot) that lets reads be answered from memory.

type PostgresConfig = Extract<DatabaseConfig, { kind: 'postgres' }>;

/** PostgreSQL behind the Database interface: a pool, a deadline on every query, the change token. */
export async function openPostgres(config: PostgresConfig): Promise<Database> {
  const { default: pgModule } = await import('pg');
  const typeParsers = bigintAsNumber(pgModule);
  const pool = postgresPool(pgModule, config, typeParsers);
  // A client-side deadline on every query, past the server's own statement_timeout.
  const deadline = config.statementTimeoutMs > 0 ? deadlines(config.statementTimeoutMs + 1000) : undefined;
  const snapshot = snapshotReader(() => new pgModule.Client(connectionOptions(config, typeParsers)), deadline);
  const signal = writeSignal(pgModule, config, pool);
  const guarded = withQueryDeadline(new RowShapes(typeParsers, STATEMENTS_KEPT), pool, deadline, signal.wrote);
  const db = new Kysely<unknown>({ dialect: new PostgresDialect({ pool: guarded }) });
  const run = batchingByTurn((sqlText, runs) => runsOf(guarded, sqlText, runs));
  // The change token: the current snapshot (xmin:xmax:in-progress ids). It is the same text only
  // while no transaction has started writing or ended since, so an answer cached under it is exactly
  // what a read now would give, on any replica. Read before the rows it covers.
  const changeToken = coalesced(snapshot.read);
  return {
    db,
    kind: 'postgres',
    indexesRewrittenWhenSet: false,
    run,
    read: readCache(changeToken, run),
    changeToken,
    onWrites: signal.subscribe,
    poolStats: () => ({ total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount }),
    close: async () => {
      await snapshot.close();
      await db.destroy();
      // Kysely ends the pool only if it ever used it; most queries here bypass it (run, read).
      if (!pool.ending) await guarded.end();
    },
  };
}

function postgresPool(
  pgModule: typeof pg,
  config: PostgresConfig,
  getTypeParser: ReturnType<typeof bigintAsNumber>,
): pg.Pool {
  const pool = new pgModule.Pool({
    ...connectionOptions(config, getTypeParser),
    max: config.poolSize,
    idleTimeoutMillis: 30_000,
  });
  // An idle client losing its connection must not crash the process; the next query reconnects.
  pool.on('error', () => {});
  return pool;
}

/** How every connection is made: the pool's, and the change token's own (pg-snapshot.ts). */
const connectionOptions = (config: PostgresConfig, getTypeParser: ReturnType<typeof bigintAsNumber>) => ({
  connectionString: config.url,
  connectionTimeoutMillis: config.connectTimeoutMs,
  statement_timeout: config.statementTimeoutMs || undefined,
  keepAlive: true,
  types: { getTypeParser },
});

/** A pooled client as Kysely uses it, and the lean way the driver runs one named statement. */
interface GuardedClient extends PostgresPoolClient {
  /** Runs of a named (prepared) statement in one round trip, with the same deadline and write signal as query(). */
  named<R>(name: string, text: string, runs: ReadonlyArray<readonly unknown[]>): Promise<Array<StatementResult<R>>>;
}

interface GuardedPool extends PostgresPool {
  connect(): Promise<GuardedClient>;
}

/**
 * statement_timeout makes the server give up on a slow query, but a server (or network) that
 * stops answering altogether sends nothing back. So every query also has a client-side deadline:
 * past it the query fails with a timeout and its connection is thrown away, not reused.
 */
function withQueryDeadline(
  shapes: RowShapes,
  pool: pg.Pool,
  deadline: Deadlines | undefined,
  onWrite: () => void,
): GuardedPool {
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
      const guard = <T>(result: Promise<T>, text: unknown) => {
        if (isWrite(text)) result.then(onWrite, () => {});
        return deadline ? deadline.guard(result, () => (broken = true)) : result;
      };
      const guarded = {
        query(...args: unknown[]) {
          const result = (client.query as (...a: unknown[]) => unknown)(...args);
          if (!(result instanceof Promise)) return result;
          return guard(result, args[0]);
        },
        named<R>(name: string, text: string, runs: ReadonlyArray<readonly unknown[]>) {
          return guard(
            new Promise<Array<StatementResult<R>>>((resolve, reject) => {
              const statement = new NamedStatement<R>(name, text, runs, shapes, (error, results) =>
                error ? reject(error) : resolve(results as Array<StatementResult<R>>),
              );
              client.query(statement);
            }),
            text,
          );
        },
        release: (destroy?: boolean) => client.release(destroy || broken),
      };
      return guarded as unknown as GuardedClient;
    },
  };
}

/** A statement that writes, or the commit of a transaction that may have. */
const isWrite = (query: unknown) =>
  WRITE.test(typeof query === 'string' ? query : String((query as { text?: unknown } | undefined)?.text ?? ''));
const WRITE = /^\s*(insert|update|delete|commit)\b/i;

/**
 * Runs of one statement, each with its values, in one round trip on one pooled connection, as a
 * named (prepared) statement: PostgreSQL parses and plans it once per connection, and each run
 * sends only its parameters. The name is a digest of the SQL text, so one text is one statement,
 * on every connection and replica.
 */
async function runsOf<R>(
  pool: GuardedPool,
  sqlText: string,
  runs: ReadonlyArray<readonly unknown[]>,
): Promise<Array<QueryResult<R>>> {
  const client = await pool.connect();
  try {
    const results = await client.named<R>(statementName(sqlText), sqlText, runs);
    return results.map((result) => ({
      rows: result.rows,
      numAffectedRows: result.rowCount === null ? undefined : BigInt(result.rowCount),
    }));
  } finally {
    client.release();
  }
}

/** Statement texts whose names (and row shapes) are kept. */
const STATEMENTS_KEPT = 1024;
const statementNames = new LRUCache<string, string>({ max: STATEMENTS_KEPT });
function statementName(sqlText: string): string {
  let name = statementNames.get(sqlText);
  if (name === undefined) {
    name = `pb_${createHash('sha256').update(sqlText).digest('base64url').slice(0, 24)}`;
    statementNames.set(sqlText, name);
  }
  return name;
}

const INT8_OID = 20;
const bigintAsNumber = (pgModule: typeof pg) => (oid: number, format?: 'text' | 'binary') => {
  if (oid === INT8_OID) return (value: string) => Number(value);
  return pgModule.types.getTypeParser(oid, format as 'text');
};
