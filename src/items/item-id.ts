import { noItem, notFound } from '../http/errors.js';
import { trimWhitespace } from '../http/text.js';

const INTEGER = /^[+-]?\d+(?:_\d+)*$/;

/**
 * The `{id}` segment, looked up by integer value as Django does: `abc` is "Not found.", while an
 * integer that can match no row (0, negative, beyond 2^53) is "No Item matches the given query.".
 */
export function parseItemId(segment: string): number {
  const text = trimWhitespace(segment);
  if (!INTEGER.test(text)) throw notFound();
  const id = Number(text.replaceAll('_', ''));
  if (!Number.isSafeInteger(id) || id < 1) throw noItem();
  return id;
}
