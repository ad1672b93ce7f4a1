import { inTransaction, type QueryRunner } from '../../db/prepared.js';
import type { ItemStore } from './items.js';
import { type ItemDb, itemDb } from './tables.js';

// Many writes as one: a transaction in which every repository function gets the same runner.

const ROLL_BACK = Symbol('roll back');

/**
 * Runs `work` in one transaction, passing the runner the repository functions take (and the
 * transaction itself, for the idempotency key). It commits when `work` says so, and rolls back
 * otherwise (a dry run, or an operation that could not apply) or when it throws; either way it
 * answers what `work` answered.
 */
export async function inOneTransaction<T>(
  store: ItemStore,
  work: (runner: QueryRunner, trx: ItemDb) => Promise<{ value: T; commit: boolean }>,
): Promise<T> {
  let outcome: { value: T; commit: boolean } | undefined;
  try {
    await itemDb(store.database)
      .transaction()
      .execute(async (trx) => {
        outcome = await work(inTransaction(trx, store.database.kind), trx);
        if (!outcome.commit) throw ROLL_BACK;
      });
  } catch (error) {
    if (error !== ROLL_BACK) throw error;
  }
  return (outcome as { value: T }).value;
}
