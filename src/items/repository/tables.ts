import type { Generated, Kysely } from 'kysely';
import type { Database } from '../../db/database.js';
import type { FieldTable, FieldValues, ItemFields } from '../fields.js';

// The feature's tables (migrations/), as Kysely sees them.

export interface ItemsTable {
  id: Generated<number>;
  /** Incremented by every write that changes the item; its ETag derives from it. */
  version: Generated<number>;
  /** The version the importer last wrote (src/importer/); null for an item made here. */
  imported_version: number | null;
  /** The declared fields (fields.ts) and their search forms (`<name>_search`). */
  [column: string]: unknown;
}

export interface IdempotencyKeysTable {
  key: string;
  request_hash: string;
  status_code: number;
  response_body: string;
  /** Milliseconds since the epoch. */
  created_at: number;
}

export interface ItemTables {
  items: ItemsTable;
  idempotency_keys: IdempotencyKeysTable;
}

export type ItemDb = Kysely<ItemTables>;

/** An item as stored: its id, the version its ETag names, and its fields. */
export type ItemRecord<F extends FieldTable = FieldTable> = { id: number; version: number } & FieldValues<F>;

/** An item of the declared fields (fields.ts, ITEM_FIELDS). */
export type Item = { id: number; version: number } & ItemFields;

/** The items' database: the feature's view of the database layer's Kysely. */
export const itemDb = (database: Pick<Database, 'db'>): ItemDb => database.db as unknown as ItemDb;
