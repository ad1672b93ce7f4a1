import { type FastifyReply, type FastifyRequest, LogController } from 'fastify';
import { REASON } from '../http/errors.js';
import { pathOf } from '../http/resources.js';
import type { AppLogger } from './logger.js';

// The current service's two lines per request, `[REQUEST] GET /api/items/` and
// `[RESPONSE] GET /api/items/ - 200`, with structured fields; plus Django's one-line summary
// (`Not Found: /api/items/9/`) for every 4xx and 5xx. Every line carries the request id
// (Fastify binds it to request.log). Errors are logged by name and message, never with a stack.
// The path is written once per line (in the message) and cut at MAX_LOGGED_PATH characters: a
// client must not be able to make the log grow by more than a bounded amount per request.

type ErrorLike = Partial<Error & { code: string }> | null | undefined;
const describe = (error: ErrorLike) => ({ err_name: error?.name, err_code: error?.code, err_message: error?.message });

const text = JSON.stringify;

/** The fields every request line starts with, as request.log would write them. */
const requestFields = (request: FastifyRequest) => `"request_id":${text(request.id)},"method":${text(request.method)}`;

/** Longer paths are cut in log lines, saying how much was left out. */
export const MAX_LOGGED_PATH = 1024;

export const loggedPath = (url: string): string => {
  const path = pathOf(url);
  return path.length <= MAX_LOGGED_PATH
    ? path
    : `${path.slice(0, MAX_LOGGED_PATH)}…(${path.length - MAX_LOGGED_PATH} more characters)`;
};

export class RequestLog extends LogController {
  /** The two lines of every request are written by the logger directly (logger.ts, writeInfo). */
  readonly #writeInfo: AppLogger['writeInfo'] | undefined;

  constructor(logger?: Pick<AppLogger, 'writeInfo'>) {
    super({ requestIdLogLabel: 'request_id' });
    this.#writeInfo = logger?.writeInfo;
  }

  override incomingRequest(request: FastifyRequest): void {
    const message = `[REQUEST] ${request.method} ${loggedPath(request.url)}`;
    if (this.#writeInfo) this.#writeInfo(requestFields(request), message);
    else request.log.info({ method: request.method }, message);
  }

  override requestCompleted(error: ErrorLike, request: FastifyRequest, reply: FastifyReply): void {
    const path = loggedPath(request.url);
    const status = reply.statusCode;
    const duration = Math.round(reply.elapsedTime * 1000) / 1000;
    const message = `[RESPONSE] ${request.method} ${path} - ${status}`;
    if (!error && this.#writeInfo) {
      this.#writeInfo(`${requestFields(request)},"status_code":${status},"duration_ms":${duration}`, message);
    } else {
      request.log.info(
        { method: request.method, status_code: status, duration_ms: duration, ...(error ? describe(error) : {}) },
        message,
      );
    }
    if (status >= 400) {
      const line = `${REASON[status] ?? 'Error'}: ${path}`;
      if (status >= 500) request.log.error({ status_code: status }, line);
      else request.log.warn({ status_code: status }, line);
    }
  }

  override streamError(error: ErrorLike, _request: FastifyRequest, reply: FastifyReply): void {
    // A client that leaves before a stream ends (an event stream's every subscriber, sooner or
    // later) is no fault of the server's: its [RESPONSE] line says enough.
    if (error?.code === 'ERR_STREAM_PREMATURE_CLOSE') return;
    reply.log.warn(describe(error), 'Response stream failed after the headers were sent');
  }

  override writeHeadError(error: ErrorLike, _request: FastifyRequest, reply: FastifyReply): void {
    reply.log.warn(describe(error), 'Could not write the response head');
  }

  override serializerError(error: ErrorLike, _request: FastifyRequest, reply: FastifyReply): void {
    reply.log.error(describe(error), 'Response serialization failed');
  }
}
