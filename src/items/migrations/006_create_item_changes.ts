import { type Kysely, type Migration, sql } from 'kysely';
import type { DatabaseKind } from '../../db/database.js';

// The change log (src/history/): one row per create, update that changes a value, and delete of
// an item, appended by triggers on `items`. Triggers, not the repository, so that every write path
// (the item routes, the importer, a bulk write of many rows in one transaction) is logged in the
// write's own transaction with no extra round trip: nothing logged that did not commit, nothing
// committed unlogged. `at` is UTC microseconds since the epoch, an integer on both databases.
//
// The dialects differ, so each has its own branch:
// - SQLite: row triggers. The time comes from pricebook_now_us(), a function the service registers
//   on its connection (db/sqlite-driver.ts): one value per transaction it opens. Another SQLite
//   client lacks the function, so its writes to `items` fail rather than go unlogged.
// - PostgreSQL: statement triggers over transition tables (one INSERT … SELECT per statement, not
//   one function call per row: an import writes a million rows). The time is now(), the start of
//   the transaction, shared by every write of one transaction. No NOTIFY here: a notifying
//   transaction takes a server-wide lock at commit, which would serialize every write; the feed's
//   readers are woken by db/write-signal.ts instead, and read the log, which is the truth.
//
// Items that exist when this runs get one entry each, 'imported' for an item the importer wrote
// (imported_version set), else 'created', at the migration's time: their history is not empty,
// and their price is in effect from then.

const PG_MICROS = '(extract(epoch from now()) * 1000000)::bigint';
const LOGGED = ['product', 'price', 'version'] as const;

export const createItemChanges = (kind: DatabaseKind): Migration => ({
  async up(db) {
    await db.schema
      .createTable('item_changes')
      .addColumn('seq', kind === 'postgres' ? 'bigint' : 'integer', (col) =>
        kind === 'postgres' ? col.primaryKey().generatedAlwaysAsIdentity() : col.primaryKey().autoIncrement(),
      )
      .addColumn('item_id', 'bigint', (col) => col.notNull())
      .addColumn('version', 'integer', (col) => col.notNull())
      .addColumn('kind', 'text', (col) => col.notNull())
      .addColumn('product', 'text', (col) => col.notNull())
      .addColumn('price', 'integer', (col) => col.notNull())
      .addColumn('at', 'bigint', (col) => col.notNull())
      .execute();
    await db.schema.createIndex('item_changes_item_seq_idx').on('item_changes').columns(['item_id', 'seq']).execute();
    if (kind === 'postgres') await postgresTriggers(db);
    else await sqliteTriggers(db);
    const now = sql.raw(kind === 'postgres' ? PG_MICROS : 'pricebook_now_us()');
    await sql`insert into item_changes (item_id, version, kind, product, price, at)
      select id, version, case when imported_version is null then 'created' else 'imported' end, product, price, ${now}
      from items order by id`.execute(db);
  },
  async down(db) {
    if (kind === 'postgres') {
      for (const op of ['insert', 'update', 'delete']) {
        await sql.raw(`drop trigger if exists item_changes_${op} on items`).execute(db);
        await sql.raw(`drop function if exists item_changes_${op}()`).execute(db);
      }
    } else {
      for (const op of ['insert', 'update', 'delete'])
        await sql.raw(`drop trigger if exists item_changes_${op}`).execute(db);
    }
    await db.schema.dropTable('item_changes').execute();
  },
});

/** The kind of an inserted row `n`: imported when the importer wrote it. */
const createdKind = (n: string) => `case when ${n}.imported_version is null then 'created' else 'imported' end`;
/** An update changed a logged value (an update of imported_version alone is not a change). */
const changed = (o: string, n: string, isNot: string) =>
  LOGGED.map((column) => `${n}.${column} ${isNot} ${o}.${column}`).join(' or ');

export async function sqliteTriggers(db: Kysely<unknown>): Promise<void> {
  const log = (values: string) =>
    `insert into item_changes (item_id, version, kind, product, price, at) values (${values}, pricebook_now_us());`;
  await sql
    .raw(`create trigger item_changes_insert after insert on items begin
      ${log(`new.id, new.version, ${createdKind('new')}, new.product, new.price`)} end`)
    .execute(db);
  await sql
    .raw(`create trigger item_changes_update after update on items
      when ${changed('old', 'new', 'is not')} begin
      ${log(`new.id, new.version, 'updated', new.product, new.price`)} end`)
    .execute(db);
  await sql
    .raw(`create trigger item_changes_delete after delete on items begin
      ${log(`old.id, old.version, 'deleted', old.product, old.price`)} end`)
    .execute(db);
}

async function postgresTriggers(db: Kysely<unknown>): Promise<void> {
  const fn = async (op: string, select: string, referencing: string) => {
    await sql
      .raw(`create function item_changes_${op}() returns trigger language plpgsql as $$
        begin
          insert into item_changes (item_id, version, kind, product, price, at) ${select};
          return null;
        end $$`)
      .execute(db);
    await sql
      .raw(`create trigger item_changes_${op} after ${op} on items referencing ${referencing}
        for each statement execute function item_changes_${op}()`)
      .execute(db);
  };
  const micros = PG_MICROS;
  await fn(
    'insert',
    `select n.id, n.version, ${createdKind('n')}, n.product, n.price, ${micros} from new_rows n order by n.id`,
    'new table as new_rows',
  );
  await fn(
    'update',
    `select n.id, n.version, 'updated', n.product, n.price, ${micros}
     from new_rows n join old_rows o on o.id = n.id
     where ${changed('o', 'n', 'is distinct from')} order by n.id`,
    'old table as old_rows new table as new_rows',
  );
  await fn(
    'delete',
    `select o.id, o.version, 'deleted', o.product, o.price, ${micros} from old_rows o order by o.id`,
    'old table as old_rows',
  );
}
