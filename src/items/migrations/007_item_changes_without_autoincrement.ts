import { type Migration, sql } from 'kysely';
import type { DatabaseKind } from '../../db/database.js';
import { sqliteTriggers } from './006_create_item_changes.js';

// SQLite: the change log's seq becomes a plain rowid, without AUTOINCREMENT. AUTOINCREMENT keeps
// the highest seq ever issued in sqlite_sequence, a row every write also updates, so that seqs are
// never issued again after the newest entries are deleted. The log never deletes its newest
// entry (retention keeps each item's newest one, history/retention.ts), so a plain rowid, one
// more than the highest in the table, increases just the same. The table is copied, seqs and all;
// the triggers, which name it, are dropped and made again. PostgreSQL's identity column is
// untouched.
export const itemChangesWithoutAutoincrement = (kind: DatabaseKind): Migration => ({
  async up(db) {
    if (kind !== 'sqlite') return;
    await rebuild(db, 'integer primary key');
  },
  async down(db) {
    if (kind !== 'sqlite') return;
    await rebuild(db, 'integer primary key autoincrement');
  },
});

async function rebuild(db: Parameters<Migration['up']>[0], seq: string): Promise<void> {
  for (const op of ['insert', 'update', 'delete']) await sql.raw(`drop trigger item_changes_${op}`).execute(db);
  await sql
    .raw(`create table item_changes_copy (seq ${seq}, item_id bigint not null, version integer not null,
      kind text not null, product text not null, price integer not null, at bigint not null)`)
    .execute(db);
  await sql`insert into item_changes_copy (seq, item_id, version, kind, product, price, at)
    select seq, item_id, version, kind, product, price, at from item_changes order by seq`.execute(db);
  await db.schema.dropTable('item_changes').execute();
  await sql`alter table item_changes_copy rename to item_changes`.execute(db);
  await db.schema.createIndex('item_changes_item_seq_idx').on('item_changes').columns(['item_id', 'seq']).execute();
  await sqliteTriggers(db);
}
