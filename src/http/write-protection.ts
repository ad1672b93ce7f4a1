import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { detail } from './errors.js';

const WRITES = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
const digest = (text: string) => createHash('sha256').update(text).digest();

/** `Bearer`, and `Token` as DRF's TokenAuthentication (and so DRF clients) write it. */
const SCHEMES = new Set(['bearer', 'token']);

/**
 * Optional: with API_TOKEN set, API writes need `Authorization: Bearer <token>` (or `Token <token>`); reads stay open.
 * Tokens are compared as SHA-256 digests in constant time, so neither their content nor their
 * length leaks through timing.
 */
export function addWriteProtection(app: FastifyInstance, token: string | null): void {
  if (!token) return;
  const expected = digest(token);
  const challenge = { 'www-authenticate': 'Bearer realm="pricebook"' };
  app.addHook('onRequest', async (request) => {
    if (!WRITES.has(request.method) || !request.routeOptions.config.resource) return;
    const header = request.headers.authorization;
    if (!header) throw detail(401, 'Authentication credentials were not provided.', challenge);
    const [scheme, given] = header.split(' ', 2);
    if (!SCHEMES.has(scheme?.toLowerCase() ?? '') || !given || !timingSafeEqual(digest(given), expected)) {
      throw detail(401, 'Invalid token.', challenge);
    }
  });
}
