import { isUtf8 } from 'node:buffer';
import Busboy from 'busboy';

// DRF's three parsers, as pure functions of the body's bytes: JSON, form-urlencoded and multipart.
// They run on the event loop for small bodies and on a worker thread for large ones (body.ts), so
// they hold no state and report failure as a plain object that can cross threads.

export type BodyData = Record<string, unknown>;

/** A parse that failed: the status and body of the contract's answer. */
export interface BodyFailure {
  statusCode: number;
  body: Record<string, unknown>;
}

export type ParseResult = { data: BodyData } | { failure: BodyFailure };

export type MediaType = 'application/json' | 'application/x-www-form-urlencoded' | 'multipart/form-data';

const parseFailure = (message: string): ParseResult => ({ failure: { statusCode: 400, body: { detail: message } } });
const fieldFailure = (message: string): ParseResult => ({
  failure: { statusCode: 400, body: { non_field_errors: [message] } },
});

/**
 * The body as an object holding only `fields` (what the route reads; every other key is ignored
 * anyway). A value that is an array or an object is kept as an empty one of its kind: validation
 * only needs to know it is not text or a number, and the answer never holds more of the body.
 */
export async function parseBytes(
  bytes: Uint8Array,
  mediaType: MediaType,
  contentType: string,
  fields: readonly string[],
): Promise<ParseResult> {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let result: ParseResult;
  if (mediaType === 'application/json') result = parseJson(buffer);
  else if (mediaType === 'application/x-www-form-urlencoded') {
    result = { data: Object.fromEntries(new URLSearchParams(buffer.toString('utf8'))) };
  } else result = await parseMultipart(buffer, contentType);
  return 'data' in result ? { data: project(result.data, fields) } : result;
}

function project(data: BodyData, fields: readonly string[]): BodyData {
  const kept: BodyData = {};
  for (const field of fields) {
    if (!Object.hasOwn(data, field)) continue;
    const value = data[field];
    kept[field] = Array.isArray(value) ? [] : value !== null && typeof value === 'object' ? {} : value;
  }
  return kept;
}

function parseJson(bytes: Buffer): ParseResult {
  if (!isUtf8(bytes)) return parseFailure('JSON parse error - the body is not valid UTF-8');
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) {
    return parseFailure('JSON parse error - Unexpected UTF-8 BOM (decode using utf-8-sig)');
  }
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString('utf8'));
  } catch (error) {
    return parseFailure(`JSON parse error - ${(error as Error).message}`);
  }
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) return { data: value as BodyData };
  if (value === null) return fieldFailure('No data provided');
  return fieldFailure(`Invalid data. Expected a dictionary, but got ${pythonKind(value, bytes)}.`);
}

/** DRF names the kind of a non-object body by its Python type. */
function pythonKind(value: unknown, bytes: Buffer): string {
  if (Array.isArray(value)) return 'list';
  if (typeof value === 'string') return 'str';
  if (typeof value === 'boolean') return 'bool';
  return bytes.includes(0x2e) || bytes.includes(0x65) || bytes.includes(0x45) ? 'float' : 'int'; // . e E
}

function parseMultipart(bytes: Buffer, contentType: string): Promise<ParseResult> {
  return new Promise((resolve) => {
    const fail = (error: unknown) => resolve(parseFailure(`Multipart form parse error - ${(error as Error).message}`));
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
    parser.on('close', () => resolve({ data: fields }));
    parser.end(bytes);
  });
}
