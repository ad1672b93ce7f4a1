import type { Change } from './repository.js';

/**
 * The lowest price in effect at any moment from `from` on, given the entry in effect at `from`
 * (if any) and every later one in the order written (repository.entriesFrom). Each price is in
 * effect from its entry's time until the next entry's: a price replaced in the same instant (two
 * writes in one transaction share its time) was never in effect, and a delete ends the prices.
 * Returns the price and when it took effect (its latest time, if it was in effect more than once;
 * before `from` when it was already in effect then); undefined when no price was in effect.
 */
export function lowestPrice(entries: Change[], from: number): { price: number; at: number } | undefined {
  let lowest: { price: number; at: number } | undefined;
  entries.forEach((entry, i) => {
    if (entry.kind === 'deleted') return;
    const next = entries[i + 1];
    const until = next ? next.at : Number.POSITIVE_INFINITY;
    if (until <= entry.at || until <= from) return;
    if (!lowest || entry.price < lowest.price || (entry.price === lowest.price && entry.at >= lowest.at)) {
      lowest = { price: entry.price, at: entry.at };
    }
  });
  return lowest;
}
