import { type Migration, sql } from 'kysely';
import type { DatabaseKind } from '../../db/database.js';

// A list ordered by price or product is read in keyset chunks (repository/items.ts): each chunk starts
// after the last row of the one before, in (field, id) order. These indexes let every chunk start
// where the last one ended instead of sorting the table again. Products are ordered by code point
// on both databases: SQLite's BINARY collation does it; PostgreSQL needs the "C" collation named,
// and keeps its plain product index for equality (`?product=`), which uses the column's collation.
export const addOrderIndexes = (kind: DatabaseKind): Migration => ({
  async up(db) {
    await db.schema.createIndex('items_price_id_idx').on('items').columns(['price', 'id']).execute();
    if (kind === 'postgres') {
      await sql`create index items_product_c_id_idx on items (product collate "C", id)`.execute(db);
    } else {
      await db.schema.createIndex('items_product_id_idx').on('items').columns(['product', 'id']).execute();
      await db.schema.dropIndex('items_product_idx').execute();
    }
  },
  async down(db) {
    await db.schema.dropIndex('items_price_id_idx').execute();
    if (kind === 'postgres') await db.schema.dropIndex('items_product_c_id_idx').execute();
    else {
      await db.schema.createIndex('items_product_idx').on('items').column('product').execute();
      await db.schema.dropIndex('items_product_id_idx').execute();
    }
  },
});
