import type { FastifyInstance, FastifyRequest } from 'fastify';
import {
  type BodyData,
  type BodyForm,
  type CsvResult,
  type ListResult,
  type MediaType,
  type ParseResult,
  parseForm,
} from './body-parsers.js';
import { BodyThread } from './body-thread.js';
import type { CsvProblem, CsvRecord } from './csv.js';
import { ApiError, unsupportedMediaType } from './errors.js';

// DRF's parsers: JSON, form-urlencoded and multipart, chosen by media type (case-insensitive,
// parameters ignored). Fastify hands every body over as raw bytes (see app.ts), so that parsing
// happens here, after the item lookup, in the contract's order of errors (§5.1).

export type { BodyData } from './body-parsers.js';
export type { CsvProblem, CsvRecord } from './csv.js';

export const PARSED_MEDIA_TYPES: MediaType[] = [
  'application/json',
  'application/x-www-form-urlencoded',
  'multipart/form-data',
];

/**
 * Bodies larger than this are parsed on a worker thread: parsing costs time linear in the size,
 * but with a large constant for some shapes (hundreds of thousands of keys, deep nesting), and a
 * body of several megabytes must not hold up every other request.
 */
export const IN_THREAD_BODY_BYTES = 64 * 1024;

/**
 * Every body reaches the routes as raw bytes, whatever its media type (or none); parseBody reads it
 * after the item lookup. An unparsable Content-Type is kept away from Fastify's own 415.
 */
export function addRawBodies(app: FastifyInstance): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
  app.addHook('onRequest', (request, _reply, done) => {
    hideUnparsableContentType(request);
    done();
  });
  const thread = new BodyThread();
  app.decorate('bodyThread', thread);
  app.addHook('onClose', () => thread.close());
}

declare module 'fastify' {
  interface FastifyInstance {
    bodyThread: BodyThread;
  }
}

const HIDDEN_CONTENT_TYPE = Symbol('content-type');
type WithHiddenType = FastifyRequest & { [HIDDEN_CONTENT_TYPE]?: string };

/**
 * Fastify answers its own 415 for a Content-Type it cannot parse (`""`, `json`) before any route
 * runs, which would beat the 404 page, the 405, the item lookup and the empty-body rule. Such a
 * header is taken away from Fastify (the body then arrives as raw bytes like any other) and kept
 * for parseBody, which answers the contract's 415 with the value as sent.
 */
function hideUnparsableContentType(request: FastifyRequest): void {
  const value = request.headers['content-type'];
  if (value === undefined || request.mediaType !== undefined) return;
  (request as WithHiddenType)[HIDDEN_CONTENT_TYPE] = value;
  delete request.headers['content-type'];
}

/** The request's Content-Type header as the client sent it. */
export const contentTypeOf = (request: FastifyRequest): string | undefined =>
  (request as WithHiddenType)[HIDDEN_CONTENT_TYPE] ?? request.headers['content-type'];

/**
 * The request's body as an object holding the `fields` the route reads (body-parsers.ts), or the
 * contract's 415/400 answer. An empty body is `{}`.
 */
export async function parseBody(request: FastifyRequest, fields: readonly string[]): Promise<BodyData> {
  const bytes = Buffer.isBuffer(request.body) ? request.body : undefined;
  if (!bytes || bytes.length === 0) return {};
  const contentType = contentTypeOf(request) ?? '';
  const mediaType = contentType.split(';', 1)[0]?.trim().toLowerCase() as MediaType;
  if (!PARSED_MEDIA_TYPES.includes(mediaType)) throw unsupportedMediaType(contentType);
  const result = (await parseOn(request, 'object', bytes, mediaType, contentType, fields)) as ParseResult;
  if ('failure' in result) throw new ApiError(result.failure.statusCode, result.failure.body);
  return result.data;
}

/** On the event loop when small, else on the worker thread. */
const parseOn = (
  request: FastifyRequest,
  form: BodyForm,
  bytes: Buffer,
  mediaType: MediaType,
  contentType: string,
  fields: readonly string[],
) =>
  bytes.length <= IN_THREAD_BODY_BYTES
    ? parseForm(form, bytes, mediaType, contentType, fields)
    : request.server.bodyThread.parseAs(form, bytes, mediaType, contentType, fields);

/** The media type a body must have, or the contract's 415 (an empty body has none to check). */
function requireMediaType(request: FastifyRequest, wanted: string): string {
  const contentType = contentTypeOf(request) ?? '';
  const mediaType = contentType.split(';', 1)[0]?.trim().toLowerCase();
  if (mediaType !== wanted) throw unsupportedMediaType(contentType);
  return contentType;
}

/**
 * A JSON array body (bulk writes): its object elements holding only `fields`, other elements as
 * they are (the caller reports them); a body that is not an array is DRF's ListSerializer 400.
 */
export async function parseBodyList(request: FastifyRequest, fields: readonly string[]): Promise<unknown[]> {
  const bytes = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
  // An empty body is DRF's empty dict, whatever its media type.
  if (bytes.length === 0)
    throw new ApiError(400, { non_field_errors: ['Expected a list of items but got type "dict".'] });
  const contentType = requireMediaType(request, 'application/json');
  const result = (await parseOn(request, 'list', bytes, 'application/json', contentType, fields)) as ListResult;
  if ('failure' in result) throw new ApiError(result.failure.statusCode, result.failure.body);
  return result.list;
}

/** A text/csv body's records (csv.ts), or where it stops being CSV (the caller answers it). */
export async function parseBodyCsv(
  request: FastifyRequest,
): Promise<{ records: CsvRecord[] } | { problem: CsvProblem; header?: string[] }> {
  const bytes = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
  const contentType = bytes.length === 0 ? 'text/csv' : requireMediaType(request, 'text/csv');
  const result = (await parseOn(request, 'csv', bytes, 'application/json', contentType, [])) as CsvResult;
  if ('failure' in result) throw new ApiError(result.failure.statusCode, result.failure.body);
  return result;
}
