import { type Kysely, type Migration, sql } from 'kysely';
import type { DatabaseKind } from '../../db/database.js';
import { searchForm } from '../fields.js';

// `?search=` is case-insensitive for all of Unicode and must match alike on both databases, but
// SQLite's lower() and LIKE fold ASCII only. So the application stores the product's search form
// (../search-form.ts) and search compares search forms with LIKE. On
// PostgreSQL a trigram index (pg_trgm, a trusted extension also on RDS) serves `LIKE '%…%'`.
export const addProductSearch = (kind: DatabaseKind): Migration => ({
  async up(db) {
    await db.schema
      .alterTable('items')
      .addColumn('product_search', 'text', (col) => col.notNull().defaultTo(''))
      .execute();
    await backfill(db);
    if (kind === 'postgres') {
      await sql`create extension if not exists pg_trgm`.execute(db);
      await sql`create index items_product_search_trgm_idx on items using gin (product_search gin_trgm_ops)`.execute(
        db,
      );
    }
  },
  async down(db) {
    if (kind === 'postgres') await sql`drop index if exists items_product_search_trgm_idx`.execute(db);
    await db.schema.alterTable('items').dropColumn('product_search').execute();
  },
});

async function backfill(db: Kysely<unknown>): Promise<void> {
  const items = db as unknown as Kysely<{ items: { id: number; product: string; product_search: string } }>;
  for (let after = 0; ; ) {
    const rows = await items
      .selectFrom('items')
      .select(['id', 'product'])
      .where('id', '>', after)
      .orderBy('id')
      .limit(1000)
      .execute();
    if (rows.length === 0) return;
    for (const row of rows) {
      await items
        .updateTable('items')
        .set({ product_search: searchForm(row.product) })
        .where('id', '=', row.id)
        .execute();
    }
    after = (rows.at(-1) as { id: number }).id;
  }
}
