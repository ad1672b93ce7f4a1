import assert from 'node:assert/strict';
import { AsyncLocalStorage } from 'node:async_hooks';
import type { ValidateFunction } from 'ajv';
import { Ajv2020 } from 'ajv/dist/2020.js';
import ajvFormats from 'ajv-formats';
import type { FastifyInstance } from 'fastify';

// Every answer the tests get through the helpers (http.ts, build.ts) is checked against the
// OpenAPI document the app serves at /api/schema/: the path and method are documented, the status
// is among the operation's answers, the body matches its JSON Schema (Ajv, JSON Schema 2020-12 as
// OpenAPI 3.1 uses) and the headers match their documentation, required ones present. A response
// header documented anywhere in the document but not on this answer fails too, so that a header
// the service starts or stops sending has to be documented. The document's own conventions (its
// info.description) are followed: a trailing slash on any /api path, HEAD as GET without a body,
// and 405 (or the 404 of `format`, the 406 of Accept) for a method an /api path does not list.

type Json = Record<string, unknown>;
type Headers = Record<string, string | string[] | number | undefined>;

export interface Exchange {
  method: string;
  url: string;
  status: number;
  headers: Headers;
  body: string;
}

interface Located<T> {
  value: T;
  /** JSON Pointer of `value` in the document. */
  pointer: string;
}

/** What an answer must be: its documented headers, and the schema (a JSON Pointer) of each media type. */
interface Answer {
  headers: Array<{ name: string; header: Located<Json> }>;
  media: Record<string, string> | undefined;
}

const DOCUMENT_ID = 'https://pricebook.invalid/openapi.json';
const escapeToken = (token: string) => token.replaceAll('~', '~0').replaceAll('/', '~1');
const unescapeToken = (token: string) => token.replaceAll('~1', '/').replaceAll('~0', '~');
const mediaTypeOf = (contentType: unknown) =>
  String(contentType ?? '')
    .split(';', 1)[0]
    ?.trim()
    .toLowerCase() ?? '';
const isJson = (mediaType: string) => mediaType === 'application/json' || mediaType.endsWith('+json');

export class ResponseValidator {
  readonly #document: Json & { paths: Record<string, Json> };
  readonly #ajv = new Ajv2020({ strict: false, allErrors: true });
  readonly #compiled = new Map<string, ValidateFunction>();
  readonly #paths: Array<{ template: string; pattern: RegExp }>;
  /** Every response header the document names, lower-case. */
  readonly #documentedHeaders: Set<string>;

  constructor(document: Json) {
    this.#document = structuredClone(document) as Json & { paths: Record<string, Json> };
    ajvFormats.default(this.#ajv);
    this.#ajv.addSchema(this.#document, DOCUMENT_ID);
    this.#paths = Object.keys(this.#document.paths).map((template) => ({
      template,
      // A parameter is one path segment; under /api a trailing slash is optional (info.description).
      pattern: new RegExp(`^${template.replace(/\{[^}]+\}/g, '[^/]+')}${template.startsWith('/api') ? '/?' : ''}$`),
    }));
    this.#documentedHeaders = new Set(this.#allResponseHeaderNames());
  }

  /** What is wrong with this answer under the document; empty when nothing. */
  problems(exchange: Exchange): string[] {
    const path = exchange.url.split('?', 1)[0] ?? '';
    // A path without parameters wins over a template that also matches it (/api/items/bulk), as in the router.
    const matched =
      this.#paths.find(({ template, pattern }) => !template.includes('{') && pattern.test(path)) ??
      this.#paths.find(({ pattern }) => pattern.test(path));
    if (!matched) return [`no documented path matches ${path}`];
    const pathPointer = `/paths/${escapeToken(matched.template)}`;
    const pathItem = this.#document.paths[matched.template] as Record<string, Json>;
    const method = exchange.method.toLowerCase();
    const operationMethod = method === 'head' && !pathItem.head ? 'get' : method;
    const operation = pathItem[operationMethod];
    if (!operation) {
      if (!matched.template.startsWith('/api') || ![404, 405, 406].includes(exchange.status)) {
        return [`${exchange.method} is not documented for ${path}, yet answered ${exchange.status}`];
      }
      return this.#check(exchange, this.#methodNotAllowed(pathItem, pathPointer), false);
    }
    const responses = operation.responses as Json;
    const status = String(exchange.status);
    const key = [status, `${status[0]}XX`, 'default'].find((candidate) => candidate in responses);
    if (!key) return [`${exchange.status} is not a documented answer of ${exchange.method} ${matched.template}`];
    const pointer = `${pathPointer}/${operationMethod}/responses/${key}`;
    return this.#check(exchange, this.#answer(pointer), operationMethod !== method);
  }

  /** A documented answer: its headers and the schema pointer of each media type. */
  #answer(pointer: string): Answer {
    const response = this.#resolve(pointer);
    const headers = Object.keys((response.value.headers ?? {}) as Json).map((name) => ({
      name,
      header: this.#resolve(`${response.pointer}/headers/${escapeToken(name)}`),
    }));
    const content = response.value.content as Json | undefined;
    const media = content
      ? Object.fromEntries(
          Object.keys(content).map((type) => [type, `${response.pointer}/content/${escapeToken(type)}/schema`]),
        )
      : undefined;
    return { headers, media };
  }

  /** The answer to a method a path does not list (405, or 404/406 first): `{"detail"}` and the path's Allow. */
  #methodNotAllowed(pathItem: Record<string, Json>, pathPointer: string): Answer {
    const [method, operation] = Object.entries(pathItem)[0] as [string, Json];
    const [status] = Object.keys(operation.responses as Json);
    const sample = this.#answer(`${pathPointer}/${method}/responses/${status}`);
    return {
      headers: sample.headers.filter(({ name }) => ['allow', 'x-request-id'].includes(name.toLowerCase())),
      media: { 'application/json': '/components/schemas/Detail' },
    };
  }

  #check(exchange: Exchange, answer: Answer, bodiless: boolean): string[] {
    return [...this.#headerProblems(exchange, answer), ...this.#bodyProblems(exchange, answer, bodiless)];
  }

  #headerProblems(exchange: Exchange, answer: Answer): string[] {
    const problems = answer.headers.flatMap(({ name, header }) => this.#headerValueProblems(exchange, name, header));
    const names = new Set(answer.headers.map(({ name }) => name.toLowerCase()));
    for (const [name, value] of Object.entries(exchange.headers)) {
      if (value !== undefined && this.#documentedHeaders.has(name) && !names.has(name)) {
        problems.push(`header ${name} is sent but not documented for ${exchange.status}`);
      }
    }
    return problems;
  }

  #headerValueProblems(exchange: Exchange, name: string, header: Located<Json>): string[] {
    const value = exchange.headers[name.toLowerCase()];
    if (value === undefined) return header.value.required === true ? [`required header ${name} is missing`] : [];
    if (Array.isArray(value)) return [`header ${name} is sent ${value.length} times`];
    const schema = header.value.schema as Json;
    // A header is text; one documented as a number is that number written out.
    const numeric = ['integer', 'number'].includes(String(schema.type)) && /^-?\d+$/.test(String(value));
    const validate = this.#validator(`${header.pointer}/schema`);
    if (validate(numeric ? Number(value) : String(value))) return [];
    return [`header ${name}: ${JSON.stringify(value)} ${this.#ajv.errorsText(validate.errors)}`];
  }

  #bodyProblems(exchange: Exchange, answer: Answer, bodiless: boolean): string[] {
    if (bodiless) return exchange.body === '' ? [] : ['HEAD answered a body'];
    if (!answer.media)
      return exchange.body === '' ? [] : [`a body where none is documented: ${exchange.body.slice(0, 200)}`];
    const mediaType = mediaTypeOf(exchange.headers['content-type']);
    const pointer = answer.media[mediaType];
    if (!pointer) return [`Content-Type ${mediaType || '(none)'} is not documented (${Object.keys(answer.media)})`];
    const body = isJson(mediaType) ? parseJson(exchange.body) : exchange.body;
    if (body === undefined) return [`the body is not JSON: ${exchange.body.slice(0, 200)}`];
    const validate = this.#validator(pointer);
    if (validate(body)) return [];
    return [`body ${exchange.body.slice(0, 300)}: ${this.#ajv.errorsText(validate.errors, { dataVar: 'body' })}`];
  }

  /** The object at this JSON Pointer, following `$ref`s (answers and headers may be references). */
  #resolve(start: string): Located<Json> {
    let pointer = start;
    for (;;) {
      const value = pointer
        .split('/')
        .slice(1)
        .reduce<unknown>((node, token) => (node as Json | undefined)?.[unescapeToken(token)], this.#document) as
        | Json
        | undefined;
      assert.ok(value, `nothing at ${pointer} in the document`);
      if (typeof value.$ref !== 'string') return { value, pointer };
      pointer = value.$ref.replace(/^#/, '');
    }
  }

  #validator(pointer: string): ValidateFunction {
    let validate = this.#compiled.get(pointer);
    if (!validate) {
      validate = this.#ajv.compile({ $ref: `${DOCUMENT_ID}#${pointer}` });
      this.#compiled.set(pointer, validate);
    }
    return validate;
  }

  *#allResponseHeaderNames(): Generator<string> {
    for (const pathItem of Object.values(this.#document.paths)) {
      for (const operation of Object.values(pathItem as Record<string, Json>)) {
        for (const response of Object.values((operation.responses ?? {}) as Record<string, Json>)) {
          for (const name of Object.keys((response.headers ?? {}) as Json)) yield name.toLowerCase();
        }
      }
    }
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

// --- As the helpers use it ------------------------------------------------------------------

/** Validators by document text: the tests' many apps mostly serve the same document. */
const validators = new Map<string, ResponseValidator>();
/** An app serves one document all its life: its validator is looked up once, not per answer. */
const validatorOfApp = new WeakMap<FastifyInstance, ResponseValidator>();
const outside = new AsyncLocalStorage<true>();

/** The validator of the document this app serves (app.swagger() is what /api/schema/ answers). */
export function validatorOf(app: FastifyInstance): ResponseValidator {
  const known = validatorOfApp.get(app);
  if (known) return known;
  const document = app.swagger() as unknown as Json;
  const key = JSON.stringify(document);
  let validator = validators.get(key);
  if (!validator) {
    validator = new ResponseValidator(document);
    validators.set(key, validator);
  }
  validatorOfApp.set(app, validator);
  return validator;
}

/**
 * Runs requests whose answers are deliberately outside the API (Django's 404 page for an unknown
 * path, the web page, the documentation): they are not checked against the document.
 */
export const outsideTheApi = <T>(requests: () => Promise<T>): Promise<T> => outside.run(true, requests);

/** Fails (AssertionError) when the answer contradicts the served document. */
export function assertDocumented(app: FastifyInstance, exchange: Exchange): void {
  if (outside.getStore()) return;
  const problems = validatorOf(app).problems(exchange);
  assert.deepEqual(
    problems,
    [],
    `${exchange.method} ${exchange.url} → ${exchange.status} contradicts the OpenAPI document (/api/schema/)`,
  );
}
