import { createHash } from 'node:crypto';
import { preconditionFailed } from './errors.js';
import type { ItemRecord } from './repository/tables.js';

// Conditional requests. An item's ETag comes from its id and its version (bumped by every write,
// stored in the database); a list's from a hash of the body. Both are strong validators.

export const itemEtag = (item: Pick<ItemRecord, 'id' | 'version'>): string => `"${item.id}-${item.version}"`;

export const bodyEtag = (body: string | Buffer): string => `"${createHash('sha1').update(body).digest('base64url')}"`;

const tagsOf = (header: string): string[] => header.split(',').map((tag) => tag.trim());

/** If-None-Match on a GET: true when the client's copy is current (answer 304). */
export function isNotModified(ifNoneMatch: string | undefined, etag: string): boolean {
  if (!ifNoneMatch) return false;
  // Weak comparison, as RFC 9110 wants for If-None-Match.
  return tagsOf(ifNoneMatch).some((tag) => tag === '*' || tag.replace(/^W\//, '') === etag);
}

/**
 * If-Match on a write: the version the client read, or undefined when it sent no condition.
 * Throws 412 when the item has changed since (strong comparison).
 */
export function expectedVersion(
  ifMatch: string | undefined,
  item: Pick<ItemRecord, 'id' | 'version'>,
): number | undefined {
  if (ifMatch === undefined) return undefined;
  const tags = tagsOf(ifMatch);
  if (tags.includes('*') || tags.includes(itemEtag(item))) return item.version;
  throw preconditionFailed();
}

/** If-Match names something other than one version of this item: the item must be read to decide. */
export const READ_TO_DECIDE = Symbol('read to decide');

/**
 * The version If-Match expects of item `id`, without reading the item: undefined when it sets no
 * version (no header, or `*`: the item must only exist), the version its one strong tag for this
 * item names, or READ_TO_DECIDE (tags of other items, weak or several tags).
 */
export function versionNamed(ifMatch: string | undefined, id: number): number | undefined | typeof READ_TO_DECIDE {
  if (ifMatch === undefined) return undefined;
  const tags = tagsOf(ifMatch);
  if (tags.includes('*')) return undefined;
  const prefix = `"${id}-`;
  const ours = tags.filter((tag) => tag.startsWith(prefix) && tag.endsWith('"'));
  const version = ours.length === 1 ? Number((ours[0] as string).slice(prefix.length, -1)) : Number.NaN;
  return Number.isSafeInteger(version) && version > 0 && tags.length === 1 ? version : READ_TO_DECIDE;
}
