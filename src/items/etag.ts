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
