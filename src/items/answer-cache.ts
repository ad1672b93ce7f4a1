import { LRUCache } from 'lru-cache';

/**
 * A rendered answer and its ETag. A list's JSON is kept as UTF-8 bytes, encoded once; an item's
 * as a string, which Node sends in one piece with the headers (cheaper for a small body).
 */
export interface RenderedAnswer {
  body: Buffer | string;
  etag: string;
}

export interface AnswerCacheLimits {
  maxEntries: number;
  /** An answer larger than this is not kept (a string counts its characters). */
  maxEntryBytes: number;
  maxTotalBytes: number;
}

/** Lists: a few, possibly large (a list of 10,000 is about 400 KB). */
export const LIST_LIMITS: AnswerCacheLimits = {
  maxEntries: 2048,
  maxEntryBytes: 4 * 1024 * 1024,
  maxTotalBytes: 32 * 1024 * 1024,
};

/** Items: many, each small. */
export const ITEM_LIMITS: AnswerCacheLimits = {
  maxEntries: 16_384,
  maxEntryBytes: 64 * 1024,
  maxTotalBytes: 8 * 1024 * 1024,
};

/**
 * Rendered answers, each valid for one state of the database (the store's change token: any
 * write, from this process or another, gives a new token). Reading an unchanged answer then costs
 * a map look-up instead of a query and a serialization. Keyed by what the client asked for, so
 * bounded in entries and bytes, least recently used out first.
 */
export function createAnswerCache({ maxEntries, maxEntryBytes, maxTotalBytes }: AnswerCacheLimits = LIST_LIMITS) {
  // Made at the first answer kept: lru-cache allocates all its slots up front, milliseconds of
  // CPU for an app that may never keep an answer (most of the tests' apps).
  let entries: LRUCache<string, { token: string; answer: RenderedAnswer }> | undefined;
  return {
    get(key: string, token: string): RenderedAnswer | undefined {
      const entry = entries?.get(key);
      return entry?.token === token ? entry.answer : undefined;
    },
    set(key: string, token: string, answer: RenderedAnswer): void {
      entries ??= new LRUCache({
        max: maxEntries,
        maxSize: maxTotalBytes,
        maxEntrySize: maxEntryBytes,
        sizeCalculation: (entry) => Math.max(1, entry.answer.body.length),
      });
      entries.set(key, { token, answer });
    },
  };
}
