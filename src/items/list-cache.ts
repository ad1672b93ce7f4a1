/** A rendered list answer: the JSON text and its ETag. */
export interface RenderedList {
  body: string;
  etag: string;
}

const MAX_ENTRIES = 2048;
const MAX_ENTRY_BYTES = 4 * 1024 * 1024;
const MAX_TOTAL_BYTES = 32 * 1024 * 1024;

/**
 * Rendered list answers, each valid for one state of the database (the store's change token:
 * any write, from this process or another, gives a new token). Reading a list then costs a map
 * look-up instead of a query and a serialization. Bounded in entries and bytes; oldest out first.
 */
export function createListCache() {
  const entries = new Map<string, { token: string; list: RenderedList }>();
  let bytes = 0;
  const remove = (key: string) => {
    const entry = entries.get(key);
    if (!entry) return;
    bytes -= entry.list.body.length;
    entries.delete(key);
  };
  return {
    get(key: string, token: string): RenderedList | undefined {
      const entry = entries.get(key);
      return entry?.token === token ? entry.list : undefined;
    },
    set(key: string, token: string, list: RenderedList): void {
      remove(key);
      if (list.body.length > MAX_ENTRY_BYTES) return;
      entries.set(key, { token, list });
      bytes += list.body.length;
      for (const oldest of entries.keys()) {
        if (entries.size <= MAX_ENTRIES && bytes <= MAX_TOTAL_BYTES) break;
        remove(oldest);
      }
    },
  };
}
