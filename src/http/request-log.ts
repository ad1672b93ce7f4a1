import { type FastifyReply, type FastifyRequest, LogController } from 'fastify';
import { REASON } from './errors.js';
import { pathOf } from './resources.js';

// The current service's two lines per request, `[REQUEST] GET /api/items/` and
// `[RESPONSE] GET /api/items/ - 200`, with structured fields; plus Django's one-line summary
// (`Not Found: /api/items/9/`) for every 4xx and 5xx. Every line carries the request id
// (Fastify binds it to request.log). Errors are logged by name and message, never with a stack.

type ErrorLike = Partial<Error & { code: string }> | null | undefined;
const describe = (error: ErrorLike) => ({ err_name: error?.name, err_code: error?.code, err_message: error?.message });

export class RequestLog extends LogController {
  constructor() {
    super({ requestIdLogLabel: 'request_id' });
  }

  override incomingRequest(request: FastifyRequest): void {
    const path = pathOf(request.url);
    request.log.info({ method: request.method, path }, `[REQUEST] ${request.method} ${path}`);
  }

  override requestCompleted(error: ErrorLike, request: FastifyRequest, reply: FastifyReply): void {
    const path = pathOf(request.url);
    const status = reply.statusCode;
    const duration = Math.round(reply.elapsedTime * 1000) / 1000;
    request.log.info(
      { method: request.method, path, status_code: status, duration_ms: duration, ...(error ? describe(error) : {}) },
      `[RESPONSE] ${request.method} ${path} - ${status}`,
    );
    if (status >= 400) {
      const line = `${REASON[status] ?? 'Error'}: ${path}`;
      if (status >= 500) request.log.error({ status_code: status }, line);
      else request.log.warn({ status_code: status }, line);
    }
  }

  override streamError(error: ErrorLike, _request: FastifyRequest, reply: FastifyReply): void {
    reply.log.warn(describe(error), 'Response stream failed after the headers were sent');
  }

  override writeHeadError(error: ErrorLike, _request: FastifyRequest, reply: FastifyReply): void {
    reply.log.warn(describe(error), 'Could not write the response head');
  }

  override serializerError(error: ErrorLike, _request: FastifyRequest, reply: FastifyReply): void {
    reply.log.error(describe(error), 'Response serialization failed');
  }
}
