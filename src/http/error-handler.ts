import type { FastifyError, FastifyInstance } from 'fastify';
import { ApiError, databaseUnavailable, detail } from './errors.js';
import { pathOf, setApiHeaders } from './resources.js';

const SERVER_ERROR_HTML = '<h1>Server Error (500)</h1>';

/**
 * Every error becomes the contract's JSON body. A 500 is a bug: its log line names the request
 * id and the error, never a stack trace, and the client learns nothing about the internals.
 * `isUnavailable` tells an error that means a dependency (the database) cannot answer now: 503.
 */
export function addErrorHandler(app: FastifyInstance, isUnavailable: (error: unknown) => boolean): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const answer = toApiError(error, isUnavailable);
    // An error before routing (the rate limit, the token check) is still an API answer: Allow and Vary.
    const resource = reply.hasHeader('allow') ? undefined : app.apiResources.find(pathOf(request.url));
    if (resource) setApiHeaders(reply, resource);
    if (answer) {
      // JSON.stringify, not the route's response schemas: those document the errors, and must not filter them.
      return reply
        .code(answer.statusCode)
        .headers(answer.headers)
        .type('application/json')
        .serializer(JSON.stringify)
        .send(answer.body);
    }
    request.log.error({ err_name: error.name, err_code: error.code, err_message: error.message }, 'Unhandled error');
    if (request.url.startsWith('/api')) {
      return reply.code(500).type('application/json').send({ detail: 'A server error occurred.' });
    }
    return reply.code(500).type('text/html; charset=utf-8').send(SERVER_ERROR_HTML);
  });
}

function toApiError(error: FastifyError, isUnavailable: (error: unknown) => boolean): ApiError | undefined {
  if (error instanceof ApiError) return error;
  if (isUnavailable(error)) return databaseUnavailable();
  if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return detail(413, 'Request body is too large.');
  const status = error.statusCode;
  if (status !== undefined && status >= 400 && status < 500) return detail(status, error.message);
  return undefined;
}
