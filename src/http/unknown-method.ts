import type { Socket } from 'node:net';
import type { Logger } from 'pino';
import { NOT_FOUND_HTML } from './not-found.js';
import { findResource, pathOf } from './resources.js';
import { securityHeaderLines } from './security-headers.js';

/**
 * Node's HTTP parser rejects a method it does not know (`FOO /api/items/`) before Fastify sees
 * the request. The contract wants the same 405 as for any other method an API URL does not
 * allow, so answer it here, from the raw request line.
 */
export function createClientErrorHandler(logger: Logger) {
  return (error: Error, socket: Socket): void => {
    if (!socket.writable) {
      socket.destroy();
      return;
    }
    const { code, rawPacket } = error as Error & { code?: string; rawPacket?: Buffer };
    const requestLine = rawPacket?.toString('latin1').split('\r\n', 1)[0] ?? '';
    const [method, url] = requestLine.split(' ');
    if (code !== 'HPE_INVALID_METHOD' || !method || !url || !/^[!#$%&'*+.^_`|~\w-]+$/.test(method)) {
      socket.end(rawResponse(400, 'Bad Request', 'text/html; charset=utf-8', '<h1>Bad Request (400)</h1>'));
      return;
    }
    const path = pathOf(url);
    const resource = findResource(path);
    logger.info({ method, path }, `[REQUEST] ${method} ${path}`);
    const status = resource ? 405 : 404;
    const response = resource
      ? rawResponse(
          405,
          'Method Not Allowed',
          'application/json',
          JSON.stringify({ detail: `Method "${method}" not allowed.` }),
          [`allow: ${resource.allow}`, 'vary: Accept, Cookie'],
        )
      : rawResponse(404, 'Not Found', 'text/html; charset=utf-8', NOT_FOUND_HTML);
    socket.end(response);
    logger.info({ method, path, status_code: status }, `[RESPONSE] ${method} ${path} - ${status}`);
    logger.warn({ status_code: status }, `${resource ? 'Method Not Allowed' : 'Not Found'}: ${path}`);
  };
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
