import { ApiError } from '../http/errors.js';
import { trimWhitespace } from '../http/text.js';
import type { ItemFilter, ItemOrder } from './store.js';

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
  format?: string;
};

export interface Page {
  limit: number;
  offset: number;
}

/** Filters for the list and for item URLs (DRF filters both). */
export function filterOf(query: ItemQuery): ItemFilter {
  const errors: Record<string, string[]> = {};
  const filter: ItemFilter = {};
  const product = query.product === undefined ? '' : trimWhitespace(query.product);
  if (product.includes('\0')) errors.product = ['Null characters are not allowed.'];
  else if (product !== '') filter.product = product;

  if (query.search !== undefined) {
    if (query.search.includes('\0')) errors.search = ['Null characters are not allowed.'];
    const terms = searchTerms(query.search);
    if (terms.length > 0) filter.search = terms;
  }
  for (const [param, key] of [
    ['price_min', 'priceMin'],
    ['price_max', 'priceMax'],
  ] as const) {
    const raw = query[param] === undefined ? '' : trimWhitespace(query[param]);
    if (raw === '') continue;
    if (!/^[+-]?\d{1,15}$/.test(raw)) errors[param] = ['A valid integer is required.'];
    else filter[key] = Number(raw);
  }
  if (Object.keys(errors).length > 0) throw new ApiError(400, errors);
  return filter;
}

const ORDERABLE = new Set(['id', 'product', 'price']);

/** OrderingFilter: `price,-id`; unknown fields are dropped, as DRF does. */
export function orderOf(query: ItemQuery): ItemOrder {
  if (!query.ordering) return [];
  return query.ordering
    .split(',')
    .map((term) => term.trim())
    .map((term) => ({ field: term.replace(/^-/, ''), descending: term.startsWith('-') }))
    .filter((term): term is ItemOrder[number] => ORDERABLE.has(term.field));
}

/** LimitOffsetPagination, on only when `limit` is a positive integer (else the bare list, as DRF). */
export function pageOf(query: ItemQuery, maxLimit: number): Page | undefined {
  const limit = positiveInteger(query.limit, true);
  if (limit === undefined) return undefined;
  return { limit: Math.min(limit, maxLimit), offset: positiveInteger(query.offset, false) ?? 0 };
}

function positiveInteger(raw: string | undefined, strict: boolean): number | undefined {
  if (raw === undefined || !/^\s*\+?\d+\s*$/.test(raw)) return undefined;
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || (strict && value === 0)) return undefined;
  return value;
}

/** The envelope's `next`/`previous` links: the request's own absolute URL with limit and offset replaced. */
export function pageLinks(url: URL, page: Page, count: number): { next: string | null; previous: string | null } {
  const withParams = (offset: number | undefined) => {
    const link = new URL(url);
    link.searchParams.set('limit', String(page.limit));
    if (offset === undefined) link.searchParams.delete('offset');
    else link.searchParams.set('offset', String(offset));
    return link.toString();
  };
  const next = page.offset + page.limit < count ? withParams(page.offset + page.limit) : null;
  let previous: string | null = null;
  if (page.offset > 0)
    previous = page.offset - page.limit <= 0 ? withParams(undefined) : withParams(page.offset - page.limit);
  return { next, previous };
}

// Django's smart_split: whitespace-separated tokens, a quoted part kept whole.
const TOKEN = /(?:[^\s'"]*(?:(?:"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')[^\s'"]*)+)|\S+/g;

/**
 * DRF's SearchFilter terms (search_smart_split): a quoted phrase is one term, without its quotes;
 * other tokens are split on commas. Every term must occur. Quotes anywhere else are literal.
 */
export function searchTerms(search: string): string[] {
  const terms: string[] = [];
  for (const [token] of search.matchAll(TOKEN)) {
    const term = token.replace(/^,+|,+$/g, '');
    const quote = term[0];
    if (term.length >= 2 && (quote === '"' || quote === "'") && term.at(-1) === quote) {
      const phrase = term.slice(1, -1).replace(/\\(.)/g, '$1');
      if (phrase) terms.push(phrase);
    } else {
      for (const part of term.split(',')) if (part.trim()) terms.push(part.trim());
    }
  }
  return terms;
}
