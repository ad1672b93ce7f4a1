import type { Socket } from 'node:net';
import type { Logger } from 'pino';
import { loggedPath } from '../logging/request-log.js';
import { REASON } from './errors.js';
import { NOT_FOUND_HTML } from './not-found.js';
import type { RawRequestBudget } from './rate-limit.js';
import { pathOf, type ResourceTable } from './resources.js';
import { securityHeaderLines } from './security-headers.js';

const HTML = 'text/html; charset=utf-8';

/**
 * What Node's HTTP parser rejects before Fastify sees a request, answered on the raw socket:
 * - a method Node does not know (`FOO /api/items/`): the contract wants the same 405 as for any
 *   other method an API URL does not allow (404 elsewhere), from the raw request line;
 * - a client too slow to send its headers or its request (HEADERS_TIMEOUT_MS, REQUEST_TIMEOUT_MS): 408;
 * - headers larger than Node accepts: 431;
 * - anything else that is not HTTP: 400.
 */
export function createClientErrorHandler(logger: Logger, budget: RawRequestBudget, resources: ResourceTable) {
  return (error: Error, socket: Socket): void => {
    if (!socket.writable) {
      socket.destroy();
      return;
    }
    const { code, rawPacket } = error as Error & { code?: string; rawPacket?: Buffer };
    if (code === 'ERR_HTTP_REQUEST_TIMEOUT' || code === 'HPE_HEADER_OVERFLOW') {
      const status = code === 'HPE_HEADER_OVERFLOW' ? 431 : 408;
      const reason = status === 431 ? 'Request Header Fields Too Large' : 'Request Timeout';
      socket.end(rawResponse(status, reason, HTML, `<h1>${reason} (${status})</h1>`));
      logger.warn({ status_code: status, client: socket.remoteAddress }, reason);
      return;
    }
    const requestLine = rawPacket?.toString('latin1').split('\r\n', 1)[0] ?? '';
    const [method, url] = requestLine.split(' ');
    if (code !== 'HPE_INVALID_METHOD' || !method || !url || !/^[!#$%&'*+.^_`|~\w-]+$/.test(method)) {
      socket.end(rawResponse(400, 'Bad Request', HTML, '<h1>Bad Request (400)</h1>'));
      return;
    }
    void answerUnknownMethod(logger, budget, socket, method, url, resources);
  };
}

async function answerUnknownMethod(
  logger: Logger,
  budget: RawRequestBudget,
  socket: Socket,
  method: string,
  url: string,
  resources: ResourceTable,
): Promise<void> {
  const path = loggedPath(url);
  logger.info({ method }, `[REQUEST] ${method} ${path}`);
  const resource = resources.find(pathOf(url));
  const retryAfter = await budget.overLimit(socket.remoteAddress ?? '');
  let status: number;
  let response: string;
  if (retryAfter !== undefined) {
    status = 429;
    const body = JSON.stringify({ detail: `Request was throttled. Expected available in ${retryAfter} seconds.` });
    response = rawResponse(429, REASON[429] as string, 'application/json', body, [`retry-after: ${retryAfter}`]);
  } else if (resource) {
    status = 405;
    const body = JSON.stringify({ detail: `Method "${method}" not allowed.` });
    response = rawResponse(405, REASON[405] as string, 'application/json', body, [
      `allow: ${resource.allow}`,
      'vary: Accept, Cookie',
    ]);
  } else {
    status = 404;
    response = rawResponse(404, REASON[404] as string, HTML, NOT_FOUND_HTML);
  }
  socket.end(response);
  logger.info({ method, status_code: status }, `[RESPONSE] ${method} ${path} - ${status}`);
  logger.warn({ status_code: status }, `${REASON[status]}: ${path}`);
}

function rawResponse(status: number, reason: string, type: string, body: string, extra: string[] = []): string {
  return [
    `HTTP/1.1 ${status} ${reason}`,
    `content-type: ${type}`,
    `content-length: ${Buffer.byteLength(body)}`,
    ...securityHeaderLines,
    ...extra,
    'connection: close',
    '',
    body,
  ].join('\r\n');
}
