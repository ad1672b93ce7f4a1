import { detail } from '../http/errors.js';
import { removeQueryParam, replaceQueryParam } from '../http/page-links.js';
import { pythonInt } from '../http/text.js';

// DRF's two paginations of the list, both opt-in (the contract's list is the bare array):
// - LimitOffsetPagination: `?limit=` (with `?offset=`);
// - PageNumberPagination with `page_size_query_param = 'page_size'` and no PAGE_SIZE: `?page_size=`
//   (with `?page=`), as DRF front ends such as react-admin's data provider page.
// When a request names both, `page_size` wins. Both answer {count, next, previous, results}.

export type Pagination =
  | { kind: 'limit'; limit: number; offset: number }
  | { kind: 'page'; size: number; page: string | undefined };

/** The rows of one page, and its links, once the filtered count is known. */
export interface PageWindow {
  limit: number;
  offset: number;
  links(url: URL): { next: string | null; previous: string | null };
}

type Query = { limit?: string; offset?: string; page?: string; page_size?: string };

/** Past 2^53 a number is larger than any count of rows: clamped, so the database gets an integer it holds. */
const clamp = (value: number) => Math.min(value, Number.MAX_SAFE_INTEGER);

/** DRF's _positive_int: a whole number ≥ 0 (≥ 1 when strict), else undefined. */
function positiveInt(raw: string | undefined, strict: boolean): number | undefined {
  const value = raw === undefined ? undefined : pythonInt(raw);
  if (value === undefined || value < 0 || (strict && value === 0)) return undefined;
  return clamp(value);
}

/** Which pagination the query asks for, if any; sizes capped at `maxSize` (PAGE_MAX_LIMIT). */
export function paginationOf(query: Query, maxSize: number): Pagination | undefined {
  const size = positiveInt(query.page_size, true);
  if (size !== undefined) return { kind: 'page', size: Math.min(size, maxSize), page: query.page };
  const limit = positiveInt(query.limit, true);
  if (limit === undefined) return undefined;
  return { kind: 'limit', limit: Math.min(limit, maxSize), offset: positiveInt(query.offset, false) ?? 0 };
}

const invalidPage = () => detail(404, 'Invalid page.');

/** The window of rows the pagination selects among `count`; a page that does not exist is DRF's 404. */
export function windowOf(pagination: Pagination, count: number): PageWindow {
  if (pagination.kind === 'limit') return limitOffsetWindow(pagination.limit, pagination.offset, count);
  const pages = Math.max(1, Math.ceil(count / pagination.size)); // an empty list still has page 1
  const raw = pagination.page || '1'; // DRF: a missing or empty page is page 1
  const number = raw === 'last' ? pages : pythonInt(raw);
  if (number === undefined || number < 1 || number > pages) throw invalidPage();
  return pageNumberWindow(pagination.size, number, pages);
}

function limitOffsetWindow(limit: number, offset: number, count: number): PageWindow {
  return {
    limit,
    offset,
    links(url) {
      const next =
        offset + limit < count
          ? replaceQueryParam(new URL(replaceQueryParam(url, 'limit', limit)), 'offset', offset + limit)
          : null;
      let previous: string | null = null;
      if (offset > 0) {
        const withLimit = new URL(replaceQueryParam(url, 'limit', limit));
        previous =
          offset - limit <= 0
            ? removeQueryParam(withLimit, 'offset')
            : replaceQueryParam(withLimit, 'offset', offset - limit);
      }
      return { next, previous };
    },
  };
}

function pageNumberWindow(size: number, number: number, pages: number): PageWindow {
  return {
    limit: size,
    offset: (number - 1) * size,
    links(url) {
      const next = number < pages ? replaceQueryParam(url, 'page', number + 1) : null;
      let previous: string | null = null;
      if (number > 1)
        previous = number === 2 ? removeQueryParam(url, 'page') : replaceQueryParam(url, 'page', number - 1);
      return { next, previous };
    },
  };
}
