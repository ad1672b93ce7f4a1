import type { CompiledQuery, QueryResult } from 'kysely';
import { LRUCache } from 'lru-cache';
import { changedNothing } from './pg-statement.js';

// PostgreSQL: the statements of one turn of the event loop that share a text go to the database
// together, so N requests that arrive together cost one round trip instead of N:
// - single-row INSERTs as one multi-row INSERT: one statement, and one run of the change log's
//   statement trigger. PostgreSQL returns a multi-row INSERT … VALUES … RETURNING's rows in the
//   order of its VALUES (Django's bulk_create relies on it), so each caller gets its own row;
// - reads, and updates and deletes of one row by id, as runs of one prepared statement in one
//   write (pipelining, see pg-statement.ts), each run with its own values and its own answer. The
//   writes are sent in id order, so two batches lock their rows in the same order and never wait
//   for each other in a cycle (a deadlock);
// - any other statement alone.
// Either way the batch is one transaction: if the database refuses it, nothing was written, and
// each statement is run again alone, so that only the one at fault fails. Only outside
// transactions; a turn's lone statement runs as it is.

/** Runs of one statement text, each with its values, in one round trip; an answer per run. */
export type RunMany = <R>(sqlText: string, runs: ReadonlyArray<readonly unknown[]>) => Promise<Array<QueryResult<R>>>;
type Run = <R>(query: CompiledQuery) => Promise<QueryResult<R>>;

/** Statements in one batch at most. */
export const MAX_BATCH = 32;

interface Pending {
  query: CompiledQuery;
  resolve: (result: QueryResult<unknown>) => void;
  reject: (error: unknown) => void;
}

/** How to write a batch of one insert text: the part before its VALUES row, the row's width, the rest. */
interface InsertPlan {
  head: string;
  width: number;
  tail: string;
  /** The batch texts written so far, by number of rows. */
  texts: string[];
}

/** How a batch of one statement text is sent: one insert, runs in one round trip (writes in id order), or alone. */
type Plan = { insert: InsertPlan } | { pipelined: true; idParameter?: number } | { alone: true };

const READ = /^select /;
/** An update or delete of the row whose id is a parameter. */
const WRITE_BY_ID = /^(?:update|delete from) "[^"]+" (?:set .+ )?where "id" = \$(\d+)(?: |$)/;

function planOf(sqlText: string): Plan {
  const insert = insertPlanOf(sqlText);
  if (insert) return { insert };
  if (READ.test(sqlText)) return { pipelined: true };
  const byId = WRITE_BY_ID.exec(sqlText);
  return byId ? { pipelined: true, idParameter: Number(byId[1]) - 1 } : { alone: true };
}

/** The batch in the order of the ids it writes; runs on one id keep their order. */
function inIdOrder(batch: Pending[], index: number): Pending[] {
  const idOf = (item: Pending) => Number(item.query.parameters[index]);
  return batch
    .map((item, position) => ({ item, position }))
    .sort((a, b) => idOf(a.item) - idOf(b.item) || a.position - b.position)
    .map(({ item }) => item);
}

/** `insert into … (…) values ($1, …, $n) [returning …]`, with no other parameter: a batchable insert. */
const SINGLE_ROW_INSERT = /^(insert into [^$]+? values )\((\$1(?:, \$\d+)*)\)((?: returning [^$]*)?)$/;

function insertPlanOf(sqlText: string): InsertPlan | false {
  const match = SINGLE_ROW_INSERT.exec(sqlText);
  if (!match) return false;
  const [, head, row, tail] = match as unknown as [string, string, string, string];
  const params = row.split(', ');
  if (!params.every((param, i) => param === `$${i + 1}`)) return false;
  return { head, width: params.length, tail, texts: [] };
}

/** The text of `rows` rows of a plan: `head ($1, $2), ($3, $4) tail`, written once per number of rows. */
function insertText(plan: InsertPlan, rows: number): string {
  const { head, width, tail, texts } = plan;
  texts[rows] ??= `${head}${Array.from(
    { length: rows },
    (_, row) => `(${Array.from({ length: width }, (_, col) => `$${row * width + col + 1}`).join(', ')})`,
  ).join(', ')}${tail}`;
  return texts[rows];
}

/** `run` for one statement, with the statements of a turn that share a text batched. */
export function batchingByTurn(runMany: RunMany, maxBatch = MAX_BATCH): Run {
  const plans = new LRUCache<string, Plan>({ max: 1024 });
  const queued = new Map<string, Pending[]>();

  const runOne = <R>(query: CompiledQuery) =>
    runMany<R>(query.sql, [query.parameters]).then(([result]) => result as QueryResult<R>);
  const runAlone = (item: Pending) => runOne(item.query).then(item.resolve, item.reject);

  const insertAll = (plan: InsertPlan, batch: Pending[]): Promise<Array<QueryResult<unknown>>> => {
    const returning = plan.tail !== '';
    return runMany(insertText(plan, batch.length), [batch.flatMap((item) => item.query.parameters)]).then(([result]) =>
      batch.map((_, i) => ({ rows: returning ? [result?.rows[i]] : [], numAffectedRows: BigInt(1) })),
    );
  };

  const runBatch = (sqlText: string, plan: Plan, given: Pending[]) => {
    const batch = 'pipelined' in plan && plan.idParameter !== undefined ? inIdOrder(given, plan.idParameter) : given;
    const ran =
      'insert' in plan
        ? insertAll(plan.insert, batch)
        : runMany(
            sqlText,
            batch.map((item) => item.query.parameters),
          );
    ran.then(
      (results) => {
        for (const [i, item] of batch.entries()) item.resolve(results[i] as QueryResult<unknown>);
      },
      (error: unknown) => {
        if (changedNothing(error)) for (const item of batch) runAlone(item);
        else for (const item of batch) item.reject(error);
      },
    );
  };

  const flush = (sqlText: string, plan: Plan) => {
    const all = queued.get(sqlText) ?? [];
    queued.delete(sqlText);
    for (let start = 0; start < all.length; start += maxBatch) {
      const batch = all.slice(start, start + maxBatch);
      if (batch.length === 1) runAlone(batch[0] as Pending);
      else runBatch(sqlText, plan, batch);
    }
  };

  return <R>(query: CompiledQuery): Promise<QueryResult<R>> => {
    let plan = plans.get(query.sql);
    if (plan === undefined) {
      plan = planOf(query.sql);
      plans.set(query.sql, plan);
    }
    if ('alone' in plan) return runOne<R>(query);
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
