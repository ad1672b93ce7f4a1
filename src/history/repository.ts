import { type Kysely, sql } from 'kysely';
import type { Database } from '../db/database.js';

// The change log (items/migrations/006) over Kysely: plain functions, no HTTP. The log is written
// by the database's triggers only; here it is read, and pruned.

export type ChangeKind = 'created' | 'updated' | 'deleted' | 'imported';

export interface Change {
  seq: number;
  item_id: number;
  version: number;
  kind: ChangeKind;
  product: string;
  price: number;
  /** UTC microseconds since the epoch. */
  at: number;
}

interface ChangeTables {
  item_changes: Change;
}

const COLUMNS = ['seq', 'item_id', 'version', 'kind', 'product', 'price', 'at'] as const;

const logDb = (database: Pick<Database, 'db'>) => database.db as unknown as Kysely<ChangeTables>;

/** Whole numbers whatever the driver returns for bigint (SQLite: number, PostgreSQL: number or string). */
const toChange = (row: Record<string, unknown>): Change => ({
  seq: Number(row.seq),
  item_id: Number(row.item_id),
  version: Number(row.version),
  kind: row.kind as ChangeKind,
  product: row.product as string,
  price: Number(row.price),
  at: Number(row.at),
});

export interface Period {
  /** Microseconds; entries at or after. */
  since?: number;
  /** Microseconds; entries at or before. */
  until?: number;
}

const inPeriod = (database: Database, id: number, { since, until }: Period) => {
  let q = logDb(database).selectFrom('item_changes').where('item_id', '=', id);
  if (since !== undefined) q = q.where('at', '>=', since);
  if (until !== undefined) q = q.where('at', '<=', until);
  return q;
};

/** An item's entries in the period, newest first, a window of them. */
export async function historyOf(
  database: Database,
  id: number,
  period: Period,
  window: { limit: number; offset: number } = { limit: Number.MAX_SAFE_INTEGER, offset: 0 },
): Promise<Change[]> {
  const rows = await inPeriod(database, id, period)
    .select(COLUMNS)
    .orderBy('seq', 'desc')
    .limit(window.limit)
    .offset(window.offset)
    .execute();
  return rows.map(toChange);
}

export async function countHistory(database: Database, id: number, period: Period): Promise<number> {
  const row = await inPeriod(database, id, period)
    .select((eb) => eb.fn.countAll<number | string>().as('count'))
    .executeTakeFirst();
  return Number(row?.count ?? 0);
}

/** Whether the log has ever had an entry for this id (a deleted item's history stays). */
export async function itemSeen(database: Database, id: number): Promise<boolean> {
  const row = await logDb(database)
    .selectFrom('item_changes')
    .select('seq')
    .where('item_id', '=', id)
    .limit(1)
    .executeTakeFirst();
  return row !== undefined;
}

/**
 * What decides the prices of an item from `from` on: the entry in effect at `from` (the newest at
 * or before it), then every later one, in the order they were written (seq).
 */
export async function entriesFrom(database: Database, id: number, from: number): Promise<Change[]> {
  const before = await logDb(database)
    .selectFrom('item_changes')
    .select(COLUMNS)
    .where('item_id', '=', id)
    .where('at', '<=', from)
    .orderBy('seq', 'desc')
    .limit(1)
    .execute();
  const after = await logDb(database)
    .selectFrom('item_changes')
    .select(COLUMNS)
    .where('item_id', '=', id)
    .where('at', '>', from)
    .orderBy('seq')
    .execute();
  return [...before, ...after].map(toChange);
}

/** Entries after `after` up to `upTo` (inclusive), in order, at most `limit`; of one product if given. */
export async function changesAfter(
  database: Database,
  after: number,
  limit: number,
  { upTo, product }: { upTo?: number; product?: string } = {},
): Promise<Change[]> {
  let q = logDb(database).selectFrom('item_changes').select(COLUMNS).where('seq', '>', after);
  if (upTo !== undefined) q = q.where('seq', '<=', upTo);
  if (product !== undefined) q = q.where('product', '=', product);
  const rows = await q.orderBy('seq').limit(limit).execute();
  return rows.map(toChange);
}

/** The last sequence number written (0: none). */
export async function lastSeq(database: Database): Promise<number> {
  const row = await logDb(database)
    .selectFrom('item_changes')
    .select((eb) => eb.fn.max('seq').as('seq'))
    .executeTakeFirst();
  return Number(row?.seq ?? 0);
}

/**
 * PostgreSQL: the entries after `after`, and the snapshot they were read in (`xmin:xmax:xip…`),
 * in one statement, so the feed can tell a gap in the sequence that may still fill from one that
 * never will (feed.ts).
 */
export async function changesAfterWithSnapshot(
  database: Database,
  after: number,
  limit: number,
): Promise<{ snapshot: string; changes: Change[] }> {
  const { rows } = await sql<{ snapshot: string; changes: Array<Record<string, unknown>> }>`
    select pg_current_snapshot()::text as snapshot,
      (select coalesce(json_agg(c order by c.seq), '[]'::json) from (
        select seq, item_id, version, kind, product, price, at from item_changes
        where seq > ${after} order by seq limit ${limit}) c) as changes`.execute(database.db);
  const row = rows[0] as { snapshot: string; changes: Array<Record<string, unknown>> };
  return { snapshot: row.snapshot, changes: row.changes.map(toChange) };
}

/**
 * Deletes up to `limit` entries older than `cutoff` that are not the newest such entry of their
 * item (that one is the price in effect when a window opens at the cutoff), looking at entries
 * after `after` in sequence order. Returns how many it deleted and the last seq it looked at.
 */
export async function pruneBefore(
  database: Database,
  cutoff: number,
  after: number,
  limit: number,
): Promise<{ deleted: number; last: number | undefined }> {
  const log = logDb(database);
  const candidates = await log
    .selectFrom('item_changes as c')
    .select('c.seq')
    .where('c.seq', '>', after)
    .where('c.at', '<', cutoff)
    .where(({ exists, selectFrom }) =>
      exists(
        selectFrom('item_changes as n')
          .select('n.seq')
          .whereRef('n.item_id', '=', 'c.item_id')
          .whereRef('n.seq', '>', 'c.seq')
          .where('n.at', '<', cutoff),
      ),
    )
    .orderBy('c.seq')
    .limit(limit)
    .execute();
  const seqs = candidates.map((row) => Number(row.seq));
  if (seqs.length === 0) return { deleted: 0, last: undefined };
  const result = await log.deleteFrom('item_changes').where('seq', 'in', seqs).executeTakeFirst();
  return { deleted: Number(result.numDeletedRows), last: seqs.at(-1) };
}
