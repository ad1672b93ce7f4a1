import { LRUCache } from 'lru-cache';

/** A rendered list answer: the JSON text as UTF-8 bytes (encoded once, not at every send) and its ETag. */
export interface RenderedList {
  body: Buffer;
  etag: string;
}

const MAX_ENTRIES = 2048;
const MAX_ENTRY_BYTES = 4 * 1024 * 1024;
const MAX_TOTAL_BYTES = 32 * 1024 * 1024;

/**
 * Rendered list answers, each valid for one state of the database (the store's change token:
 * any write, from this process or another, gives a new token). Reading a list then costs a map
 * look-up instead of a query and a serialization. Keyed by what the client asked for, so bounded
 * in entries and bytes, least recently used out first.
 */
export function createListCache() {
  const entries = new LRUCache<string, { token: string; list: RenderedList }>({
    max: MAX_ENTRIES,
    maxSize: MAX_TOTAL_BYTES,
    maxEntrySize: MAX_ENTRY_BYTES,
    sizeCalculation: (entry) => Math.max(1, entry.list.body.length),
  });
  return {
    get(key: string, token: string): RenderedList | undefined {
      const entry = entries.get(key);
      return entry?.token === token ? entry.list : undefined;
    },
    set(key: string, token: string, list: RenderedList): void {
      entries.set(key, { token, list });
    },
  };
}
