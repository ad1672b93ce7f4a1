import type { FastifyInstance } from 'fastify';

// CORS for the configured origins only (CORS_ORIGINS; none by default, as the current service
// sends no CORS headers). A preflight (OPTIONS with Access-Control-Request-Method) is answered
// here; a plain OPTIONS still gets DRF's metadata.

const EXPOSED = 'ETag, X-Request-Id, Idempotent-Replayed, Retry-After';
const METHODS = 'GET, POST, PUT, PATCH, DELETE, HEAD, OPTIONS';
const HEADERS = 'Content-Type, Accept, Authorization, If-Match, If-None-Match, Idempotency-Key, X-Request-Id';

export function addCors(app: FastifyInstance, origins: readonly string[]): void {
  if (origins.length === 0) return;
  const anyOrigin = origins.includes('*');
  const allowed = new Set(origins);
  app.addHook('onRequest', async (request, reply) => {
    const origin = request.headers.origin;
    if (!origin || !(anyOrigin || allowed.has(origin))) return;
    reply.header('access-control-allow-origin', anyOrigin ? '*' : origin);
    reply.header('access-control-expose-headers', EXPOSED);
    if (request.method === 'OPTIONS' && request.headers['access-control-request-method']) {
      return reply
        .code(204)
        .header('access-control-allow-methods', METHODS)
        .header('access-control-allow-headers', HEADERS)
        .header('access-control-max-age', '600')
        .send();
    }
  });
  // Answers differ by Origin: say so to caches, after the API's own Vary.
  app.addHook('onSend', async (_request, reply, payload) => {
    const vary = reply.getHeader('vary');
    reply.header('vary', vary ? `${vary}, Origin` : 'Origin');
    return payload;
  });
}
