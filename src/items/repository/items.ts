import { type SqlBool, sql } from 'kysely';
import type { Database } from '../../db/database.js';
import { prepared, type QueryRunner } from '../../db/prepared.js';
import { type FieldTable, type FieldValues, ITEM_FIELDS, searchForm } from '../fields.js';
import {
  afterRow,
  applyFilter,
  type FilterParams,
  type FilterShape,
  filterKey,
  filterParams,
  filterShape,
  type ItemFilter,
  type ItemOrder,
  keysetOrder,
  orderColumn,
  searchColumns,
} from './filters.js';
import { type ItemRecord, itemDb } from './tables.js';

// Items over Kysely: plain functions, one query layer for SQLite and PostgreSQL. No HTTP here.
// Every query is prepared (db/prepared.ts): built once per shape, run with its parameters.

/** What a repository function needs: the database and the field table (fields.ts). */
export interface ItemStore<F extends FieldTable = FieldTable> {
  database: Database;
  fields: F;
  /** The columns of an item, as selected: id, the fields, version. */
  columns: string[];
  /** The search-form columns `?search=` compares. */
  searched: string[];
  /** Where reads outside a transaction run: answered from memory while nothing changed (database.read). */
  reads: QueryRunner;
  /** Names the columns and search columns: the part of a prepared query's key that the store decides. */
  key: string;
}

export function itemStore<F extends FieldTable = typeof ITEM_FIELDS>(database: Database, fields?: F): ItemStore<F> {
  const table = (fields ?? ITEM_FIELDS) as F;
  const columns = ['id', ...Object.keys(table), 'version'];
  const searched = searchColumns(table);
  return {
    database,
    fields: table,
    columns,
    searched,
    reads: { db: database.db, kind: database.kind, run: database.read },
    key: JSON.stringify([columns, searched]),
  };
}

/** What a write with a stale expected version gets: nothing changed. */
export const STALE = Symbol('stale');

type Record_ = ItemRecord<FieldTable>;
type Values = Record<string, unknown>;

/** The stored columns of some field values: the values, and the search form of each searchable one. */
function columnValues(store: ItemStore, values: Values): Values {
  const columns: Values = {};
  for (const [name, value] of Object.entries(values)) {
    columns[name] = value;
    const form = store.fields[name]?.searchForm;
    if (form) columns[`${name}_search`] = form(value as never);
  }
  return columns;
}

const params = (filter: ItemFilter) => filterParams(filter, searchForm);

// --- Reads ----------------------------------------------------------------------------------

// The hot queries' shapes name their store, whose key stands for its columns: a shape's key is
// then a few characters, not the JSON of its arrays.

/** A read by id: the store and the URL's filters. */
interface ByIdShape {
  store: ItemStore;
  filter: FilterShape;
}

const byId = prepared<ByIdShape, FilterParams & { id: number }, Record_>(
  (db, { store, filter }, p) =>
    applyFilter(
      itemDb({ db }).selectFrom('items').select(store.columns).where('id', '=', p.id),
      filter,
      p,
      store.searched,
    ),
  ({ store, filter }) => `${store.key}\u0000${filterKey(filter)}`,
);

/**
 * The item, unless it does not exist or is outside the filter, as the database holds it now; in a
 * transaction when a runner is given. The record is shared: never change it.
 */
export async function getItem(
  store: ItemStore,
  id: number,
  filter: ItemFilter = {},
  runner: QueryRunner = store.reads,
): Promise<Record_ | undefined> {
  const values = params(filter) as FilterParams & { id: number };
  values.id = id;
  const { rows } = await byId(runner, { store, filter: filterShape(filter) }, values);
  return rows[0];
}

/**
 * A filter whose selectivity only its values tell: search terms and price bounds. Lists with one
 * are planned with their values (db/prepared.ts); with `?product=`, (product, id) is the best
 * plan for any product (migration 008).
 */
const plannedWithValues = {
  planEachRun: ({ filter }: { filter: FilterShape }) => filter.search > 0 || filter.priceMin || filter.priceMax,
};

interface ListShape {
  filter: FilterShape;
  order: ItemOrder;
  columns: string[];
  searched: string[];
  kind: string;
  /** Chunks: after a row (keyset); pages: an offset. */
  after: boolean;
  page: boolean;
}

type ListParams = FilterParams & { limit: number; offset: number } & Record<`after${number}`, unknown>;

const listQuery = prepared<ListShape & { fields: FieldTable }, ListParams, Record_>(
  (db, shape, p) => {
    const columns = shape.order.map((key) => orderColumn(key.field, shape.kind, shape.fields));
    let q = applyFilter(itemDb({ db }).selectFrom('items').select(shape.columns), shape.filter, p, shape.searched);
    if (shape.after)
      q = q.where(
        afterRow(
          shape.order,
          columns,
          shape.order.map((_, i) => p[`after${i}`]),
        ),
      );
    shape.order.forEach((key, i) => {
      q = q.orderBy(columns[i] as never, key.descending ? 'desc' : 'asc');
    });
    q = q.limit(p.limit);
    return shape.page ? q.offset(p.offset) : q;
  },
  keyOfList,
  plannedWithValues,
);

function keyOfList(shape: ListShape): string {
  // The field table is part of the store, not of the shape: it is the same for a store's lifetime.
  const { filter, order, columns, searched, kind, after, page } = shape;
  return JSON.stringify([filter, order, columns, searched, kind, after, page]);
}

const listShape = (store: ItemStore, filter: ItemFilter, order: ItemOrder, after: boolean, page: boolean) => ({
  filter: filterShape(filter),
  order: keysetOrder(order),
  columns: store.columns,
  searched: store.searched,
  kind: store.database.kind,
  fields: store.fields,
  after,
  page,
});

/** A page of the list (ascending id unless ordered otherwise; id breaks ties). */
export async function listItems(
  store: ItemStore,
  filter: ItemFilter = {},
  order: ItemOrder = [],
  window: { limit: number; offset: number } = { limit: Number.MAX_SAFE_INTEGER, offset: 0 },
): Promise<Record_[]> {
  const shape = listShape(store, filter, order, false, true);
  const { rows } = await listQuery(store.database, shape, { ...params(filter), ...window } as ListParams);
  return rows;
}

/**
 * The list in any order, a chunk at a time (keyset on the order's fields and id: each chunk is
 * its own short query that starts after the last row of the one before, so no connection is
 * held while a slow client reads a huge list, and memory holds one chunk).
 */
export async function* listItemsInChunks(
  store: ItemStore,
  filter: ItemFilter,
  order: ItemOrder,
  firstChunk: number,
  nextChunks = firstChunk,
): AsyncGenerator<Record_[]> {
  const keys = keysetOrder(order);
  let after: Record_ | undefined;
  for (let size = firstChunk; ; size = nextChunks) {
    const shape = listShape(store, filter, order, after !== undefined, false);
    const values: ListParams = { ...params(filter), limit: size, offset: 0 } as ListParams;
    keys.forEach((key, i) => {
      values[`after${i}`] = after?.[key.field];
    });
    const { rows } = await listQuery(store.database, shape, values);
    if (rows.length > 0) yield rows;
    if (rows.length < size) return;
    after = rows.at(-1);
  }
}

const countQuery = prepared<{ filter: FilterShape; searched: string[] }, FilterParams, { count: number | bigint }>(
  (db, shape, p) =>
    applyFilter(
      itemDb({ db })
        .selectFrom('items')
        .select((eb) => eb.fn.countAll<number | bigint>().as('count')),
      shape.filter,
      p,
      shape.searched,
    ),
  undefined,
  plannedWithValues,
);

export async function countItems(store: ItemStore, filter: ItemFilter = {}): Promise<number> {
  const { rows } = await countQuery(
    store.database,
    { filter: filterShape(filter), searched: store.searched },
    params(filter),
  );
  return Number(rows[0]?.count ?? 0);
}

// --- Writes ---------------------------------------------------------------------------------

const insertQuery = prepared<{ store: ItemStore; names: string[] }, Values, Record_>(
  (db, { store, names }, p) =>
    itemDb({ db })
      .insertInto('items')
      .values(Object.fromEntries(names.map((name) => [name, p[name]])))
      .returning(store.columns),
  ({ store, names }) => `${store.key}\u0000${names.join()}`,
);

/** Inserts an item with these field values (validated); in a transaction when a runner is given. */
export async function insertItem(
  store: ItemStore,
  values: Values,
  runner: QueryRunner = store.database,
): Promise<Record_> {
  const row = columnValues(store, values);
  const { rows } = await insertQuery(runner, { store, names: Object.keys(row) }, row);
  return rows[0] as Record_;
}

export const createItem = <F extends FieldTable>(store: ItemStore<F>, values: FieldValues<F>) =>
  insertItem(store, values as Values);

/** A write by id: the store, the URL's filters, and whether If-Match's version is a condition. */
interface WriteShape {
  store: ItemStore;
  filter: FilterShape;
  conditional: boolean;
}

const writeKey = ({ store, filter, conditional }: WriteShape) =>
  `${store.key}\u0000${filterKey(filter)}\u0000${conditional ? 'if' : ''}`;

/** The conditions of a write: the id, the item URL's filters, and If-Match's version when given. */
type WriteParams = FilterParams & { id: number; expectedVersion: number };

/**
 * An update: which columns it sets (fields and their search forms), which fields it changes, and
 * which fields it keeps (they must already hold the values given).
 */
type UpdateShape = WriteShape & { names: string[]; fields: string[]; kept: string[] };

const updateQuery = prepared<UpdateShape, WriteParams & Values, Record_>(
  (db, shape, p) => {
    let q = itemDb({ db })
      .updateTable('items')
      .set({ ...Object.fromEntries(shape.names.map((name) => [name, p[`new_${name}`]])), version: sql`version + 1` })
      .where('id', '=', p.id);
    q = applyFilter(q as never, shape.filter, p, shape.store.searched) as unknown as typeof q;
    if (shape.conditional) q = q.where('version', '=', p.expectedVersion);
    for (const name of shape.kept) q = q.where(sql<SqlBool>`${sql.ref(name)} = ${p[`new_${name}`]}`);
    // Only an update that changes a value writes (and so bumps the version): a PUT of the same
    // values is no change. Columns are NOT NULL, so `<>` is exact.
    const differs = shape.fields.map((name) => sql`${sql.ref(name)} <> ${p[`new_${name}`]}`);
    return q.where(sql<SqlBool>`(${sql.join(differs, sql` or `)})`).returning(shape.store.columns);
  },
  (shape) => `${writeKey(shape)}\u0000${shape.names.join()}\u0000${shape.fields.join()}\u0000${shape.kept.join()}`,
);

export interface WriteConditions {
  /** If-Match: the version the client read; the write happens only if the item still has it. */
  expectedVersion?: number;
  /** The item URL's filters: an item outside them is as if it did not exist. */
  filter?: ItemFilter;
}

/**
 * Applies the changes (validated field values) if they change something, and bumps the version,
 * in one statement. Only when it writes nothing is the item read, to tell why: it does not exist
 * (undefined), it has another version than expected (STALE), or nothing would change (the item).
 * In a transaction when a runner is given.
 *
 * Where setting a column rewrites its index entries even to the same value (SQLite), an update
 * that names a field which usually stays the same (the product, when a PUT edits the price) first
 * tries to leave it out, on the condition that it already holds the value given; only when that
 * writes nothing does the update set every field. Either way one statement decides what is written.
 */
export async function updateItem(
  store: ItemStore,
  id: number,
  changes: Values,
  { expectedVersion, filter = {} }: WriteConditions = {},
  runner: QueryRunner = store.database,
): Promise<Record_ | typeof STALE | undefined> {
  const fields = Object.keys(changes).filter((name) => name in store.fields && changes[name] !== undefined);
  if (fields.length > 0) {
    const row = columnValues(store, Object.fromEntries(fields.map((name) => [name, changes[name]])));
    const values = params(filter) as WriteParams & Values;
    // The new values by names of their own: a filter may name the same column (?product=).
    for (const [name, value] of Object.entries(row)) values[`new_${name}`] = value;
    values.id = id;
    values.expectedVersion = expectedVersion ?? 0;
    const update = (kept: string[]) => {
      const set = fields.filter((name) => !kept.includes(name));
      const names = Object.keys(columnValues(store, Object.fromEntries(set.map((name) => [name, row[name]]))));
      const conditional = expectedVersion !== undefined;
      return updateQuery(runner, { store, filter: filterShape(filter), conditional, names, fields: set, kept }, values);
    };
    const kept = store.database.indexesRewrittenWhenSet
      ? fields.filter((name) => store.fields[name]?.usuallyUnchanged)
      : [];
    if (kept.length > 0 && kept.length < fields.length) {
      const { rows } = await update(kept);
      if (rows[0]) return rows[0];
    }
    const { rows } = await update([]);
    if (rows[0]) return rows[0];
  }
  const item = await getItem(store, id, filter, runner);
  if (!item) return undefined;
  return expectedVersion !== undefined && item.version !== expectedVersion ? STALE : item;
}

const deleteQuery = prepared<WriteShape, WriteParams, never>((db, shape, p) => {
  let q = itemDb({ db }).deleteFrom('items').where('id', '=', p.id);
  q = applyFilter(q as never, shape.filter, p, shape.store.searched) as unknown as typeof q;
  if (shape.conditional) q = q.where('version', '=', p.expectedVersion);
  return q;
}, writeKey);

/**
 * True when deleted; else undefined (no such item) or STALE (another version than expected).
 * In a transaction when a runner is given.
 */
export async function deleteItem(
  store: ItemStore,
  id: number,
  { expectedVersion, filter = {} }: WriteConditions = {},
  runner: QueryRunner = store.database,
): Promise<true | typeof STALE | undefined> {
  const shape = { store, filter: filterShape(filter), conditional: expectedVersion !== undefined };
  const values = { ...params(filter), id, expectedVersion: expectedVersion ?? 0 };
  const { numAffectedRows } = await deleteQuery(runner, shape, values);
  if ((numAffectedRows ?? 0n) > 0n) return true;
  if (expectedVersion === undefined) return undefined;
  return (await getItem(store, id, filter, runner)) ? STALE : undefined;
}
