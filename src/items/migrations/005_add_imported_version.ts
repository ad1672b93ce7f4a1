import type { Migration } from 'kysely';

// The version an item had when the importer (src/importer/) last wrote it from the Django
// database; null for an item made here. A re-run can then tell a row changed in the source since
// (the item is still at that version: update it) from an item changed here or one that was never
// imported (a conflict), and report rows deleted in the source since.
export const addImportedVersion = (): Migration => ({
  async up(db) {
    await db.schema.alterTable('items').addColumn('imported_version', 'integer').execute();
  },
  async down(db) {
    await db.schema.alterTable('items').dropColumn('imported_version').execute();
  },
});
