import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

// What Django's SecurityMiddleware and XFrameOptionsMiddleware send on every response.
const SECURITY_HEADERS = {
  'x-frame-options': 'DENY',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'same-origin',
  'cross-origin-opener-policy': 'same-origin',
};

export const securityHeaderLines = Object.entries(SECURITY_HEADERS).map(([name, value]) => `${name}: ${value}`);

export const setSecurityHeaders = (request: FastifyRequest, reply: FastifyReply) =>
  reply.headers(SECURITY_HEADERS).header('x-request-id', request.id);

export function addSecurityHeaders(app: FastifyInstance): void {
  app.addHook('onRequest', (request, reply, done) => {
    setSecurityHeaders(request, reply);
    done();
  });
}
