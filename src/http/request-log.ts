import type { FastifyInstance } from 'fastify';
import { REASON } from './errors.js';
import { pathOf } from './resources.js';

// The current service's two lines per request, `[REQUEST] GET /api/items/` and
// `[RESPONSE] GET /api/items/ - 200`, with structured fields; plus Django's one-line summary
// (`Not Found: /api/items/9/`) for every 4xx and 5xx. Every line carries the request id.

export function addRequestLog(app: FastifyInstance): void {
  app.addHook('onRequest', (request, _reply, done) => {
    const path = pathOf(request.url);
    request.log.info({ method: request.method, path }, `[REQUEST] ${request.method} ${path}`);
    done();
  });
  app.addHook('onResponse', (request, reply, done) => {
    const path = pathOf(request.url);
    const status = reply.statusCode;
    request.log.info(
      { method: request.method, path, status_code: status, duration_ms: Math.round(reply.elapsedTime * 1000) / 1000 },
      `[RESPONSE] ${request.method} ${path} - ${status}`,
    );
    if (status >= 400) {
      const line = `${REASON[status] ?? 'Error'}: ${path}`;
      if (status >= 500) request.log.error({ status_code: status }, line);
      else request.log.warn({ status_code: status }, line);
    }
    done();
  });
}
