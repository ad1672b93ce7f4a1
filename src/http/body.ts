import { isUtf8 } from 'node:buffer';
import Busboy from 'busboy';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ApiError, detail, unsupportedMediaType } from './errors.js';

// DRF's parsers: JSON, form-urlencoded and multipart, chosen by media type (case-insensitive,
// parameters ignored). Fastify hands every body over as raw bytes (see app.ts), so that parsing
// happens here, after the item lookup, in the contract's order of errors (§5.1).

export const PARSED_MEDIA_TYPES = ['application/json', 'application/x-www-form-urlencoded', 'multipart/form-data'];

export type BodyData = Record<string, unknown>;

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

export async function parseBody(raw: unknown, contentType: string | undefined): Promise<BodyData> {
  const bytes = Buffer.isBuffer(raw) ? raw : undefined;
  if (!bytes || bytes.length === 0) return {};
  const mediaType = (contentType ?? '').split(';', 1)[0]?.trim().toLowerCase();
  switch (mediaType) {
    case 'application/json':
      return toObject(parseJson(bytes), bytes);
    case 'application/x-www-form-urlencoded':
      return Object.fromEntries(new URLSearchParams(bytes.toString('utf8')));
    case 'multipart/form-data':
      return parseMultipart(bytes, contentType as string);
    default:
      throw unsupportedMediaType(contentType ?? '');
  }
}

function parseJson(bytes: Buffer): unknown {
  if (!isUtf8(bytes)) throw detail(400, 'JSON parse error - the body is not valid UTF-8');
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) {
    throw detail(400, 'JSON parse error - Unexpected UTF-8 BOM (decode using utf-8-sig)');
  }
  try {
    return JSON.parse(bytes.toString('utf8'));
  } catch (error) {
    throw detail(400, `JSON parse error - ${(error as Error).message}`);
  }
}

/** DRF names the kind of a non-object body by its Python type. */
function toObject(value: unknown, bytes: Buffer): BodyData {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) return value as BodyData;
  if (value === null) throw new ApiError(400, { non_field_errors: ['No data provided'] });
  let kind: string;
  if (Array.isArray(value)) kind = 'list';
  else if (typeof value === 'string') kind = 'str';
  else if (typeof value === 'boolean') kind = 'bool';
  else kind = /[.eE]/.test(bytes.toString('latin1')) ? 'float' : 'int';
  throw new ApiError(400, { non_field_errors: [`Invalid data. Expected a dictionary, but got ${kind}.`] });
}

function parseMultipart(bytes: Buffer, contentType: string): Promise<BodyData> {
  return new Promise((resolve, reject) => {
    const fail = (error: unknown) => reject(detail(400, `Multipart form parse error - ${(error as Error).message}`));
    let parser: Busboy.Busboy;
    try {
      parser = Busboy({ headers: { 'content-type': contentType }, limits: { fieldSize: bytes.length } });
    } catch (error) {
      return fail(error);
    }
    const fields: BodyData = Object.create(null);
    parser.on('field', (name, value) => {
      fields[name] = value;
    });
    parser.on('file', (_name, stream) => stream.resume());
    parser.on('error', fail);
    parser.on('close', () => resolve(fields));
    parser.end(bytes);
  });
}
