import type { Migration } from 'kysely';
import type { DatabaseKind } from '../../db/database.js';

// PostgreSQL: `?product=` is read by an index on (product, id), as SQLite's has been since 004, in
// place of the plain product index. A list filtered by product is ordered by id and read in keyset
// chunks (`… where product = $1 order by id limit $2`), a named statement that PostgreSQL plans
// once for any product. With only (product), that generic plan can walk the whole primary key in
// id order and filter every row, when its estimate says the limit stops the walk early; with
// (product, id), the rows of one product come out of the index already in id order, which no other
// plan beats. The index serves equality as the plain one did, in the column's own collation.
// An operator may build the index beforehand without holding writes (`create index concurrently`,
// DEPLOY.md): the migration then only drops the old one.
export const productIdIndexOnPostgres = (kind: DatabaseKind): Migration => ({
  async up(db) {
    if (kind !== 'postgres') return;
    await db.schema.createIndex('items_product_id_idx').ifNotExists().on('items').columns(['product', 'id']).execute();
    await db.schema.dropIndex('items_product_idx').ifExists().execute();
  },
  async down(db) {
    if (kind !== 'postgres') return;
    await db.schema.createIndex('items_product_idx').on('items').column('product').execute();
    await db.schema.dropIndex('items_product_id_idx').execute();
  },
});
