import { sql } from 'kysely';
import { searchForm } from '../fields.js';
import type { ItemStore } from './items.js';
import { itemDb } from './tables.js';

// Items as the importer (src/importer/) writes them: with the ids the Django service gave them,
// and a record of what was imported, so that a re-run can tell a row changed in the source from
// an item changed here.

export interface ImportedRow {
  id: number;
  product: string;
  price: number;
}

/** What the database holds for one id: the item, and what was last imported under that id. */
export interface HeldState {
  item?: ImportedRow;
  imported?: ImportedRow;
}

/** The items and import records with ids from `from` to `to`, by id. */
export async function heldBetween(store: ItemStore, from: number, to: number): Promise<Map<number, HeldState>> {
  const db = itemDb(store.database);
  const [items, imported] = await Promise.all([
    db.selectFrom('items').select(['id', 'product', 'price']).where('id', '>=', from).where('id', '<=', to).execute(),
    db
      .selectFrom('imported_items')
      .select(['id', 'product', 'price'])
      .where('id', '>=', from)
      .where('id', '<=', to)
      .execute(),
  ]);
  const held = new Map<number, HeldState>();
  for (const item of items as ImportedRow[]) held.set(Number(item.id), { item: { ...item, id: Number(item.id) } });
  for (const row of imported) {
    const id = Number(row.id);
    held.set(id, { ...held.get(id), imported: { ...row, id } });
  }
  return held;
}

/** Ids imported earlier that are above `after` (and at most `upTo`), in order. */
export async function importedIdsBetween(store: ItemStore, after: number, upTo?: number): Promise<number[]> {
  let query = itemDb(store.database).selectFrom('imported_items').select('id').where('id', '>', after);
  if (upTo !== undefined) query = query.where('id', '<=', upTo);
  return (await query.orderBy('id').execute()).map((row) => Number(row.id));
}

export interface ImportWrites {
  /** New items, with their ids. */
  insert: ImportedRow[];
  /** Items whose product or price changed in the source: written, with a new version. */
  update: ImportedRow[];
  /** Items to delete (deleted in the source, with --mirror). */
  remove: number[];
}

/** Writes one batch in one transaction, and records what was imported. */
export async function writeImport(store: ItemStore, writes: ImportWrites, now: number): Promise<void> {
  await itemDb(store.database)
    .transaction()
    .execute(async (trx) => {
      const rows = (list: ImportedRow[]) => list.map((row) => ({ ...row, product_search: searchForm(row.product) }));
      if (writes.insert.length > 0) await trx.insertInto('items').values(rows(writes.insert)).execute();
      for (const row of writes.update) {
        await trx
          .updateTable('items')
          .set({
            product: row.product,
            price: row.price,
            product_search: searchForm(row.product),
            version: sql`version + 1`,
          })
          .where('id', '=', row.id)
          .execute();
      }
      if (writes.remove.length > 0) {
        await trx.deleteFrom('items').where('id', 'in', writes.remove).execute();
        await trx.deleteFrom('imported_items').where('id', 'in', writes.remove).execute();
      }
      const records = [...writes.insert, ...writes.update].map((row) => ({ ...row, imported_at: now }));
      if (records.length > 0) {
        await trx
          .insertInto('imported_items')
          .values(records)
          .onConflict((conflict) =>
            conflict.column('id').doUpdateSet((eb) => ({
              product: eb.ref('excluded.product'),
              price: eb.ref('excluded.price'),
              imported_at: eb.ref('excluded.imported_at'),
            })),
          )
          .execute();
      }
    });
}

/** Records rows that are already there unchanged as imported (a first import over equal items). */
export async function recordImported(store: ItemStore, rows: ImportedRow[], now: number): Promise<void> {
  if (rows.length === 0) return;
  await itemDb(store.database)
    .insertInto('imported_items')
    .values(rows.map((row) => ({ ...row, imported_at: now })))
    .onConflict((conflict) => conflict.column('id').doNothing())
    .execute();
}

/**
 * Makes the next id the database assigns larger than `lastIssued`: an id the old service ever
 * handed out is never handed out again, even when its item was deleted there. SQLite keeps the
 * AUTOINCREMENT counter in sqlite_sequence; PostgreSQL in the identity column's sequence.
 */
export async function reserveIdsUpTo(store: ItemStore, lastIssued: number): Promise<void> {
  const db = itemDb(store.database);
  if (store.database.kind === 'postgres') {
    const sequence = sql`pg_get_serial_sequence('items', 'id')`;
    await sql`select setval(${sequence}, greatest(${lastIssued}::bigint, coalesce(pg_sequence_last_value(${sequence}::regclass), 1), (select coalesce(max(id), 1) from items)))`.execute(
      db,
    );
    return;
  }
  await db.transaction().execute(async (trx) => {
    const { numUpdatedRows } =
      await sql`update sqlite_sequence set seq = max(seq, cast(${lastIssued} as integer)) where name = 'items'`
        .execute(trx)
        .then((result) => ({ numUpdatedRows: result.numAffectedRows ?? 0n }));
    if (numUpdatedRows === 0n)
      await sql`insert into sqlite_sequence (name, seq) values ('items', cast(${lastIssued} as integer))`.execute(trx);
  });
}

/** The items with these ids, in id order (to verify an import). */
export async function itemsWithIds(store: ItemStore, ids: number[]): Promise<ImportedRow[]> {
  if (ids.length === 0) return [];
  const rows = await itemDb(store.database)
    .selectFrom('items')
    .select(['id', 'product', 'price'])
    .where('id', 'in', ids)
    .orderBy('id')
    .execute();
  return (rows as ImportedRow[]).map((row) => ({ ...row, id: Number(row.id) }));
}
