// The `next`/`previous` links of DRF's paginations, written as DRF writes them
// (rest_framework/utils/urls.py): the request's absolute URL with one query parameter replaced or
// removed, and the query re-encoded as Python's urlencode(sorted(parse_qs(query)), doseq=True)
// does: parameters sorted by name, repeated ones kept, `+` for spaces, only `-._~` and
// alphanumerics left unescaped.

type Query = Map<string, string[]>;

export function replaceQueryParam(url: URL, name: string, value: string | number): string {
  const query = parseQuery(url.search);
  query.set(name, [String(value)]);
  return withQuery(url, query);
}

export function removeQueryParam(url: URL, name: string): string {
  const query = parseQuery(url.search);
  query.delete(name);
  return withQuery(url, query);
}

/** Python's parse_qs with keep_blank_values: names in order of first appearance, every value kept. */
function parseQuery(search: string): Query {
  const query: Query = new Map();
  for (const pair of search.replace(/^\?/, '').split('&')) {
    if (pair === '') continue;
    const equals = pair.indexOf('=');
    const name = decode(equals === -1 ? pair : pair.slice(0, equals));
    const value = equals === -1 ? '' : decode(pair.slice(equals + 1));
    query.set(name, [...(query.get(name) ?? []), value]);
  }
  return query;
}

function decode(text: string): string {
  const plain = text.replaceAll('+', ' ');
  try {
    return decodeURIComponent(plain);
  } catch {
    // Python replaces what is not UTF-8; a malformed escape is kept as it is.
    return plain;
  }
}

/** Python's quote_plus: encodeURIComponent leaves !'()* as they are, Python does not. */
const quotePlus = (text: string) =>
  encodeURIComponent(text)
    .replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
    .replaceAll('%20', '+');

function withQuery(url: URL, query: Query): string {
  const names = [...query.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const encoded = names
    .flatMap((name) => (query.get(name) as string[]).map((value) => `${quotePlus(name)}=${quotePlus(value)}`))
    .join('&');
  return `${url.origin}${url.pathname}${encoded ? `?${encoded}` : ''}`;
}
