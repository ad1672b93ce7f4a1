import { CompiledQuery, type QueryResult } from 'kysely';
import { LRUCache } from 'lru-cache';

// PostgreSQL: the single-row INSERTs of one turn of the event loop that share a text are sent as
// one multi-row INSERT, so N creates that arrive together cost one round trip, one statement and
// one run of the change log's statement trigger instead of N. Each caller gets its own row back:
// PostgreSQL returns a multi-row INSERT … VALUES … RETURNING's rows in the order of its VALUES (as
// Django's bulk_create relies on). Only outside transactions; a turn's lone insert runs as it is.

type Run = <R>(query: CompiledQuery) => Promise<QueryResult<R>>;

/** How to write a batch of one insert text: the part before its VALUES row, the row's width, the rest. */
interface InsertPlan {
  head: string;
  width: number;
  tail: string;
}

interface Pending {
  query: CompiledQuery;
  resolve: (result: QueryResult<unknown>) => void;
  reject: (error: unknown) => void;
}

/** Rows in one statement at most: PostgreSQL allows 65,535 parameters, and a batch's texts stay few. */
export const MAX_BATCH_ROWS = 32;

/** `insert into … (…) values ($1, …, $n) [returning …]`, with no other parameter: a batchable insert. */
const SINGLE_ROW_INSERT = /^(insert into [^$]+? values )\((\$1(?:, \$\d+)*)\)((?: returning [^$]*)?)$/;

function planOf(sqlText: string): InsertPlan | null {
  const match = SINGLE_ROW_INSERT.exec(sqlText);
  if (!match) return null;
  const [, head, row, tail] = match as unknown as [string, string, string, string];
  const params = row.split(', ');
  if (!params.every((param, i) => param === `$${i + 1}`)) return null;
  return { head, width: params.length, tail };
}

/** The text of `rows` rows of a plan: `head ($1, $2), ($3, $4) tail`. */
function batchText({ head, width, tail }: InsertPlan, rows: number): string {
  const tuples = Array.from(
    { length: rows },
    (_, row) => `(${Array.from({ length: width }, (_, col) => `$${row * width + col + 1}`).join(', ')})`,
  );
  return `${head}${tuples.join(', ')}${tail}`;
}

/** Errors of a statement that did not run (bad data, a constraint): each insert can be tried alone. */
const DID_NOT_RUN = /^2[23]/;

/**
 * `run`, with the single-row inserts of a turn batched. A batch whose statement fails on its data
 * is run again an insert at a time, so that only the bad row's caller gets the error; any other
 * failure (a lost connection, a timeout) is every caller's, as it would have been alone.
 */
export function batchingInserts(run: Run, maxRows = MAX_BATCH_ROWS): Run {
  const plans = new LRUCache<string, InsertPlan | false>({ max: 1024 });
  const texts = new LRUCache<string, string>({ max: 1024 });
  const queued = new Map<string, Pending[]>();

  const runAlone = (item: Pending) => run(item.query).then(item.resolve, item.reject);

  const runBatch = (plan: InsertPlan, batch: Pending[]) => {
    const key = `${batch.length}\u0000${batch[0]?.query.sql}`;
    let sqlText = texts.get(key);
    if (sqlText === undefined) {
      sqlText = batchText(plan, batch.length);
      texts.set(key, sqlText);
    }
    const parameters = batch.flatMap((item) => item.query.parameters);
    run<unknown>(CompiledQuery.raw(sqlText, parameters)).then(
      ({ rows }) => {
        const returning = plan.tail !== '';
        for (const [i, item] of batch.entries())
          item.resolve({ rows: returning ? [rows[i]] : [], numAffectedRows: BigInt(1) } as QueryResult<unknown>);
      },
      (error: { code?: unknown }) => {
        if (typeof error?.code === 'string' && DID_NOT_RUN.test(error.code)) for (const item of batch) runAlone(item);
        else for (const item of batch) item.reject(error);
      },
    );
  };

  const flush = (sqlText: string, plan: InsertPlan) => {
    const all = queued.get(sqlText) ?? [];
    queued.delete(sqlText);
    for (let start = 0; start < all.length; start += maxRows) {
      const batch = all.slice(start, start + maxRows);
      if (batch.length === 1) runAlone(batch[0] as Pending);
      else runBatch(plan, batch);
    }
  };

  return <R>(query: CompiledQuery): Promise<QueryResult<R>> => {
    let plan = plans.get(query.sql);
    if (plan === undefined) {
      plan = planOf(query.sql) ?? false;
      plans.set(query.sql, plan);
    }
    if (!plan) return run<R>(query);
    const known = plan;
    return new Promise<QueryResult<R>>((resolve, reject) => {
      const pending = { query, resolve, reject } as Pending;
      const waiting = queued.get(query.sql);
      if (waiting) waiting.push(pending);
      else {
        queued.set(query.sql, [pending]);
        setImmediate(flush, query.sql, known);
      }
    });
  };
}
