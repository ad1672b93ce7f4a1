import { createHash } from 'node:crypto';
import { setImmediate } from 'node:timers/promises';
import type { FastifyBaseLogger, FastifyReply } from 'fastify';
import { detail } from '../http/errors.js';
import { itemEtag } from './etag.js';
import { deleteResponsesBefore, type StoredResponse } from './repository/idempotency.js';
import type { ItemStore } from './repository/items.js';

// Idempotent creates: a POST with an Idempotency-Key is answered once; a retry with the same key
// and the same body gets that first answer again (from the database, so on any replica).

/** A retry of a POST made with the same Idempotency-Key: the first answer again, or 422 for another body. */
export function replay(reply: FastifyReply, stored: StoredResponse, requestHash: string) {
  const { id } = JSON.parse(checkSameRequest(stored, requestHash).body) as { id: number };
  return replayAnswer(reply.header('etag', itemEtag({ id, version: 1 })), stored, requestHash);
}

/** The first answer again, as stored (a bulk write's, which has no ETag of its own), or 422 for another body. */
export function replayAnswer(reply: FastifyReply, stored: StoredResponse, requestHash: string) {
  checkSameRequest(stored, requestHash);
  return reply.code(stored.statusCode).header('idempotent-replayed', 'true').type('application/json').send(stored.body);
}

function checkSameRequest(stored: StoredResponse, requestHash: string): StoredResponse {
  if (stored.requestHash !== requestHash) {
    throw detail(422, 'This Idempotency-Key was already used with a different request body.');
  }
  return stored;
}

export function idempotencyKeyOf(header: string | string[] | undefined): string | undefined {
  if (header === undefined) return undefined;
  if (typeof header !== 'string' || !/^[\x21-\x7e]{1,255}$/.test(header)) {
    throw detail(400, 'Idempotency-Key must be 1 to 255 visible ASCII characters.');
  }
  return header;
}

/** The hash a retry must match: the media type and the body's bytes, and the operation (`scope`) besides a create. */
export const hashRequest = (contentType: string | undefined, body: unknown, scope = '') =>
  createHash('sha256')
    .update(scope === '' ? '' : `${scope}\n`)
    .update(`${(contentType ?? '').split(';', 1)[0]?.trim().toLowerCase()}\n`)
    .update(Buffer.isBuffer(body) ? body : Buffer.alloc(0))
    .digest('base64url');

const SWEEP_BATCH = 500;
const SWEEP_EVERY_MS = 60_000;

/**
 * Deletes expired idempotency keys now and then, off the request path, in small batches (a
 * statement each, with a turn of the event loop between them), so the table holds about one TTL of
 * keys. Every replica sweeps; they only ever delete rows that are expired anyway. Returns stop(),
 * which waits for a sweep under way.
 */
export function sweepExpiredKeys(store: ItemStore, ttlMs: number, log: FastifyBaseLogger): () => Promise<void> {
  let running: Promise<void> | undefined;
  const sweep = async () => {
    try {
      const before = Date.now() - ttlMs;
      while ((await deleteResponsesBefore(store, before, SWEEP_BATCH)) === SWEEP_BATCH) await setImmediate();
    } catch (error) {
      log.warn({ err_message: (error as Error).message }, 'Could not delete expired idempotency keys; will retry');
    }
  };
  const timer = setInterval(
    () => {
      running ??= sweep().finally(() => {
        running = undefined;
      });
    },
    Math.max(1000, Math.min(SWEEP_EVERY_MS, ttlMs / 2)),
  );
  timer.unref();
  return async () => {
    clearInterval(timer);
    await running;
  };
}
