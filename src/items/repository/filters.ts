import { type Expression, type SelectQueryBuilder, type SqlBool, sql } from 'kysely';
import type { FieldTable } from '../fields.js';
import type { ItemTables } from './tables.js';

// The list's filters and orderings as SQL, written once for both databases. A query is prepared
// per shape (which filters are set, how many search terms, the order; db/prepared.ts): the shape
// and the parameters are split here, and the SQL is built from the shape alone.

export interface ItemFilter {
  /** Exact product name. */
  product?: string;
  /** Every term must occur in a searchable field, case-insensitively (search forms). */
  search?: string[];
  priceMin?: number;
  priceMax?: number;
}

export type ItemOrder = Array<{ field: string; descending: boolean }>;

export interface FilterShape {
  product: boolean;
  search: number;
  priceMin: boolean;
  priceMax: boolean;
}

export type FilterParams = { product?: string; priceMin?: number; priceMax?: number } & Record<
  `search${number}`,
  string
>;

const escapeLike = (text: string) => text.replace(/[\\%_]/g, (c) => `\\${c}`);

export const filterShape = (filter: ItemFilter): FilterShape => ({
  product: filter.product !== undefined,
  search: filter.search?.length ?? 0,
  priceMin: filter.priceMin !== undefined,
  priceMax: filter.priceMax !== undefined,
});

/** A filter shape's part of a prepared query's key: which filters, how many search terms. */
export const filterKey = (shape: FilterShape): string =>
  `${shape.product ? 'p' : ''}${shape.search}${shape.priceMin ? 'l' : ''}${shape.priceMax ? 'h' : ''}`;

/** The filter's values by name; search terms as LIKE patterns over search forms. */
export function filterParams(filter: ItemFilter, searchForm: (text: string) => string): FilterParams {
  const params: FilterParams = { product: filter.product, priceMin: filter.priceMin, priceMax: filter.priceMax };
  filter.search?.forEach((term, i) => {
    params[`search${i}`] = `%${escapeLike(searchForm(term))}%`;
  });
  return params;
}

// biome-ignore lint/suspicious/noExplicitAny: any selection over the items table
type ItemsQuery = SelectQueryBuilder<ItemTables, 'items', any>;

/** The search-form columns of a field table: a term must occur in one of them. */
export const searchColumns = (fields: FieldTable): string[] =>
  Object.entries(fields)
    .filter(([, field]) => field.searchForm)
    .map(([name]) => `${name}_search`);

export function applyFilter<Q extends ItemsQuery>(
  query: Q,
  shape: FilterShape,
  p: FilterParams,
  searched: string[],
): Q {
  let q = query;
  if (shape.product) q = q.where('product', '=', p.product) as Q;
  for (let i = 0; i < shape.search; i++) {
    const pattern = p[`search${i}`];
    const anyColumn = searched.map((column) => sql<SqlBool>`${sql.ref(column)} like ${pattern} escape '\\'`);
    q = q.where(sql<SqlBool>`(${sql.join(anyColumn, sql` or `)})`) as Q;
  }
  if (shape.priceMin) q = q.where('price', '>=', p.priceMin) as Q;
  if (shape.priceMax) q = q.where('price', '<=', p.priceMax) as Q;
  return q;
}

/** The order with id last (ties broken by ascending id), as every list is sorted. */
export function keysetOrder(order: ItemOrder): ItemOrder {
  const idAt = order.findIndex((term) => term.field === 'id');
  return idAt === -1 ? [...order, { field: 'id', descending: false }] : order.slice(0, idAt + 1);
}

/**
 * A column as the list orders it. Text is ordered by code point on both databases: SQLite's
 * BINARY collation does; PostgreSQL's database collation may not, so "C" is named there.
 */
export function orderColumn(field: string, kind: string, fields: FieldTable): Expression<unknown> {
  const isText = fields[field]?.metadata.type === 'string';
  return isText && kind === 'postgres' ? sql`${sql.ref(field)} collate "C"` : sql.ref(field);
}

/**
 * Rows after the row whose ordered values are `after` (parameters `after0`, `after1`, …), in the
 * keyset order. In one direction it is a row-value comparison, which both databases answer with
 * one seek of the (field, id) index. In mixed directions it is (a > x) or (a = x and b > y) …,
 * led by the first field's bound so that the index still seeks to the right place (only rows tied
 * with `after` on that field are read again).
 */
export function afterRow(keys: ItemOrder, columns: Expression<unknown>[], after: unknown[]): Expression<SqlBool> {
  const [first] = keys as [ItemOrder[number]];
  const values = after.map((value) => sql`${value}`);
  const beyond = (descending: boolean) => sql.raw(descending ? '<' : '>');
  if (keys.every((key) => key.descending === first.descending)) {
    return sql<SqlBool>`(${sql.join(columns)}) ${beyond(first.descending)} (${sql.join(values)})`;
  }
  const branches = keys.map((key, k) => {
    const equal = keys.slice(0, k).map((_, j) => sql`${columns[j]} = ${values[j]}`);
    return sql`(${sql.join([...equal, sql`${columns[k]} ${beyond(key.descending)} ${values[k]}`], sql` and `)})`;
  });
  const bound = sql.raw(first.descending ? '<=' : '>=');
  return sql<SqlBool>`${columns[0]} ${bound} ${values[0]} and (${sql.join(branches, sql` or `)})`;
}
