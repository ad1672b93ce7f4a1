import { inTransaction } from '../../db/prepared.js';
import { type ItemStore, insertItem } from './items.js';
import { type ItemDb, type ItemRecord, itemDb } from './tables.js';

// Answers to POSTs made with an Idempotency-Key, kept in the database so that a retry reaching
// another replica gets the same answer (idempotency.ts has the HTTP side).

export interface StoredResponse {
  requestHash: string;
  statusCode: number;
  body: string;
}

/** The answer stored under `key`, unless it is older than `ttlMs`. */
export async function findResponse(store: ItemStore, key: string, ttlMs: number): Promise<StoredResponse | undefined> {
  const row = await itemDb(store.database)
    .selectFrom('idempotency_keys')
    .select(['request_hash', 'status_code', 'response_body', 'created_at'])
    .where('key', '=', key)
    .executeTakeFirst();
  if (!row || row.created_at < Date.now() - ttlMs) return undefined;
  return { requestHash: row.request_hash, statusCode: row.status_code, body: row.response_body };
}

const CLAIMED_ELSEWHERE = Symbol('claimed elsewhere');

/**
 * Creates the item and stores its answer under the idempotency key, in one transaction. When
 * another request stored an answer under that key first (a concurrent retry, possibly on another
 * replica), nothing is created and that answer is returned instead.
 */
export async function createOnce(
  store: ItemStore,
  values: Record<string, unknown>,
  key: string,
  requestHash: string,
  ttlMs: number,
  render: (item: ItemRecord) => string,
): Promise<{ item?: ItemRecord; stored: StoredResponse }> {
  const now = Date.now();
  const created = await itemDb(store.database)
    .transaction()
    .execute(async (trx) => {
      const item = await insertItem(store, values, inTransaction(trx, store.database.kind));
      const stored = { requestHash, statusCode: 201, body: render(item) };
      // Lost the race: roll the item back.
      if (!(await claimKey(trx, key, stored, ttlMs, now))) throw CLAIMED_ELSEWHERE;
      return { item, stored };
    })
    .catch((error) => {
      if (error === CLAIMED_ELSEWHERE) return undefined;
      throw error;
    });
  if (created) return created;
  const stored = await findResponse(store, key, ttlMs);
  if (!stored) throw new Error('idempotency key vanished after a conflict');
  return { stored };
}

/**
 * Stores `stored` under `key` in the transaction `trx` (replacing an expired answer); false when
 * another request holds the key (the caller rolls back and replays that answer).
 */
export async function claimKey(
  trx: ItemDb,
  key: string,
  stored: StoredResponse,
  ttlMs: number,
  now = Date.now(),
): Promise<boolean> {
  await trx
    .deleteFrom('idempotency_keys')
    .where('key', '=', key)
    .where('created_at', '<', now - ttlMs)
    .execute();
  const claimed = await trx
    .insertInto('idempotency_keys')
    .values({
      key,
      request_hash: stored.requestHash,
      status_code: stored.statusCode,
      response_body: stored.body,
      created_at: now,
    })
    .onConflict((conflict) => conflict.column('key').doNothing())
    .returning('key')
    .executeTakeFirst();
  return claimed !== undefined;
}

/** Deletes up to `limit` stored answers older than `before` (ms); how many it deleted. */
export async function deleteResponsesBefore(store: ItemStore, before: number, limit: number): Promise<number> {
  const db = itemDb(store.database);
  const result = await db
    .deleteFrom('idempotency_keys')
    .where('key', 'in', (eb) =>
      eb.selectFrom('idempotency_keys').select('key').where('created_at', '<', before).limit(limit),
    )
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}
