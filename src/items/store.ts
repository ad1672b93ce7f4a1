import { sql } from 'kysely';
import type { Db } from '../db/database.js';
import type { ItemFields } from './schema.js';

// Items over Kysely: one query layer for SQLite and PostgreSQL. No HTTP here.

export interface ItemRecord extends ItemFields {
  id: number;
  version: number;
}

export interface ItemFilter {
  /** Exact product name; undefined means no filter. */
  product?: string | undefined;
}

const COLUMNS = ['id', 'product', 'price', 'version'] as const;

export function createItemStore(db: Db) {
  const byId = (id: number, filter: ItemFilter) => {
    let query = db.selectFrom('items').select(COLUMNS).where('id', '=', id);
    if (filter.product !== undefined) query = query.where('product', '=', filter.product);
    return query;
  };

  return {
    list(filter: ItemFilter = {}): Promise<ItemRecord[]> {
      let query = db.selectFrom('items').select(COLUMNS).orderBy('id');
      if (filter.product !== undefined) query = query.where('product', '=', filter.product);
      return query.execute();
    },

    get(id: number, filter: ItemFilter = {}): Promise<ItemRecord | undefined> {
      return byId(id, filter).executeTakeFirst();
    },

    create(fields: ItemFields): Promise<ItemRecord> {
      return db.insertInto('items').values(fields).returning(COLUMNS).executeTakeFirstOrThrow();
    },

    /** Applies the changes and bumps the version; undefined when the item no longer exists. */
    update(id: number, changes: Partial<ItemFields>): Promise<ItemRecord | undefined> {
      if (changes.product === undefined && changes.price === undefined) return byId(id, {}).executeTakeFirst();
      return db
        .updateTable('items')
        .set({ ...changes, version: sql`version + 1` })
        .where('id', '=', id)
        .returning(COLUMNS)
        .executeTakeFirst();
    },

    async delete(id: number): Promise<boolean> {
      const result = await db.deleteFrom('items').where('id', '=', id).executeTakeFirst();
      return result.numDeletedRows > 0n;
    },
  };
}

export type ItemStore = ReturnType<typeof createItemStore>;
