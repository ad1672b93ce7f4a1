import { type Migration, sql } from 'kysely';
import type { DatabaseKind } from '../../db/database.js';

// Portable to SQLite and PostgreSQL. The one dialect difference is how ids are generated:
// SQLite's AUTOINCREMENT and PostgreSQL's identity both never reuse an id after a delete.
export const createItems = (kind: DatabaseKind): Migration => ({
  async up(db) {
    await db.schema
      .createTable('items')
      .addColumn('id', kind === 'postgres' ? 'bigint' : 'integer', (col) =>
        kind === 'postgres' ? col.primaryKey().generatedByDefaultAsIdentity() : col.primaryKey().autoIncrement(),
      )
      .addColumn('product', 'text', (col) => col.notNull())
      .addColumn('price', 'integer', (col) => col.notNull().check(sql`price >= 0 and price <= 2147483647`))
      .addColumn('version', 'integer', (col) => col.notNull().defaultTo(1))
      .execute();
    await db.schema.createIndex('items_product_idx').on('items').column('product').execute();
  },
  async down(db) {
    await db.schema.dropTable('items').execute();
  },
});
