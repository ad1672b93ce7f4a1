import type { CompiledQuery, QueryResult } from 'kysely';
import { LRUCache } from 'lru-cache';
import { type ChurnOptions, tokenForCaching } from './churn.js';

// Reads answered from memory while the database has not changed. Each read first asks the change
// token (database.ts: on PostgreSQL the current snapshot, read by one round trip shared by every
// read that arrived meanwhile) and is answered from memory when the same read was answered under
// the same token. The token is read before the rows it covers, so rows kept under a token are
// never older than it, and a read that asked after a write's commit never gets a token from
// before it: every answer is what a read at the start of the request, or later, would give.
// While the data churns, reads go straight to the database (churn.ts).

type Run = <R>(query: CompiledQuery) => Promise<QueryResult<R>>;

const MAX_ENTRIES = 16_384;
/** Rows kept in all; one answer of more rows than MAX_ENTRY_ROWS is not kept. */
const MAX_ROWS = 65_536;
const MAX_ENTRY_ROWS = 100;

export function readCache(changeToken: () => Promise<string>, run: Run, options: ChurnOptions = {}): Run {
  // Made at the first answer kept (lru-cache allocates all its slots up front).
  let answers: LRUCache<string, { token: string; result: QueryResult<unknown> }> | undefined;
  const tokenNow = tokenForCaching(changeToken, options);

  return async <R>(query: CompiledQuery): Promise<QueryResult<R>> => {
    const token = await tokenNow();
    if (token === undefined) return run<R>(query);
    const key = `${query.sql}\u0000${JSON.stringify(query.parameters)}`;
    const known = answers?.get(key);
    if (known?.token === token) return known.result as QueryResult<R>;
    const result = await run<R>(query);
    if (result.rows.length <= MAX_ENTRY_ROWS) {
      for (const row of result.rows) Object.freeze(row);
      Object.freeze(result.rows);
      answers ??= new LRUCache({
        max: MAX_ENTRIES,
        maxSize: MAX_ROWS,
        sizeCalculation: (entry) => Math.max(1, entry.result.rows.length),
      });
      answers.set(key, { token, result: Object.freeze(result) });
    }
    return result;
  };
}
