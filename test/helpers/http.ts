import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import type { Item as ItemRecord, TestItems } from './items.js';
import { assertDocumented } from './openapi.js';
import { waitFor } from './wait.js';

// Request and assertion helpers shared by the API tests: raw bodies of any media type, the
// contract's headers, exact JSON bodies, and the rows the database holds. Every answer is checked
// against the served OpenAPI document (openapi.ts), unless requested within outsideTheApi().

export const ALLOW = {
  root: 'GET, HEAD, OPTIONS',
  list: 'GET, POST, HEAD, OPTIONS',
  detail: 'GET, PUT, PATCH, DELETE, HEAD, OPTIONS',
} as const;

export const SECURITY_HEADERS = {
  'x-frame-options': 'DENY',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'same-origin',
  'cross-origin-opener-policy': 'same-origin',
} as const;

/** Exactly as the current service writes it: no charset parameter. */
export const JSON_TYPE = /^application\/json$/;
export const HTML_TYPE = /^text\/html; charset=utf-8$/;
export const NOT_FOUND_PAGE = '<h1>Not Found</h1><p>The requested resource was not found on this server.</p>';

export interface Res {
  status: number;
  headers: Record<string, string | string[] | number | undefined>;
  body: string;
  raw: Buffer;
  json: LightMyRequestResponse['json'];
}

export interface SendOptions {
  /** Sent as is; no Content-Type is added unless `type` is given. */
  body?: string | Buffer;
  /** The Content-Type header value (may be ''). */
  type?: string;
  headers?: Record<string, string>;
}

/** One request through app.inject, with full control over the body and its Content-Type. */
export async function send(app: FastifyInstance, method: string, url: string, options: SendOptions = {}): Promise<Res> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.type !== undefined) headers['content-type'] = options.type;
  const response = await app.inject({ method: method as 'GET', url, headers, payload: options.body });
  assertDocumented(app, { method, url, status: response.statusCode, headers: response.headers, body: response.body });
  return {
    status: response.statusCode,
    headers: response.headers,
    body: response.body,
    raw: response.rawPayload,
    json: () => response.json(),
  };
}

/** A JSON request (`json` serialised unless it is already a string), or none without `json`. */
export const call = (
  app: FastifyInstance,
  method: string,
  url: string,
  json?: unknown,
  headers: Record<string, string> = {},
) =>
  send(
    app,
    method,
    url,
    json === undefined
      ? { headers }
      : { body: typeof json === 'string' ? json : JSON.stringify(json), type: 'application/json', headers },
  );

/** The same as call(), named for the tests that send bodies of every kind. */
export const sendJson = (
  app: FastifyInstance,
  method: string,
  url: string,
  value: unknown,
  headers: Record<string, string> = {},
) => call(app, method, url, value, headers);

export function assertSecurityHeaders(res: Pick<Res, 'headers'>, where = ''): void {
  for (const [name, value] of Object.entries(SECURITY_HEADERS)) {
    assert.equal(res.headers[name], value, `${name} ${where}`);
  }
}

/** JSON as the service writes it: JSON.stringify, with U+2028 and U+2029 escaped. */
export const wire = (value: unknown): string =>
  JSON.stringify(value)
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');

export type Answer = Pick<Res, 'status' | 'headers' | 'body'>;

/**
 * Status, exact JSON bytes (compact, keys in order), JSON content type, Content-Length, the
 * security headers and, for API URLs, the Allow header.
 */
export function expectJson(res: Answer, status: number, body: unknown, allow?: string): void {
  assert.equal(res.status, status, `status (body: ${res.body.slice(0, 300)})`);
  assert.equal(res.body, wire(body));
  assert.match(String(res.headers['content-type']), JSON_TYPE);
  assert.equal(Number(res.headers['content-length']), Buffer.byteLength(res.body));
  assertSecurityHeaders(res);
  if (allow !== undefined) assert.equal(res.headers.allow, allow);
}

/** Exact JSON body with a `{"detail": …}`. */
export const expectDetail = (res: Answer, status: number, detail: string, allow?: string) =>
  expectJson(res, status, { detail }, allow);

/** Django's HTML 404 page with the security headers and no Allow. */
export function expectNotFoundPage(res: Answer): void {
  assert.equal(res.status, 404, `status (body: ${res.body.slice(0, 200)})`);
  assert.match(String(res.headers['content-type']), HTML_TYPE);
  assert.equal(res.body, NOT_FOUND_PAGE);
  assert.equal(res.headers.allow, undefined);
  assertSecurityHeaders(res);
}

/** The public view of stored rows (without the internal version). */
export async function rows(store: TestItems): Promise<Array<{ id: number; product: string; price: number }>> {
  return (await store.list()).map(({ id, product, price }) => ({ id, product, price }));
}

/** Stores items directly (not through the API), in order; returns them with their ids. */
export async function seed(
  store: TestItems,
  ...items: Array<{ product: string; price: number }>
): Promise<ItemRecord[]> {
  const created: ItemRecord[] = [];
  for (const item of items) created.push(await store.create(item));
  return created;
}

export const publicItem = ({ id, product, price }: { id: number; product: string; price: number }) => ({
  id,
  product,
  price,
});

export function formBody(entries: Array<[string, string]>): string {
  return new URLSearchParams(entries).toString();
}

export const BOUNDARY = 'pricebookBoundary7MA4YWxkTrZu0gW';
export const MULTIPART_TYPE = `multipart/form-data; boundary=${BOUNDARY}`;

export function multipartBody(entries: Array<[string, string]>, files: Array<[string, string]> = []): string {
  const parts = entries.map(
    ([name, value]) => `--${BOUNDARY}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`,
  );
  for (const [name, content] of files) {
    parts.push(
      `--${BOUNDARY}\r\nContent-Disposition: form-data; name="${name}"; filename="${name}.txt"\r\n` +
        `Content-Type: text/plain\r\n\r\n${content}\r\n`,
    );
  }
  return `${parts.join('')}--${BOUNDARY}--\r\n`;
}

/** The app listening on each port, to check answers to real HTTP requests against its document. */
const listening = new Map<number, FastifyInstance>();

/** Starts the app on a free local port (closed by build()'s app.close()); returns the port. */
export async function listen(app: FastifyInstance): Promise<number> {
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  assert.ok(address && typeof address === 'object');
  listening.set(address.port, app);
  app.server.once('close', () => listening.delete(address.port));
  return address.port;
}

/** Writes raw bytes to a socket and collects everything until the server closes it. */
export function rawExchange(port: number, text: string, timeoutMs = 5000): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      resolve(Buffer.concat(chunks).toString('utf8'));
    }, timeoutMs);
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(Buffer.concat(chunks).toString('utf8'));
    });
    socket.write(text);
  });
}

export interface HttpResult {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** A real HTTP request; `chunks` are written one by one (chunked transfer encoding). */
export function httpChunked(
  port: number,
  method: string,
  path: string,
  headers: Record<string, string>,
  chunks: string[],
): Promise<HttpResult> {
  return new Promise((resolve, reject) => {
    const request = httpRequest({ host: '127.0.0.1', port, method, path, headers }, (response) => {
      const parts: Buffer[] = [];
      response.on('data', (chunk) => parts.push(chunk));
      response.on('end', () => {
        const result = {
          status: response.statusCode ?? 0,
          headers: response.headers,
          body: Buffer.concat(parts).toString('utf8'),
        };
        const app = listening.get(port);
        try {
          if (app) assertDocumented(app, { method, url: path, ...result });
          resolve(result);
        } catch (error) {
          reject(error);
        }
      });
    });
    request.on('error', reject);
    for (const chunk of chunks) request.write(chunk);
    request.end();
  });
}

export type LogLine = Record<string, unknown>;

/**
 * The log file's complete lines, parsed, once `ready` holds for them (or after 5 s): the file is
 * opened and written asynchronously, so flush and read again until the expected lines are there.
 */
export async function readLogFile(
  built: { flushLogs: () => void; config: { logFile: string | null } },
  ready: (lines: LogLine[]) => boolean = (lines) => lines.length > 0,
): Promise<{ lines: LogLine[]; text: string }> {
  const path = built.config.logFile;
  assert.ok(path, 'the log file is on');
  let read = { lines: [] as LogLine[], text: '' };
  const complete = () => {
    built.flushLogs();
    const text = existsSync(path) ? readFileSync(path, 'utf8') : '';
    // Only complete lines: an asynchronous write may be under way.
    const lines = text
      .split('\n')
      .slice(0, -1)
      .map((line) => JSON.parse(line) as LogLine);
    read = { lines, text };
    return ready(lines);
  };
  // Not ready in time: the caller's assertions on the lines say what is missing.
  await waitFor(complete, 5000, 'the log lines').catch(() => {});
  return read;
}

export const hasMessage = (message: string) => (lines: LogLine[]) => lines.some((line) => line.message === message);
