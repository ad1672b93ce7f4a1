import { sql } from 'kysely';
import { inTransaction, prepared } from '../../db/prepared.js';
import { searchForm } from '../fields.js';
import type { ItemStore } from './items.js';
import { type ItemDb, itemDb } from './tables.js';

// Items as the importer (src/importer/) writes them: with the ids the Django service gave them,
// each marked with the version it was imported at (imported_version), so that a re-run can tell
// a row changed in the source from an item changed here.

export interface ImportedRow {
  id: number;
  product: string;
  price: number;
}

/** An item as the importer sees it: its values, and whether it is still as last imported. */
export interface HeldItem extends ImportedRow {
  /** Imported, and not changed here since. */
  asImported: boolean;
  /** Imported at some time (null: made here). */
  imported: boolean;
}

/** The items with ids from `from` to `to`, by id. */
export async function heldBetween(store: ItemStore, from: number, to: number): Promise<Map<number, HeldItem>> {
  const rows = await itemDb(store.database)
    .selectFrom('items')
    .select(['id', 'product', 'price', 'version', 'imported_version'])
    .where('id', '>=', from)
    .where('id', '<=', to)
    .execute();
  return new Map(
    rows.map((row) => {
      const id = Number(row.id);
      const item = { id, product: row.product as string, price: row.price as number };
      return [
        id,
        { ...item, asImported: row.imported_version === row.version, imported: row.imported_version !== null },
      ];
    }),
  );
}

/** Ids of imported items above `after` (and at most `upTo`), in order. */
export async function importedIdsBetween(store: ItemStore, after: number, upTo?: number): Promise<number[]> {
  let query = itemDb(store.database)
    .selectFrom('items')
    .select('id')
    .where('id', '>', after)
    .where('imported_version', 'is not', null);
  if (upTo !== undefined) query = query.where('id', '<=', upTo);
  return (await query.orderBy('id').execute()).map((row) => Number(row.id));
}

export interface ImportWrites {
  /** New items, with their ids. */
  insert: ImportedRow[];
  /** Items whose product or price changed in the source: written, with a new version. */
  update: ImportedRow[];
  /** Equal items not yet marked as imported (a first import over the same items). */
  mark: number[];
  /** Items to delete (deleted in the source, with --mirror). */
  remove: number[];
}

/** Rows per insert statement: within SQLite's limit on parameters, and few statements per batch. */
const ROWS_PER_INSERT = 500;

/** A multi-row insert, built once per row count: its SQL is the same for every batch. */
const insertRows = prepared<{ rows: number }, Record<string, unknown>, never>((db, shape, p) =>
  (db as ItemDb).insertInto('items').values(
    Array.from({ length: shape.rows }, (_, i) => ({
      id: p[`id${i}`] as number,
      product: p[`product${i}`],
      price: p[`price${i}`],
      product_search: p[`search${i}`],
      version: 1,
      imported_version: 1,
    })),
  ),
);

const updateRow = prepared<null, ImportedRow & { search: string }, never>((db, _shape, p) =>
  (db as ItemDb)
    .updateTable('items')
    .set({
      product: p.product,
      price: p.price,
      product_search: p.search,
      version: sql`version + 1`,
      imported_version: sql`version + 1`,
    })
    .where('id', '=', p.id),
);

/** Writes one batch in one transaction. */
export async function writeImport(store: ItemStore, writes: ImportWrites): Promise<void> {
  const { kind } = store.database;
  await itemDb(store.database)
    .transaction()
    .execute(async (trx) => {
      const runner = inTransaction(trx, kind);
      for (let start = 0; start < writes.insert.length; start += ROWS_PER_INSERT) {
        const rows = writes.insert.slice(start, start + ROWS_PER_INSERT);
        const params: Record<string, unknown> = {};
        rows.forEach((row, i) => {
          params[`id${i}`] = row.id;
          params[`product${i}`] = row.product;
          params[`price${i}`] = row.price;
          params[`search${i}`] = searchForm(row.product);
        });
        await insertRows(runner, { rows: rows.length }, params);
      }
      for (const row of writes.update) await updateRow(runner, null, { ...row, search: searchForm(row.product) });
      if (writes.mark.length > 0) {
        await trx.updateTable('items').set({ imported_version: sql`version` }).where('id', 'in', writes.mark).execute();
      }
      if (writes.remove.length > 0) await trx.deleteFrom('items').where('id', 'in', writes.remove).execute();
    });
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
    const updated =
      await sql`update sqlite_sequence set seq = max(seq, cast(${lastIssued} as integer)) where name = 'items'`.execute(
        trx,
      );
    if ((updated.numAffectedRows ?? 0n) === 0n) {
      await sql`insert into sqlite_sequence (name, seq) values ('items', cast(${lastIssued} as integer))`.execute(trx);
    }
  });
}

/** The items with ids from `from` to `to`, in id order (to verify an import). */
export async function itemsBetween(store: ItemStore, from: number, to: number): Promise<ImportedRow[]> {
  const rows = await itemDb(store.database)
    .selectFrom('items')
    .select(['id', 'product', 'price'])
    .where('id', '>=', from)
    .where('id', '<=', to)
    .orderBy('id')
    .execute();
  return rows.map((row) => ({ id: Number(row.id), product: row.product as string, price: row.price as number }));
}
