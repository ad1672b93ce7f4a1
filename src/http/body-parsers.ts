import { isUtf8 } from 'node:buffer';
import Busboy from 'busboy';
import { type CsvParse, parseCsv } from './csv.js';

// DRF's three parsers, as pure functions of the body's bytes: JSON, form-urlencoded and multipart;
// and two forms of our own: a JSON array of objects (bulk writes) and CSV (csv.ts). They run on the event loop for small bodies and on a worker thread for large ones (body.ts), so
// they hold no state and report failure as a plain object that can cross threads.

export type BodyData = Record<string, unknown>;

/** A parse that failed: the status and body of the contract's answer. */
export interface BodyFailure {
  statusCode: number;
  body: Record<string, unknown>;
}

export type ParseResult = { data: BodyData } | { failure: BodyFailure };

/** A JSON array: each object element holds only the fields read; other elements are kept as they are. */
export type ListResult = { list: unknown[] } | { failure: BodyFailure };

/** CSV: the records, or where the text stops being CSV. */
export type CsvResult = CsvParse | { failure: BodyFailure };

export type MediaType = 'application/json' | 'application/x-www-form-urlencoded' | 'multipart/form-data';

/** What a body is read as: DRF's object (one of its three media types), a JSON array, or CSV. */
export type BodyForm = 'object' | 'list' | 'csv';

const parseFailure = (message: string): ParseResult => ({ failure: { statusCode: 400, body: { detail: message } } });
const fieldFailure = (message: string): ParseResult => ({
  failure: { statusCode: 400, body: { non_field_errors: [message] } },
});

/** Parses a body in the given form: what the worker thread runs (body-worker.ts), and the event loop for small bodies. */
export async function parseForm(
  form: BodyForm,
  bytes: Uint8Array,
  mediaType: MediaType,
  contentType: string,
  fields: readonly string[],
): Promise<ParseResult | ListResult | CsvResult> {
  if (form === 'list') return parseJsonList(bytes, fields);
  if (form === 'csv') return parseCsvBytes(bytes);
  return parseBytes(bytes, mediaType, contentType, fields);
}

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

/** A JSON body that must be an array (DRF's ListSerializer message otherwise), its objects projected as above. */
export function parseJsonList(bytes: Uint8Array, fields: readonly string[]): ListResult {
  const parsed = parseJsonValue(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  if ('failure' in parsed) return parsed;
  const { value } = parsed;
  if (!Array.isArray(value)) {
    const kind =
      value === null
        ? 'NoneType'
        : typeof value === 'object'
          ? 'dict'
          : typeof value === 'number'
            ? Number.isInteger(value)
              ? 'int'
              : 'float'
            : pythonKind(value, Buffer.alloc(0));
    return {
      failure: { statusCode: 400, body: { non_field_errors: [`Expected a list of items but got type "${kind}".`] } },
    };
  }
  return {
    list: value.map((element) =>
      element !== null && typeof element === 'object' && !Array.isArray(element) ? project(element, fields) : element,
    ),
  };
}

/** A CSV body: UTF-8 text (a spreadsheet's other encodings are refused, with the line), then csv.ts. */
export function parseCsvBytes(bytes: Uint8Array): CsvResult {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const text = buffer.toString('utf8');
  if (!isUtf8(buffer)) {
    const before = text.slice(0, text.indexOf('\ufffd'));
    const line = before.split(/\r\n|\r|\n/).length;
    return {
      failure: {
        statusCode: 400,
        body: {
          detail: `CSV parse error - line ${line}: the file is not UTF-8 text. Save it as "CSV UTF-8".`,
          errors: [{ line, column: null, field: null, messages: ['Not UTF-8 text.'] }],
        },
      },
    };
  }
  return parseCsv(text);
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

/**
 * Arrays and objects nested deeper than this are refused before parsing. JSON.parse builds every
 * level before it finds the end: 3 MB of `[` cost the parser thread over a second, where one pass
 * over the bytes costs milliseconds. 1000 is Python's default recursion limit, about where the
 * current service's parser gives up (contract §4: it answers deep nesting with a 500); an item
 * nests two levels.
 */
const MAX_JSON_DEPTH = 1000;

const QUOTE = 0x22; // "
const BACKSLASH = 0x5c;
const OPEN_ARRAY = 0x5b; // [
const CLOSE_ARRAY = 0x5d;
const OPEN_OBJECT = 0x7b; // {
const CLOSE_OBJECT = 0x7d;

/** True when arrays and objects nest deeper than `limit`, brackets inside strings aside: one pass over the bytes. */
export function nestsDeeperThan(bytes: Buffer, limit: number): boolean {
  let depth = 0;
  for (let i = 0; i < bytes.length; i++) {
    const byte = bytes[i];
    if (byte === QUOTE) i = closingQuote(bytes, i);
    else if (byte === OPEN_ARRAY || byte === OPEN_OBJECT) {
      if (++depth > limit) return true;
    } else if (byte === CLOSE_ARRAY || byte === CLOSE_OBJECT) depth--;
  }
  return false;
}

/** Where the string opened at `open` ends (the end of the bytes if it does not): a quote after an even run of backslashes. */
function closingQuote(bytes: Buffer, open: number): number {
  for (let quote = bytes.indexOf(QUOTE, open + 1); quote !== -1; quote = bytes.indexOf(QUOTE, quote + 1)) {
    let backslashes = 0;
    while (bytes[quote - 1 - backslashes] === BACKSLASH) backslashes++;
    if (backslashes % 2 === 0) return quote;
  }
  return bytes.length;
}

function parseJsonValue(bytes: Buffer): { value: unknown } | { failure: BodyFailure } {
  if (!isUtf8(bytes)) return parseFailure('JSON parse error - the body is not valid UTF-8') as { failure: BodyFailure };
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) {
    return parseFailure('JSON parse error - Unexpected UTF-8 BOM (decode using utf-8-sig)') as { failure: BodyFailure };
  }
  if (nestsDeeperThan(bytes, MAX_JSON_DEPTH)) {
    return parseFailure(`JSON parse error - Nested deeper than ${MAX_JSON_DEPTH} levels`) as { failure: BodyFailure };
  }
  try {
    return { value: JSON.parse(bytes.toString('utf8')) };
  } catch (error) {
    return parseFailure(`JSON parse error - ${(error as Error).message}`) as { failure: BodyFailure };
  }
}

function parseJson(bytes: Buffer): ParseResult {
  const parsed = parseJsonValue(bytes);
  if ('failure' in parsed) return parsed;
  const { value } = parsed;
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
