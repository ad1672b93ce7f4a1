import { type Compilable, CompiledQuery, type Kysely } from 'kysely';
import { LRUCache } from 'lru-cache';
import type { DirectRead } from './database.js';

/** Shapes kept at most; a shape comes from the request (filters, search terms), so it is bounded. */
const MAX_SHAPES = 256;

/**
 * Kysely builds and compiles a query on every call, which costs more than running a point lookup.
 * The hot queries' SQL depends only on their shape, so it is compiled once per shape and reused
 * with new parameters. Self-checking: a shape is cached only when the parameters the caller
 * gives are exactly those the built query carries, so a wrong order can never reach the database,
 * and only once the query has run without error. With `directRead` (database.ts), a cached read
 * runs past Kysely's executor.
 */
export function createQueryCache(db: Kysely<unknown>, directRead?: DirectRead) {
  const sqlByShape = new LRUCache<string, string | false>({ max: MAX_SHAPES });
  return async function run<R>(
    shape: string,
    parameters: readonly unknown[],
    build: () => Compilable<R>,
  ): Promise<R[]> {
    const known = sqlByShape.get(shape);
    if (known) {
      const rows = directRead?.(known, parameters);
      if (rows) return (await rows) as R[];
      return (await db.executeQuery<R>(CompiledQuery.raw(known, [...parameters]))).rows;
    }
    const compiled = build().compile();
    const { rows } = await db.executeQuery(compiled);
    if (known === undefined) sqlByShape.set(shape, sameValues(compiled.parameters, parameters) && compiled.sql);
    return rows;
  };
}

function sameValues(a: readonly unknown[], b: readonly unknown[]): boolean {
  return a.length === b.length && a.every((value, i) => Object.is(value, b[i]));
}
