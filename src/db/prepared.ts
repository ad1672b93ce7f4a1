import { type Compilable, CompiledQuery, type Kysely, type QueryResult } from 'kysely';
import { LRUCache } from 'lru-cache';

// Queries compiled once and run many times. Kysely builds and compiles a query on every call,
// which costs more than running a point lookup; a hot query's SQL depends only on its shape
// (which conditions it has, how many search terms), not on its values.
//
// A prepared query is written as a function of that shape and of named parameters. It is built
// once per shape with placeholders for the parameters, and each run fills them in by name. The
// builder sees no value, only the shape and placeholders, so a query can never be cached for one
// shape and run for another, and nobody writes a cache key or lists parameters in compile order.

/** Where a prepared query runs: the database (its fast path) or a transaction (through Kysely). */
export interface QueryRunner {
  /** Builds and compiles; any Kysely of the same dialect. */
  db: Kysely<unknown>;
  /** Names the dialect: the compiled SQL is kept per dialect. */
  kind: string;
  run<R>(query: CompiledQuery): Promise<QueryResult<R>>;
}

/** A runner inside a transaction: every query goes through the transaction's connection. */
export const inTransaction = (trx: { executeQuery: Kysely<unknown>['executeQuery'] }, kind: string): QueryRunner => ({
  db: trx as Kysely<unknown>,
  kind,
  run: <R>(query: CompiledQuery) => trx.executeQuery(query) as Promise<QueryResult<R>>,
});

const PLACEHOLDER = Symbol('placeholder');

interface Placeholder {
  readonly [PLACEHOLDER]: string;
}

/** Parameters as the builder sees them: a placeholder per name, typed as the value it stands for. */
function placeholders<P>(): P {
  return new Proxy({} as Record<string, Placeholder>, {
    get(cache, name) {
      if (typeof name !== 'string') return undefined;
      cache[name] ??= Object.freeze({
        [PLACEHOLDER]: name,
        // A placeholder that ends up in a string was used in an expression: the builder must be
        // given the computed value as a parameter of its own.
        [Symbol.toPrimitive]: () => {
          throw new Error(`prepared query parameter "${name}" used in an expression; pass the computed value`);
        },
      });
      return cache[name];
    },
  }) as P;
}

const isPlaceholder = (value: unknown): value is Placeholder =>
  typeof value === 'object' && value !== null && PLACEHOLDER in value;

interface Compiled {
  sql: string;
  /** Per parameter position: the name of the value to put there, or a constant of the query. */
  slots: Array<{ name: string } | { constant: unknown }>;
  /** Run through the database's general path (see PreparedOptions.planEachRun). */
  planEachRun: boolean;
}

export interface PreparedOptions<Shape> {
  /** Shapes kept at most; the least recently used go first. */
  maxShapes?: number;
  /**
   * True for a shape whose best plan depends on its values. The runner's fast path runs a named
   * statement, which PostgreSQL plans once for any values (a generic plan); how many rows a
   * pattern or a range matches is known only from the value, and a generic plan may walk the
   * whole table. Such a shape runs through Kysely (`runner.db`), as an unnamed statement that
   * PostgreSQL plans with its values, on the same connection or transaction.
   */
  planEachRun?: (shape: Shape) => boolean;
}

export type Prepared<Shape, Params, R> = (runner: QueryRunner, shape: Shape, params: Params) => Promise<QueryResult<R>>;

/**
 * A query built by `build(db, shape, params)` for each distinct shape (as `keyOf` names it),
 * compiled once per dialect and shape. Shapes come from requests, so at most `maxShapes` are kept
 * (the least recently used go first), and one is kept only once its query has run without error.
 */
export function prepared<Shape, Params, R>(
  build: (db: Kysely<unknown>, shape: Shape, params: Params) => Compilable<R>,
  keyOf: (shape: Shape) => string = (shape) => JSON.stringify(shape),
  { maxShapes = 64, planEachRun = () => false }: PreparedOptions<Shape> = {},
): Prepared<Shape, Params, R> {
  const compiled = new LRUCache<string, Compiled>({ max: maxShapes });
  const compile = (runner: QueryRunner, shape: Shape): Compiled => {
    const query = build(runner.db, shape, placeholders<Params>()).compile();
    return {
      sql: query.sql,
      slots: query.parameters.map((value) =>
        isPlaceholder(value) ? { name: value[PLACEHOLDER] } : { constant: value },
      ),
      planEachRun: planEachRun(shape),
    };
  };
  return async (runner, shape, params) => {
    const key = `${runner.kind}\u0000${keyOf(shape)}`;
    const known = compiled.get(key);
    const entry = known ?? compile(runner, shape);
    const values = entry.slots.map((slot) =>
      'name' in slot ? (params as Record<string, unknown>)[slot.name] : slot.constant,
    );
    const query = CompiledQuery.raw(entry.sql, values);
    const result = await (entry.planEachRun ? runner.db.executeQuery<R>(query) : runner.run<R>(query));
    if (!known) compiled.set(key, entry);
    return result;
  };
}
