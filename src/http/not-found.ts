import type { FastifyInstance, FastifyReply } from 'fastify';
import { methodNotAllowed } from './errors.js';
import { negotiate } from './negotiation.js';
import { findResource, pathOf, setApiHeaders } from './resources.js';

export const NOT_FOUND_HTML = '<h1>Not Found</h1><p>The requested resource was not found on this server.</p>';

/** Django's 404 page, for every URL outside the API. */
export const sendNotFoundPage = (reply: FastifyReply) =>
  reply.code(404).type('text/html; charset=utf-8').send(NOT_FOUND_HTML);

/**
 * Fastify answers 404 for a method no route has; on an API URL that is a 405 with Allow, after
 * content negotiation (the contract's precedence: route → format/Accept → method).
 */
export function addNotFoundHandler(app: FastifyInstance): void {
  app.setNotFoundHandler(async (request, reply) => {
    const resource = findResource(pathOf(request.url));
    if (!resource) return sendNotFoundPage(reply);
    setApiHeaders(reply, resource);
    negotiate((request.query as { format?: string }).format, request.headers.accept);
    throw methodNotAllowed(request.method, resource.allow);
  });
}
