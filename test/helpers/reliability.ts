import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { type Agent, request as httpRequest } from 'node:http';

// Shared by the tests that try to break the service (test/reliability/*): the contract's rules for
// a stored row and for a 400 body written independently of src/, leak patterns for response
// bodies, log-file access, bounded waiting, and a plain HTTP client that reports how a request
// ended (answer, refused, or cut).

/** The contract's whitespace (§5.2), written out independently of src/http/text.ts. */
const WHITESPACE = new Set<number>([
  0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x1c, 0x1d, 0x1e, 0x1f, 0x20, 0x85, 0xa0, 0x1680, 0x2000, 0x2001, 0x2002, 0x2003,
  0x2004, 0x2005, 0x2006, 0x2007, 0x2008, 0x2009, 0x200a, 0x2028, 0x2029, 0x202f, 0x205f, 0x3000,
]);

export const isContractWhitespace = (codePoint: number): boolean => WHITESPACE.has(codePoint);

/** Python's str.strip() over the contract's whitespace set. */
export function contractTrim(text: string): string {
  const points = [...text];
  let start = 0;
  let end = points.length;
  while (start < end && isContractWhitespace(points[start]?.codePointAt(0) ?? -1)) start++;
  while (end > start && isContractWhitespace(points[end - 1]?.codePointAt(0) ?? -1)) end--;
  return points.slice(start, end).join('');
}

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** What is wrong with a stored or returned item under the contract (§1, §5); empty when nothing. */
export function rowProblems(row: { id: unknown; product: unknown; price: unknown }): string[] {
  const problems: string[] = [];
  const { id, product, price } = row;
  if (!Number.isSafeInteger(id) || (id as number) < 1) problems.push(`id ${String(id)} is not a positive integer`);
  if (typeof product !== 'string') problems.push(`product ${JSON.stringify(product)} is not a string`);
  else {
    const length = [...product].length;
    if (length < 1 || length > 20) problems.push(`product has ${length} code points`);
    if (contractTrim(product) !== product) problems.push('product is not trimmed');
    if (product.includes('\0')) problems.push('product contains NUL');
    if (LONE_SURROGATE.test(product)) problems.push('product contains a lone surrogate');
  }
  if (!Number.isInteger(price) || (price as number) < 0 || (price as number) > 2147483647) {
    problems.push(`price ${String(price)} is out of range`);
  }
  return problems;
}

export function assertRowsValid(rows: Array<{ id: unknown; product: unknown; price: unknown }>): void {
  for (const row of rows) assert.deepEqual(rowProblems(row), [], `row ${JSON.stringify(row)}`);
}

/** A 400 body is `{"detail": string}` or a field map over product/price/non_field_errors. */
export function errorShapeProblem(body: string): string | undefined {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    return `400 body is not JSON: ${body.slice(0, 200)}`;
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return `400 body is not an object: ${body}`;
  const entries = Object.entries(value);
  if (entries.length === 1 && entries[0]?.[0] === 'detail') {
    return typeof entries[0][1] === 'string' ? undefined : `detail is not a string: ${body}`;
  }
  if (entries.length === 0) return 'empty 400 body';
  for (const [key, messages] of entries) {
    if (!['product', 'price', 'non_field_errors'].includes(key)) return `unexpected key ${key} in ${body}`;
    if (!Array.isArray(messages) || messages.length === 0) return `${key} is not a non-empty array: ${body}`;
    if (!messages.every((m) => typeof m === 'string' && m.length > 0)) return `${key} has a non-string: ${body}`;
  }
  return undefined;
}

/** What must never reach a client: stack frames, file names, SQL, the database's name. */
export const LEAK_PATTERNS: RegExp[] = [
  /\n\s+at /,
  /node_modules/,
  /\.ts:/,
  /\.js:\d/,
  /\bSELECT\b/,
  /\bINSERT\b/,
  /sqlite/i,
  /postgres/i,
  /kysely/i,
];

export function leakIn(body: string): RegExp | undefined {
  return LEAK_PATTERNS.find((pattern) => pattern.test(body));
}

/** Every line of a log file; each must be one JSON object (throws with the line otherwise). */
export function logFileLines(path: string): Array<Record<string, unknown>> {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      try {
        return JSON.parse(line) as Record<string, unknown>;
      } catch {
        throw new Error(`log line is not JSON: ${line}`);
      }
    });
}

/**
 * The JSON lines of a server's log output, console or file (its other lines skipped). Output read
 * while the server runs may end in a line still being written: only complete lines are read.
 */
export function jsonLogLines(output: string): Array<Record<string, unknown>> {
  return output
    .split('\n')
    .slice(0, -1)
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

export { waitFor } from './wait.js';

export type HttpOutcome =
  | { kind: 'answer'; status: number; headers: Record<string, string | string[] | undefined>; body: string }
  | { kind: 'error'; code: string; message: string; bytesReceived: number };

export interface HttpOptions {
  body?: unknown;
  headers?: Record<string, string>;
  /** false: a new connection that is closed after the answer. */
  agent?: Agent | false;
  timeoutMs?: number;
}

/**
 * One HTTP request that never rejects: it ends with the complete answer, or with the error code
 * (ECONNREFUSED: no connection; ECONNRESET / socket hang up: the connection was cut).
 */
export function httpCall(port: number, method: string, path: string, options: HttpOptions = {}): Promise<HttpOutcome> {
  const payload = options.body === undefined ? undefined : JSON.stringify(options.body);
  const headers: Record<string, string> = { ...options.headers };
  if (payload !== undefined) {
    headers['content-type'] = 'application/json';
    headers['content-length'] = String(Buffer.byteLength(payload));
  }
  return new Promise((resolve) => {
    let bytesReceived = 0;
    let settled = false;
    const finish = (outcome: HttpOutcome) => {
      if (settled) return;
      settled = true;
      resolve(outcome);
    };
    const request = httpRequest(
      { host: '127.0.0.1', port, method, path, headers, agent: options.agent ?? false },
      (response) => {
        const parts: Buffer[] = [];
        response.on('data', (chunk: Buffer) => {
          bytesReceived += chunk.length;
          parts.push(chunk);
        });
        response.on('end', () =>
          finish({
            kind: 'answer',
            status: response.statusCode ?? 0,
            headers: response.headers,
            body: Buffer.concat(parts).toString('utf8'),
          }),
        );
        response.on('error', (error: NodeJS.ErrnoException) =>
          finish({ kind: 'error', code: error.code ?? 'ERROR', message: error.message, bytesReceived }),
        );
        response.on('aborted', () =>
          finish({ kind: 'error', code: 'ABORTED', message: 'response aborted', bytesReceived }),
        );
      },
    );
    request.setTimeout(options.timeoutMs ?? 15_000, () =>
      request.destroy(Object.assign(new Error('timeout'), { code: 'TIMEOUT' })),
    );
    request.on('error', (error: NodeJS.ErrnoException) =>
      finish({ kind: 'error', code: error.code ?? 'ERROR', message: error.message, bytesReceived }),
    );
    request.end(payload);
  });
}

/** Percent-encodes every byte of the UTF-8 form except unreserved characters (lone surrogates become U+FFFD). */
export function percentEncode(text: string | Uint8Array): string {
  const bytes = typeof text === 'string' ? Buffer.from(text, 'utf8') : Buffer.from(text);
  let out = '';
  for (const byte of bytes) {
    const char = String.fromCharCode(byte);
    out += /[A-Za-z0-9\-._~]/.test(char) ? char : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}
