import cors from '@fastify/cors';
import type { FastifyInstance, FastifyRequest } from 'fastify';

// CORS for the configured origins only (CORS_ORIGINS; none by default, as the current service
// sends no CORS headers), by @fastify/cors. A preflight (OPTIONS with Access-Control-Request-Method
// from an allowed origin) is answered by the plugin; a plain OPTIONS still gets DRF's metadata, and
// a request from another origin is answered as if CORS were off (the browser then blocks the read).

const EXPOSED = ['ETag', 'X-Request-Id', 'Idempotent-Replayed', 'Retry-After'];
const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'];
const HEADERS = [
  'Content-Type',
  'Accept',
  'Authorization',
  'If-Match',
  'If-None-Match',
  'Idempotency-Key',
  'X-Request-Id',
];

export async function addCors(app: FastifyInstance, origins: readonly string[]): Promise<void> {
  if (origins.length === 0) return;
  const anyOrigin = origins.includes('*');
  const allowed = new Set(origins);
  const allows = (request: FastifyRequest) => {
    const { origin } = request.headers;
    return origin !== undefined && (anyOrigin || allowed.has(origin));
  };
  await app.register(cors, {
    delegator: (request, callback) =>
      callback(null, {
        origin: allows(request) ? (anyOrigin ? '*' : (request.headers.origin as string)) : false,
        preflight: request.headers['access-control-request-method'] !== undefined,
        methods: METHODS,
        allowedHeaders: HEADERS,
        exposedHeaders: EXPOSED,
        maxAge: 600,
      }),
  });
}
