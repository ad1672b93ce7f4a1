import type { FastifyReply } from 'fastify';

export const NOT_FOUND_HTML = '<h1>Not Found</h1><p>The requested resource was not found on this server.</p>';

/** Django's 404 page, for every URL outside the API. */
export const sendNotFoundPage = (reply: FastifyReply) =>
  reply.code(404).type('text/html; charset=utf-8').send(NOT_FOUND_HTML);
