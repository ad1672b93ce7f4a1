import type SqliteDatabase from 'better-sqlite3';
import {
  type CompiledQuery,
  type DatabaseConnection,
  type Driver,
  type QueryResult,
  SelectQueryNode,
  SqliteDialect,
} from 'kysely';
import { coalesced } from './coalesced.js';

// Kysely's own SQLite driver, with differences that matter for speed:
// - prepared statements are kept: preparing costs more than running a point lookup;
// - group commit: INSERT, UPDATE and DELETE statements that arrive outside a transaction in the
//   same turn of the event loop are committed together, in one transaction (a commit costs a
//   handful of system calls). Each caller's promise settles only after the COMMIT that holds its
//   statement, so nothing is acknowledged before it is durable; a statement that fails (a
//   constraint) is undone alone, as in autocommit, and the others still commit;
// - run(): a compiled query past Kysely's connection hand-off (a provider and several promises per
//   query, more than a point lookup costs): a read runs at once, a write joins the group commit;
// - changeToken(): SQLite's data_version (a commit by another connection or process) and a count
//   of the writes this driver ran, so any write by any path gives a new token; read once a turn
//   for every caller that asked meanwhile, after they asked (db/coalesced.ts).
// Explicit transactions (db.transaction()) get the connection to themselves, as with Kysely's
// driver: other queries wait until they end.
// - pricebook_now_us(): the time the change log's triggers record (items/migrations/006), in UTC
//   microseconds: one value for the whole of a transaction opened with db.transaction() (every
//   write of a bulk change shares it, as on PostgreSQL with now()), else one per statement.
//   Only connections opened here have the function: writes to `items` by another SQLite client
//   fail instead of going unlogged.

type Statement = SqliteDatabase.Statement;

const GROUPABLE = /^\s*(?:insert|update|delete)\b/i;
const CACHED_STATEMENTS = 500;

interface Prepared {
  statement: Statement;
  groupable: boolean;
}

interface QueuedWrite {
  prepared: Prepared;
  parameters: readonly unknown[];
  resolve(result: QueryResult<unknown>): void;
  reject(error: unknown): void;
}

/** UTC microseconds since the epoch (sub-millisecond from the monotonic clock). */
export const nowMicros = (): number => Math.trunc((performance.timeOrigin + performance.now()) * 1000);

/** Gives a connection the change log's clock; `fixed` is the transaction's time, if one is running. */
export function addChangeLogClock(
  db: SqliteDatabase.Database,
  fixed: () => number | undefined = () => undefined,
): void {
  db.function('pricebook_now_us', { deterministic: false, varargs: false }, () => fixed() ?? nowMicros());
}

export class GroupCommitSqliteDialect extends SqliteDialect {
  readonly #driver: GroupCommitDriver;
  /** One data_version read for every request that asked in a turn of the event loop, read after they asked. */
  readonly #changeToken: () => Promise<string>;

  constructor(database: SqliteDatabase.Database) {
    super({ database });
    this.#driver = new GroupCommitDriver(database);
    this.#changeToken = coalesced(() => this.#driver.changeToken());
  }

  override createDriver(): Driver {
    return this.#driver;
  }

  /** Runs a compiled query: a read at once (unless a transaction holds the connection), a write in the group commit. */
  run<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    const result = this.#driver.readNow(query.sql, query.parameters);
    if (result) return Promise.resolve({ rows: result as R[] });
    return this.#driver.executeOutside(query) as Promise<QueryResult<R>>;
  }

  /** Changes whenever the data may have: a commit by another connection, or any write run here. */
  changeToken(): Promise<string> {
    return this.#changeToken();
  }
}

class GroupCommitDriver implements Driver {
  readonly #db: SqliteDatabase.Database;
  readonly #statements = new Map<string, Prepared>();
  /** The connection running an explicit transaction, and a promise that settles when it ends. */
  #owner: Connection | undefined;
  #ownerDone: Promise<void> = Promise.resolve();
  #endOwnership: () => void = () => {};
  #queue: QueuedWrite[] = [];
  /** Writes run by this driver, committed or not: a part of the change token. */
  #writes = 0;
  readonly #dataVersion: Statement;
  /** The time pricebook_now_us() answers: set for a transaction or a statement, else undefined. */
  #clock: number | undefined;

  constructor(db: SqliteDatabase.Database) {
    this.#db = db;
    this.#dataVersion = db.prepare('pragma data_version').pluck();
    addChangeLogClock(db, () => this.#clock);
  }

  async changeToken(): Promise<string> {
    // data_version must be read outside another connection's transaction, like any read.
    await this.waitTurn(undefined);
    return `${this.#dataVersion.get()}:${this.#writes}`;
  }

  /** A query from outside any transaction (run()): waits for a transaction to end, then runs. */
  async executeOutside(query: CompiledQuery): Promise<QueryResult<unknown>> {
    await this.waitTurn(undefined);
    return this.execute(undefined, query);
  }

  async init(): Promise<void> {}

  async acquireConnection(): Promise<DatabaseConnection> {
    return new Connection(this);
  }

  async releaseConnection(): Promise<void> {}

  async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await this.waitTurn(connection as Connection);
    this.commitQueued();
    this.#owner = connection as Connection;
    this.#clock = nowMicros();
    this.#ownerDone = new Promise((resolve) => {
      this.#endOwnership = resolve;
    });
    try {
      this.#db.exec('begin');
    } catch (error) {
      this.#endTransaction();
      throw error;
    }
  }

  async commitTransaction(): Promise<void> {
    try {
      this.#db.exec('commit');
    } catch (error) {
      if (this.#db.inTransaction) this.#db.exec('rollback');
      throw error;
    } finally {
      this.#endTransaction();
    }
  }

  async rollbackTransaction(): Promise<void> {
    try {
      if (this.#db.inTransaction) this.#db.exec('rollback');
    } finally {
      this.#endTransaction();
    }
  }

  async destroy(): Promise<void> {
    // Writes issued just before (still on their way through Kysely) are committed, not dropped.
    await new Promise((resolve) => setImmediate(resolve));
    this.commitQueued();
    this.#db.close();
  }

  /** While another connection runs a transaction: a promise that settles when it ends. */
  busyFor(connection: Connection | undefined): Promise<void> | undefined {
    return this.#owner && this.#owner !== connection ? this.#ownerDone : undefined;
  }

  /** Resolves once no other connection runs a transaction (the caller may then run at once). */
  async waitTurn(connection: Connection | undefined): Promise<void> {
    for (let busy = this.busyFor(connection); busy; busy = this.busyFor(connection)) await busy;
  }

  execute(
    connection: Connection | undefined,
    query: CompiledQuery,
  ): PromiseLike<QueryResult<unknown>> | QueryResult<unknown> {
    const prepared = this.#prepare(query.sql);
    if (!prepared.groupable || (connection && this.#owner === connection)) return this.#run(prepared, query.parameters);
    // No other connection's transaction is open here (the caller waited its turn), and
    // beginTransaction commits the queue first: queued writes never meet a transaction.
    return new Promise((resolve, reject) => {
      if (this.#queue.length === 0) setImmediate(() => this.commitQueued());
      this.#queue.push({ prepared, parameters: query.parameters, resolve, reject });
    });
  }

  readNow(sql: string, parameters: readonly unknown[]): unknown[] | undefined {
    if (this.#owner) return undefined;
    const prepared = this.#prepare(sql);
    // `reader` is also true of INSERT … RETURNING: writes go through the group commit instead.
    return prepared.statement.reader && !prepared.groupable ? prepared.statement.all(parameters) : undefined;
  }

  prepareForIteration(sql: string): Statement {
    return this.#prepare(sql).statement;
  }

  /** Runs the queued writes in one transaction (a single one on its own) and settles them. */
  commitQueued(): void {
    const batch = this.#queue;
    if (batch.length === 0) return;
    this.#queue = [];
    if (batch.length === 1) {
      const [write] = batch as [QueuedWrite];
      try {
        write.resolve(this.#run(write.prepared, write.parameters));
      } catch (error) {
        write.reject(error);
      }
      return;
    }
    const outcomes: Array<{ result?: QueryResult<unknown>; error?: unknown }> = [];
    try {
      this.#db.exec('begin immediate');
      for (const write of batch) {
        try {
          outcomes.push({ result: this.#run(write.prepared, write.parameters) });
        } catch (error) {
          // A failed statement is undone alone, unless SQLite had to roll back everything.
          if (!this.#db.inTransaction) throw error;
          outcomes.push({ error });
        }
      }
      this.#db.exec('commit');
    } catch (error) {
      if (this.#db.inTransaction) this.#db.exec('rollback');
      for (const write of batch) write.reject(error);
      return;
    }
    batch.forEach((write, i) => {
      const { result, error } = outcomes[i] as { result?: QueryResult<unknown>; error?: unknown };
      if (result) write.resolve(result);
      else write.reject(error);
    });
  }

  #run({ statement, groupable }: Prepared, parameters: readonly unknown[]): QueryResult<unknown> {
    // Counted before it runs: a failed write only costs a cache miss, a missed one stale answers.
    if (groupable || !statement.reader) this.#writes++;
    // Outside a transaction each statement gets its own time (in a group commit too: each is a write of its own).
    const ownClock = this.#owner === undefined;
    if (ownClock) this.#clock = nowMicros();
    try {
      if (statement.reader) return { rows: statement.all(parameters) };
      const { changes, lastInsertRowid } = statement.run(parameters);
      return { numAffectedRows: BigInt(changes), insertId: BigInt(lastInsertRowid), rows: [] };
    } finally {
      if (ownClock) this.#clock = undefined;
    }
  }

  #endTransaction(): void {
    this.#owner = undefined;
    this.#clock = undefined;
    this.#endOwnership();
  }

  #prepare(sql: string): Prepared {
    let prepared = this.#statements.get(sql);
    if (!prepared) {
      prepared = { statement: this.#db.prepare(sql), groupable: GROUPABLE.test(sql) };
      if (this.#statements.size < CACHED_STATEMENTS) this.#statements.set(sql, prepared);
    }
    return prepared;
  }
}

class Connection implements DatabaseConnection {
  readonly #driver: GroupCommitDriver;

  constructor(driver: GroupCommitDriver) {
    this.#driver = driver;
  }

  executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    const busy = this.#driver.busyFor(this);
    if (busy) return busy.then(() => this.executeQuery(query));
    try {
      return Promise.resolve(this.#driver.execute(this, query) as QueryResult<R>);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  async *streamQuery<R>(query: CompiledQuery): AsyncIterableIterator<QueryResult<R>> {
    if (!SelectQueryNode.is(query.query)) throw new Error('SQLite can stream only SELECT queries');
    await this.#driver.waitTurn(this);
    for (const row of this.#driver.prepareForIteration(query.sql).iterate(query.parameters)) {
      yield { rows: [row as R] };
    }
  }
}
