import { setImmediate } from 'node:timers/promises';
import type { FastifyBaseLogger } from 'fastify';
import type { Database } from '../db/database.js';
import { nowMicros } from '../db/sqlite-driver.js';
import { pruneBefore } from './repository.js';
import { MICROS_PER_DAY } from './time.js';

const PRUNE_BATCH = 500;
/** When passes run: the first a while after start-up (not during it), then now and then. */
export interface PruneSchedule {
  firstAfterMs: number;
  everyMs: number;
}
const SCHEDULE: PruneSchedule = { firstAfterMs: 30_000, everyMs: 10 * 60_000 };

/** One pass over the log; the number of entries deleted. */
export async function pruneOnce(database: Database, retentionDays: number, stop = () => false): Promise<number> {
  const cutoff = nowMicros() - retentionDays * MICROS_PER_DAY;
  let total = 0;
  for (let after = 0; !stop(); await setImmediate()) {
    const { deleted, last } = await pruneBefore(database, cutoff, after, PRUNE_BATCH);
    total += deleted;
    if (last === undefined || deleted < PRUNE_BATCH) break;
    after = last;
  }
  return total;
}

/**
 * Deletes log entries older than the retention now and then, off the request path, in small
 * batches (a statement each, with a turn of the event loop between them), keeping for each item
 * its newest entry older than the cutoff: the price in effect when a window of `retentionDays`
 * opens. Every replica prunes; they only ever delete what is due anyway. Returns stop(), which
 * waits for a pass under way.
 */
export function pruneHistory(
  database: Database,
  retentionDays: number,
  log: Pick<FastifyBaseLogger, 'warn'>,
  { firstAfterMs, everyMs }: PruneSchedule = SCHEDULE,
): () => Promise<void> {
  let running: Promise<void> | undefined;
  let stopped = false;
  const prune = async () => {
    try {
      await pruneOnce(database, retentionDays, () => stopped);
    } catch (error) {
      log.warn({ err_message: (error as Error).message }, 'Could not prune the price history; will retry');
    }
  };
  const start = () => {
    running ??= prune().finally(() => {
      running = undefined;
    });
  };
  const first = setTimeout(start, firstAfterMs);
  const timer = setInterval(start, everyMs);
  first.unref();
  timer.unref();
  return async () => {
    stopped = true;
    clearTimeout(first);
    clearInterval(timer);
    await running;
  };
}
