import { CompiledQuery, type Kysely, type SelectQueryBuilder, sql } from 'kysely';
import type { DatabaseKind, Db, DirectRead, Tables } from '../db/database.js';
import { createQueryCache } from '../db/query-cache.js';
import { searchForm } from '../db/search-form.js';
import type { ItemFields } from './schema.js';

// Items over Kysely: one query layer for SQLite and PostgreSQL. No HTTP here.

export interface ItemRecord extends ItemFields {
  id: number;
  version: number;
}

export interface ItemFilter {
  /** Exact product name. */
  product?: string;
  /** Every term must occur in the product, case-insensitively. */
  search?: string[];
  priceMin?: number;
  priceMax?: number;
}

export type ItemOrder = Array<{ field: 'id' | 'product' | 'price'; descending: boolean }>;

/** What a write with a stale expected version gets: nothing changed. */
export const STALE = Symbol('stale');

export interface StoredResponse {
  requestHash: string;
  statusCode: number;
  body: string;
}

const COLUMNS = ['id', 'product', 'price', 'version'] as const;

// biome-ignore lint/suspicious/noExplicitAny: any selection over the items table
type ItemsQuery = SelectQueryBuilder<Tables, 'items', any>;

const escapeLike = (text: string) => text.replace(/[\\%_]/g, (c) => `\\${c}`);
// Every write of a product also writes its search form (see migration 003).
const insertable = (fields: ItemFields) => ({ ...fields, product_search: searchForm(fields.product) });
const updatable = (changes: Partial<ItemFields>) =>
  changes.product === undefined ? changes : { ...changes, product_search: searchForm(changes.product) };

function applyFilter<Q extends ItemsQuery>(query: Q, filter: ItemFilter): Q {
  let q = query;
  if (filter.product !== undefined) q = q.where('product', '=', filter.product) as Q;
  for (const term of filter.search ?? []) {
    q = q.where(sql<boolean>`product_search like ${`%${escapeLike(searchForm(term))}%`} escape '\\'`) as Q;
  }
  if (filter.priceMin !== undefined) q = q.where('price', '>=', filter.priceMin) as Q;
  if (filter.priceMax !== undefined) q = q.where('price', '<=', filter.priceMax) as Q;
  return q;
}

/** The parameters applyFilter adds, in its order; with the shape they name the query (query-cache.ts). */
const filterParameters = (filter: ItemFilter): unknown[] => [
  ...(filter.product === undefined ? [] : [filter.product]),
  ...(filter.search ?? []).map((term) => `%${escapeLike(searchForm(term))}%`),
  ...(filter.priceMin === undefined ? [] : [filter.priceMin]),
  ...(filter.priceMax === undefined ? [] : [filter.priceMax]),
];
/** The order with id last (ties broken by ascending id), as every list is sorted. */
const keysetOrder = (order: ItemOrder): ItemOrder => {
  const idAt = order.findIndex((term) => term.field === 'id');
  return idAt === -1 ? [...order, { field: 'id', descending: false }] : order.slice(0, idAt + 1);
};

const filterShape = (filter: ItemFilter) =>
  `${filter.product !== undefined}:${filter.search?.length ?? 0}:${filter.priceMin !== undefined}:${filter.priceMax !== undefined}`;

export function createItemStore(db: Db, kind: DatabaseKind, directRead?: DirectRead) {
  const cached = createQueryCache(db as Kysely<unknown>, directRead);
  // Order text by code point on both databases: SQLite's BINARY collation does; PostgreSQL's
  // database collation may not, so ask for "C" explicitly.
  const productOrder = kind === 'postgres' ? sql`product collate "C"` : sql`product`;
  const column = (field: ItemOrder[number]['field']) => (field === 'product' ? productOrder : sql.ref(field));
  /**
   * Rows after `after` in the keyset order. In one direction it is a row-value comparison, which
   * both databases answer with one seek of the (field, id) index. In mixed directions it is
   * (a > x) or (a = x and b > y) …, led by the first field's bound so that the index still seeks
   * to the right place (only rows tied with `after` on that field are read again).
   */
  const afterRow = (keys: ItemOrder, after: ItemRecord) => {
    const [first] = keys as [ItemOrder[number]];
    const columns = keys.map((key) => column(key.field));
    const values = keys.map((key) => sql`${after[key.field]}`);
    const beyond = (descending: boolean) => sql.raw(descending ? '<' : '>');
    if (keys.every((key) => key.descending === first.descending)) {
      return sql<boolean>`(${sql.join(columns)}) ${beyond(first.descending)} (${sql.join(values)})`;
    }
    const branches = keys.map((key, k) => {
      const equal = keys.slice(0, k).map((_, j) => sql`${columns[j]} = ${values[j]}`);
      return sql`(${sql.join([...equal, sql`${columns[k]} ${beyond(key.descending)} ${values[k]}`], sql` and `)})`;
    });
    const bound = sql.raw(first.descending ? '<=' : '>=');
    return sql<boolean>`${columns[0]} ${bound} ${values[0]} and (${sql.join(branches, sql` or `)})`;
  };
  const readChunk = async (filter: ItemFilter, keys: ItemOrder, after: ItemRecord | undefined, size: number) => {
    // In id order (the default list) the compiled query is kept (query-cache.ts).
    if (keys.length === 1) {
      const [{ descending }] = keys as [ItemOrder[number]];
      const shape = `chunk:${filterShape(filter)}:${after !== undefined}:${descending}`;
      const parameters = [...filterParameters(filter), ...(after === undefined ? [] : [after.id]), size];
      return (await cached(shape, parameters, () => {
        let query = applyFilter(db.selectFrom('items').select(COLUMNS), filter);
        if (after !== undefined) query = query.where('id', descending ? '<' : '>', after.id);
        return query.orderBy('id', descending ? 'desc' : 'asc').limit(size);
      })) as ItemRecord[];
    }
    let query = applyFilter(db.selectFrom('items').select(COLUMNS), filter);
    if (after !== undefined) query = query.where(afterRow(keys, after));
    for (const key of keys) query = query.orderBy(column(key.field), key.descending ? 'desc' : 'asc');
    return (await query.limit(size).execute()) as ItemRecord[];
  };
  const byId = async (id: number, filter: ItemFilter): Promise<ItemRecord | undefined> => {
    const rows = await cached(`get:${filterShape(filter)}`, [id, ...filterParameters(filter)], () =>
      applyFilter(db.selectFrom('items').select(COLUMNS).where('id', '=', id), filter),
    );
    return rows[0] as ItemRecord | undefined;
  };
  /** After a conditional write changed nothing: was the item changed (stale) or deleted? */
  const staleOrGone = async (id: number) => ((await byId(id, {})) ? STALE : undefined);

  const findResponse = async (key: string, ttlMs: number): Promise<StoredResponse | undefined> => {
    const row = await db
      .selectFrom('idempotency_keys')
      .select(['request_hash', 'status_code', 'response_body', 'created_at'])
      .where('key', '=', key)
      .executeTakeFirst();
    if (!row || row.created_at < Date.now() - ttlMs) return undefined;
    return { requestHash: row.request_hash, statusCode: row.status_code, body: row.response_body };
  };

  // Change token: a new value after any write, here (counted) or by another connection or
  // process (SQLite's data_version). PostgreSQL has no cheap equivalent: no token, no caching.
  let localWrites = 0;
  const wrote = <T>(write: Promise<T>): Promise<T> =>
    write.finally(() => {
      localWrites++;
    });
  const DATA_VERSION = CompiledQuery.raw('pragma data_version');

  return {
    async changeToken(): Promise<string | undefined> {
      if (kind !== 'sqlite') return undefined;
      const rows = ((await directRead?.(DATA_VERSION.sql, [])) ??
        (await db.executeQuery<{ data_version: number }>(DATA_VERSION)).rows) as Array<{ data_version: number }>;
      return `${rows[0]?.data_version}:${localWrites}`;
    },

    /** Ascending id unless ordered otherwise (id breaks ties); a page when limit is given. */
    list(filter: ItemFilter = {}, order: ItemOrder = [], page?: { limit: number; offset: number }) {
      let query = applyFilter(db.selectFrom('items').select(COLUMNS), filter);
      for (const { field, descending } of order) {
        query = query.orderBy(field === 'product' ? productOrder : field, descending ? 'desc' : 'asc');
      }
      if (!order.some((term) => term.field === 'id')) query = query.orderBy('id');
      if (page) query = query.limit(page.limit).offset(page.offset);
      return query.execute() as Promise<ItemRecord[]>;
    },

    /**
     * The list in any order, a chunk at a time (keyset on the order's fields and id: each chunk is
     * its own short query that starts after the last row of the one before, so no connection is
     * held while a slow client reads a huge list, and memory holds one chunk).
     */
    async *listInChunks(
      filter: ItemFilter,
      order: ItemOrder,
      firstChunk: number,
      nextChunks = firstChunk,
    ): AsyncGenerator<ItemRecord[]> {
      const keys = keysetOrder(order);
      for (let after: ItemRecord | undefined, chunkSize = firstChunk; ; chunkSize = nextChunks) {
        const rows = await readChunk(filter, keys, after, chunkSize);
        if (rows.length > 0) yield rows;
        if (rows.length < chunkSize) return;
        after = rows.at(-1) as ItemRecord;
      }
    },

    async count(filter: ItemFilter = {}): Promise<number> {
      const query = applyFilter(
        db.selectFrom('items').select((eb) => eb.fn.countAll<number | bigint>().as('count')),
        filter,
      );
      const row = await query.executeTakeFirstOrThrow();
      return Number(row.count);
    },

    get(id: number, filter: ItemFilter = {}): Promise<ItemRecord | undefined> {
      return byId(id, filter);
    },

    async create(fields: ItemFields): Promise<ItemRecord> {
      const values = insertable(fields);
      const rows = await wrote(
        cached('create', [values.product, values.price, values.product_search], () =>
          db.insertInto('items').values(values).returning(COLUMNS),
        ),
      );
      return rows[0] as ItemRecord;
    },

    /**
     * Applies the changes and bumps the version. With `expectedVersion`, only if the item still
     * has it (an atomic compare-and-set: no lost update between two editors).
     */
    async update(
      id: number,
      changes: Partial<ItemFields>,
      expectedVersion?: number,
    ): Promise<ItemRecord | typeof STALE | undefined> {
      if (changes.product === undefined && changes.price === undefined) {
        const item = await byId(id, {});
        return item && expectedVersion !== undefined && item.version !== expectedVersion ? STALE : item;
      }
      const values = updatable(changes);
      const conditional = expectedVersion !== undefined;
      const shape = `update:${Object.keys(values).join(',')}:${conditional}`;
      const parameters = [...Object.values(values), id, ...(conditional ? [expectedVersion] : [])];
      const [updated] = (await wrote(
        cached(shape, parameters, () => {
          let query = db
            .updateTable('items')
            .set({ ...values, version: sql`version + 1` })
            .where('id', '=', id);
          if (conditional) query = query.where('version', '=', expectedVersion);
          return query.returning(COLUMNS);
        }),
      )) as Array<ItemRecord | undefined>;
      if (updated || expectedVersion === undefined) return updated;
      return staleOrGone(id);
    },

    /** True when deleted; with `expectedVersion`, only if the item still has it. */
    async delete(id: number, expectedVersion?: number): Promise<true | typeof STALE | undefined> {
      let query = db.deleteFrom('items').where('id', '=', id);
      if (expectedVersion !== undefined) query = query.where('version', '=', expectedVersion);
      const result = await wrote(query.executeTakeFirst());
      if (result.numDeletedRows > 0n) return true;
      return expectedVersion === undefined ? undefined : staleOrGone(id);
    },

    findResponse,

    /** Deletes up to `limit` stored responses older than `before` (ms); how many it deleted. */
    async deleteResponsesBefore(before: number, limit: number): Promise<number> {
      const result = await db
        .deleteFrom('idempotency_keys')
        .where('key', 'in', (eb) =>
          eb.selectFrom('idempotency_keys').select('key').where('created_at', '<', before).limit(limit),
        )
        .executeTakeFirst();
      return Number(result.numDeletedRows);
    },

    /**
     * Creates the item and stores the response under the idempotency key, in one transaction.
     * When another request stored a response under that key first (a concurrent retry, possibly
     * on another replica), nothing is created and that response is returned instead.
     */
    async createOnce(
      fields: ItemFields,
      key: string,
      requestHash: string,
      ttlMs: number,
      render: (item: ItemRecord) => string,
    ): Promise<{ item?: ItemRecord; stored: StoredResponse }> {
      const now = Date.now();
      const created = await wrote(
        db.transaction().execute(async (trx) => {
          await trx
            .deleteFrom('idempotency_keys')
            .where('key', '=', key)
            .where('created_at', '<', now - ttlMs)
            .execute();
          const item = await trx
            .insertInto('items')
            .values(insertable(fields))
            .returning(COLUMNS)
            .executeTakeFirstOrThrow();
          const body = render(item);
          const claimed = await trx
            .insertInto('idempotency_keys')
            .values({ key, request_hash: requestHash, status_code: 201, response_body: body, created_at: now })
            .onConflict((conflict) => conflict.column('key').doNothing())
            .returning('key')
            .executeTakeFirst();
          // Lost the race: roll the item back.
          if (!claimed) throw CLAIMED_ELSEWHERE;
          return { item, stored: { requestHash, statusCode: 201, body } };
        }),
      ).catch((error) => {
        if (error === CLAIMED_ELSEWHERE) return undefined;
        throw error;
      });
      if (created) return created;
      const stored = await findResponse(key, ttlMs);
      if (!stored) throw new Error('idempotency key vanished after a conflict');
      return { stored };
    },
  };
}

const CLAIMED_ELSEWHERE = Symbol('claimed elsewhere');

export type ItemStore = ReturnType<typeof createItemStore>;
