import { notFound } from '../http/errors.js';
import { pythonInt } from '../http/text.js';
import { noItem } from './errors.js';

/**
 * The `{id}` segment, looked up by integer value as Django does: `abc` is "Not found.", while an
 * integer that can match no row (0, negative, beyond 2^53) is "No Item matches the given query.".
 */
export function parseItemId(segment: string): number {
  const id = pythonInt(segment);
  if (id === undefined) throw notFound();
  if (!Number.isSafeInteger(id) || id < 1) throw noItem();
  return id;
}
