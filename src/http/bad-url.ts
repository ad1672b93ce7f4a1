import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import type { RequestLog } from '../logging/request-log.js';
import { notFound } from './errors.js';
import { sendNotFoundPage } from './not-found.js';
import { pathOf, setApiHeaders } from './resources.js';
import { setSecurityHeaders } from './security-headers.js';

/**
 * Errors Fastify meets before routing. A path with broken percent-encoding (`/api/items/%FF/`)
 * is, for Django, just a path that matches nothing: 404 "Not found." on an API URL, the 404
 * page elsewhere, instead of Fastify's own 400 body. Hooks have not run: set the headers here.
 */
export const createFrameworkErrorHandler =
  (log: RequestLog) => (error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    // Fastify logged the request; the response line is ours to write here.
    reply.raw.once('finish', () => log.requestCompleted(null, request, reply));
    return answer(error, request, reply);
  };

function answer(error: FastifyError, request: FastifyRequest, reply: FastifyReply) {
  setSecurityHeaders(request, reply);
  if (error.code !== 'FST_ERR_BAD_URL') return reply.send(error);
  const resource = request.server.apiResources.find(pathOf(request.url));
  if (!resource) return sendNotFoundPage(reply);
  const { statusCode, body } = notFound();
  return setApiHeaders(reply, resource).code(statusCode).type('application/json').send(JSON.stringify(body));
}
