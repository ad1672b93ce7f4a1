import { ApiError } from '../http/errors.js';
import { trimWhitespace } from '../http/text.js';
import type { ItemFilter, ItemOrder } from './repository/filters.js';

// The list's query parameters, read as DRF and django-filter read them. Unknown parameters are
// ignored; a bad value of a known one is a 400 in DRF's field-error shape.

export type ItemQuery = {
  product?: string;
  search?: string;
  price_min?: string;
  price_max?: string;
  ordering?: string;
  limit?: string;
  offset?: string;
  page?: string;
  page_size?: string;
  format?: string;
};

/** Filters for the list and for item URLs (DRF filters both). */
export function filterOf(query: ItemQuery): ItemFilter {
  const errors: Record<string, string[]> = {};
  const filter: ItemFilter = {};
  const product = query.product === undefined ? '' : trimWhitespace(query.product);
  if (product.includes('\0')) errors.product = ['Null characters are not allowed.'];
  else if (product !== '') filter.product = product;

  if (query.search !== undefined) {
    const terms = searchTerms(query.search);
    if (query.search.includes('\0')) errors.search = ['Null characters are not allowed.'];
    else if (terms.length > MAX_SEARCH_TERMS)
      errors.search = [`Ensure this field has no more than ${MAX_SEARCH_TERMS} terms.`];
    else if (terms.length > 0) filter.search = terms;
  }
  for (const [param, key] of [
    ['price_min', 'priceMin'],
    ['price_max', 'priceMax'],
  ] as const) {
    const raw = query[param] === undefined ? '' : trimWhitespace(query[param]);
    if (raw === '') continue;
    const value = filterInteger(raw);
    if (typeof value === 'number') filter[key] = value;
    else errors[param] = [value.error];
  }
  if (Object.keys(errors).length > 0) throw new ApiError(400, errors);
  return filter;
}

/** Distinct search terms a list may ask for: each one is a condition the database evaluates. */
export const MAX_SEARCH_TERMS = 10;

/** The range of the price column on both databases (PostgreSQL's `integer`). */
const FILTER_MIN = -2147483648;
const FILTER_MAX = 2147483647;

/** A price bound as django-filter reads it; outside the column's range it is a 400, not a database error. */
function filterInteger(raw: string): number | { error: string } {
  if (!/^[+-]?\d+$/.test(raw)) return { error: 'A valid integer is required.' };
  const value = Number(raw); // exact up to 2^53; past that it is out of range either way
  if (value > FILTER_MAX) return { error: `Ensure this value is less than or equal to ${FILTER_MAX}.` };
  if (value < FILTER_MIN) return { error: `Ensure this value is greater than or equal to ${FILTER_MIN}.` };
  return value === 0 ? 0 : value;
}

/**
 * OrderingFilter over `orderable` (the id and the declared fields): `price,-id`; unknown fields
 * are dropped, as DRF does, and so is a field named again (the first mention wins: a later one
 * could not change the order). So at most one term per field.
 */
export function orderOf(query: ItemQuery, orderable: ReadonlySet<string>): ItemOrder {
  if (!query.ordering) return [];
  const order: ItemOrder = [];
  for (const raw of query.ordering.split(',')) {
    const term = raw.trim();
    const field = term.replace(/^-/, '');
    if (!orderable.has(field) || order.some((known) => known.field === field)) continue;
    order.push({ field, descending: term.startsWith('-') });
  }
  return order;
}

// Django's smart_split: whitespace-separated tokens, a quoted part kept whole.
const TOKEN = /(?:[^\s'"]*(?:(?:"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')[^\s'"]*)+)|\S+/g;

/**
 * DRF's SearchFilter terms (search_smart_split): a quoted phrase is one term, without its quotes;
 * other tokens are split on commas. Every term must occur, so a repeated one is dropped. Quotes
 * anywhere else are literal.
 */
export function searchTerms(search: string): string[] {
  const terms = new Set<string>();
  for (const [token] of search.matchAll(TOKEN)) {
    const term = token.replace(/^,+|,+$/g, '');
    const quote = term[0];
    if (term.length >= 2 && (quote === '"' || quote === "'") && term.at(-1) === quote) {
      const phrase = term.slice(1, -1).replace(/\\(.)/g, '$1');
      if (phrase) terms.add(phrase);
    } else {
      for (const part of term.split(',')) if (part.trim()) terms.add(part.trim());
    }
  }
  return [...terms];
}
