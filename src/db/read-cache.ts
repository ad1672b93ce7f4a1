import type { CompiledQuery, QueryResult } from 'kysely';
import { LRUCache } from 'lru-cache';

// Reads answered from memory while the database has not changed. Each read first asks the change
// token (database.ts: on PostgreSQL the current snapshot, read by one round trip shared by every
// read that arrived meanwhile) and is answered from memory when the same read was answered under
// the same token. The token is read before the rows it covers, so rows kept under a token are
// never older than it, and a read that asked after a write's commit never gets a token from
// before it: every answer is what a read at the start of the request, or later, would give.
//
// When the data changes faster than reads repeat, asking the token costs a round trip that rarely
// pays: after CHURN_CHANGES new tokens within CHURN_WINDOW reads, reads go straight to the
// database for BYPASS_MS, then try the token again.

type Run = <R>(query: CompiledQuery) => Promise<QueryResult<R>>;

const MAX_ENTRIES = 16_384;
/** Rows kept in all; one answer of more rows than MAX_ENTRY_ROWS is not kept. */
const MAX_ROWS = 65_536;
const MAX_ENTRY_ROWS = 100;
const CHURN_WINDOW = 32;
const CHURN_CHANGES = 4;
const BYPASS_MS = 1000;

export interface ReadCacheOptions {
  /** The clock, in milliseconds (tests give their own). */
  now?: () => number;
}

export function readCache(
  changeToken: () => Promise<string>,
  run: Run,
  { now = performance.now.bind(performance) }: ReadCacheOptions = {},
): Run {
  const answers = new LRUCache<string, { token: string; result: QueryResult<unknown> }>({
    max: MAX_ENTRIES,
    maxSize: MAX_ROWS,
    sizeCalculation: (entry) => Math.max(1, entry.result.rows.length),
  });
  let bypassUntil = 0;
  let lastToken: string | undefined;
  let reads = 0;
  let changes = 0;

  /** Counts a read under `token`; true when the data changes too often for the cache to pay. */
  const churning = (token: string): boolean => {
    if (token !== lastToken) {
      lastToken = token;
      changes++;
    }
    if (++reads < CHURN_WINDOW) return false;
    const churn = changes >= CHURN_CHANGES;
    reads = 0;
    changes = 0;
    return churn;
  };

  return async <R>(query: CompiledQuery): Promise<QueryResult<R>> => {
    if (bypassUntil > now()) return run<R>(query);
    const token = await changeToken();
    if (churning(token)) bypassUntil = now() + BYPASS_MS;
    const key = `${query.sql}\u0000${JSON.stringify(query.parameters)}`;
    const known = answers.get(key);
    if (known?.token === token) return known.result as QueryResult<R>;
    const result = await run<R>(query);
    if (result.rows.length <= MAX_ENTRY_ROWS) {
      for (const row of result.rows) Object.freeze(row);
      Object.freeze(result.rows);
      answers.set(key, { token, result: Object.freeze(result) });
    }
    return result;
  };
}
