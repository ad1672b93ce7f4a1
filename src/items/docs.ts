import { type TSchema, Type } from 'typebox';
import { Detail, FieldErrors, ItemInput, ItemList, ItemListQuery, ItemPage, ItemParams, ItemPatch } from './schema.js';

// What the OpenAPI document says of each items route, beside the success schemas the routes
// serialize with. Error responses are added to the document only (openapi.ts), so that no
// serializer is compiled for them: every error body is written by the error handler.

const BODY_TYPES = ['application/json', 'application/x-www-form-urlencoded', 'multipart/form-data'];
const ItemQueryOnDetail = Type.Pick(ItemListQuery, ['product', 'format']);
const WRITE_HEADERS = Type.Object({
  'if-match': Type.Optional(
    Type.String({ description: 'ETag read earlier: the write happens only if it still matches (else 412).' }),
  ),
  authorization: Type.Optional(Type.String({ description: '`Bearer <token>` when the server sets API_TOKEN.' })),
});

export const docs = {
  root: { tags: ['items'], summary: 'Links to the collections' },
  list: {
    tags: ['items'],
    summary: 'List items',
    description:
      'All items in ascending id, as a bare array; with `limit` the page envelope ' +
      '`{count, next, previous, results}` instead. Carries an ETag; `If-None-Match` gives 304.',
    querystring: ItemListQuery,
  },
  create: {
    tags: ['items'],
    summary: 'Create an item',
    description: 'With `Idempotency-Key`, a retry with the same body returns the first answer and creates nothing.',
    consumes: BODY_TYPES,
    body: ItemInput,
    headers: Type.Object({
      'idempotency-key': Type.Optional(Type.String({ maxLength: 255 })),
      authorization: Type.Optional(Type.String()),
    }),
  },
  retrieve: { tags: ['items'], summary: 'Get an item', params: ItemParams, querystring: ItemQueryOnDetail },
  replace: {
    tags: ['items'],
    summary: 'Replace an item (both fields required)',
    params: ItemParams,
    querystring: ItemQueryOnDetail,
    consumes: BODY_TYPES,
    body: ItemInput,
    headers: WRITE_HEADERS,
  },
  update: {
    tags: ['items'],
    summary: 'Change some fields of an item',
    params: ItemParams,
    querystring: ItemQueryOnDetail,
    consumes: BODY_TYPES,
    body: ItemPatch,
    headers: WRITE_HEADERS,
  },
  remove: {
    tags: ['items'],
    summary: 'Delete an item',
    params: ItemParams,
    querystring: ItemQueryOnDetail,
    headers: WRITE_HEADERS,
  },
  options: { tags: ['items'], summary: "DRF's metadata: the fields and their rules" },
};

const ERROR_TEXT: Record<number, string> = {
  304: 'Not modified (If-None-Match matched)',
  400: 'Invalid input: a map from field to messages, or `{"detail"}` for a body that cannot be parsed',
  401: 'Writes need the bearer token (only when API_TOKEN is set)',
  404: 'No such item (or it does not match the filter), or an unknown `format`',
  405: 'Method not allowed; the Allow header lists the allowed ones',
  406: 'The Accept header allows neither JSON nor HTML',
  412: 'If-Match did not match: the item changed since it was read',
  413: 'Body larger than BODY_LIMIT',
  415: 'Unsupported media type',
  422: 'Idempotency-Key reused with another body',
  429: 'Rate limited (only when RATE_LIMIT is set)',
  503: 'The database is unavailable; retry after Retry-After seconds',
};

const COMMON = [404, 405, 406, 429, 503];
const WRITE = [400, 401, 413, 415, ...COMMON];

/** Error responses per method and URL, for the OpenAPI document. */
export const errorDocs: Record<string, number[]> = {
  'GET /api/': [404, 406],
  'GET /api/items/': [304, 400, ...COMMON],
  'POST /api/items/': [...WRITE, 422],
  'GET /api/items/{id}/': [304, ...COMMON],
  'PUT /api/items/{id}/': [...WRITE, 412],
  'PATCH /api/items/{id}/': [...WRITE, 412],
  'DELETE /api/items/{id}/': [401, 412, ...COMMON],
};

export function errorResponses(codes: number[]): Record<number, TSchema> {
  return Object.fromEntries(
    codes.map((code) => {
      const description = ERROR_TEXT[code] ?? 'Error';
      if (code === 304) return [code, Type.Null({ description })];
      return [code, code === 400 ? Type.Union([FieldErrors, Detail], { description }) : { ...Detail, description }];
    }),
  );
}

/** Success shapes the serializers do not need to know: the list is a bare array or, with `limit`, a page. */
export const successDocs: Record<string, Record<number, TSchema>> = {
  'GET /api/items/': {
    200: Type.Union([ItemList, ItemPage], { description: 'The items (bare array), or a page when `limit` is given' }),
  },
};
