import type { FastifyInstance } from 'fastify';

// What Django's SecurityMiddleware and XFrameOptionsMiddleware send on every response.
const SECURITY_HEADERS = {
  'x-frame-options': 'DENY',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'same-origin',
  'cross-origin-opener-policy': 'same-origin',
};

export const securityHeaderLines = Object.entries(SECURITY_HEADERS).map(([name, value]) => `${name}: ${value}`);

export function addSecurityHeaders(app: FastifyInstance): void {
  app.addHook('onRequest', (request, reply, done) => {
    reply.headers(SECURITY_HEADERS);
    reply.header('x-request-id', request.id);
    done();
  });
}
