import type { Migration } from 'kysely';
import type { DatabaseKind } from '../../db/database.js';

// What the importer (src/importer/) last took from the Django database, per item id: a re-run
// can then tell a row changed in the source since (update it) from an item changed here or one
// that was never imported (a conflict), and report rows deleted in the source since.
export const createImportedItems = (kind: DatabaseKind): Migration => ({
  async up(db) {
    await db.schema
      .createTable('imported_items')
      .addColumn('id', kind === 'postgres' ? 'bigint' : 'integer', (col) => col.primaryKey())
      .addColumn('product', 'text', (col) => col.notNull())
      .addColumn('price', 'integer', (col) => col.notNull())
      .addColumn('imported_at', 'bigint', (col) => col.notNull())
      .execute();
  },
  async down(db) {
    await db.schema.dropTable('imported_items').execute();
  },
});
