import { type TSchema, Type } from 'typebox';
import { PARSED_MEDIA_TYPES } from '../http/body.js';
import { BulkQuery, bulkSchemas, DESCRIPTIONS } from './bulk-schema.js';
import { Detail, FilterErrors, FormatQuery, ItemListQuery, ItemParams, ItemQuery, type ItemSchemas } from './schema.js';

// What the OpenAPI document says of each operation. The routes carry their query and path
// parameters (`docs`, below), which @fastify/swagger turns into the document's parameters;
// completeDocument (at the end) adds the rest from OPERATIONS: the operation's name, its request
// headers and body, and every answer it can give, with its body and headers. No serializer is
// compiled from these schemas: error bodies are written by the error handler, success bodies by
// the routes' own response schemas (schema.ts), which are the same shapes.

/** The parameters each /api route reads (spread into the route schemas by routes.ts). */
export const docs = {
  root: { querystring: FormatQuery },
  list: { querystring: ItemListQuery },
  create: { querystring: FormatQuery },
  retrieve: { params: ItemParams, querystring: ItemQuery },
  replace: { params: ItemParams, querystring: ItemQuery },
  update: { params: ItemParams, querystring: ItemQuery },
  remove: { params: ItemParams, querystring: ItemQuery },
  options: { querystring: FormatQuery },
  describeItem: { params: ItemParams, querystring: ItemQuery },
  bulk: { querystring: BulkQuery },
};

/** A CSV file as the list answers it and the import reads it (README: CSV with spreadsheets). */
const CSV_FILE = Type.String({
  contentMediaType: 'text/csv',
  description:
    'RFC 4180 CSV, UTF-8: a header row `id,product,price`, then a row per item. Exported with a byte order mark ' +
    'and CRLF line ends; a product starting with `=`, `+`, `-`, `@`, tab or CR (after any apostrophes) gets one ' +
    'apostrophe in front so that spreadsheets show it as text, and the import removes exactly that apostrophe.',
});

// --- Named schemas --------------------------------------------------------------------------

export const ref = (name: string): TSchema => Type.Unsafe({ $ref: `#/components/schemas/${name}` });

const FieldMetadata = Type.Object(
  {
    type: Type.String(),
    required: Type.Boolean(),
    read_only: Type.Boolean(),
    label: Type.String(),
    max_length: Type.Optional(Type.Integer()),
    min_value: Type.Optional(Type.Integer()),
    max_value: Type.Optional(Type.Integer()),
  },
  { additionalProperties: false },
);

/** Each schema in components.schemas, referenced with $ref wherever it is used. */
const componentSchemas = (schemas: ItemSchemas): Record<string, TSchema> => ({
  ...itemComponentSchemas(schemas),
  ...bulkComponentSchemas(schemas),
});

const itemComponentSchemas = ({
  Item,
  ItemPage,
  ItemInput,
  ItemPatch,
  FieldErrors,
}: ItemSchemas): Record<string, TSchema> => ({
  Item,
  ItemPage: Type.Object(
    { ...ItemPage.properties, results: Type.Array(ref('Item')) },
    {
      additionalProperties: false,
      description: 'A page of the list: the envelope of DRF’s paginations (page_size, or limit and offset).',
    },
  ),
  ItemInput,
  ItemPatch,
  Detail: { ...Detail, description: 'Any error other than invalid input.' },
  FieldErrors: { ...FieldErrors, description: 'Invalid body: every failing field with its messages (DRF).' },
  FilterErrors: { ...FilterErrors, description: 'Invalid filter in the query string, with its messages.' },
  ApiRoot: Type.Object(
    { items: Type.String({ format: 'uri', description: 'The items collection, absolute (from Host).' }) },
    { additionalProperties: false },
  ),
  FieldMetadata,
  Metadata: Type.Object(
    {
      name: Type.String(),
      description: Type.String(),
      renders: Type.Array(Type.String()),
      parses: Type.Array(Type.String()),
      actions: Type.Optional(
        Type.Object(
          {
            POST: Type.Optional(Type.Object({}, { additionalProperties: ref('FieldMetadata') })),
            PUT: Type.Optional(Type.Object({}, { additionalProperties: ref('FieldMetadata') })),
          },
          { additionalProperties: false },
        ),
      ),
    },
    { additionalProperties: false, description: 'DRF’s SimpleMetadata: what the URL renders, parses and accepts.' },
  ),
  Readiness: Type.Object({ status: Type.Literal('ready') }, { additionalProperties: false }),
});

/** The bulk writes' and the CSV import's shapes (bulk-schema.ts), with references between them. */
function bulkComponentSchemas(schemas: ItemSchemas): Record<string, TSchema> {
  const bulk = bulkSchemas(schemas);
  return {
    BulkCreate: bulk.BulkCreate,
    BulkUpdate: bulk.BulkUpdate,
    BulkDelete: bulk.BulkDelete,
    BulkOperations: Type.Array(oneOf(ref('BulkCreate'), ref('BulkUpdate'), ref('BulkDelete')), {
      description:
        'Operations applied in this order, all or nothing, in one transaction; each sees the effects of those ' +
        'before it (two updates of one item apply one after the other).',
    }),
    BulkItem: bulk.BulkItem,
    BulkResults: Type.Array(anyOf(ref('BulkItem'), Type.Null()), { description: DESCRIPTIONS.BulkResults }),
    OperationErrors: bulk.OperationErrors,
    BulkErrors: Type.Array(ref('OperationErrors'), { description: DESCRIPTIONS.BulkErrors }),
    BulkFailure: bulk.BulkFailure,
    ImportRow: bulk.ImportRow,
    ImportSummary: Type.Object(
      { ...bulk.ImportSummary.properties, rows: Type.Array(ref('ImportRow'), { description: 'Every row, in order.' }) },
      { additionalProperties: false },
    ),
    ImportError: bulk.ImportError,
    FlagErrors: Type.Object(
      { dry_run: Type.Array(Type.String(), { minItems: 1 }) },
      { additionalProperties: false, description: 'A bad `dry_run`: not a boolean.' },
    ),
    ImportErrors: Type.Object(
      { detail: Type.String(), errors: Type.Array(ref('ImportError'), { minItems: 1 }) },
      { additionalProperties: false, description: DESCRIPTIONS.ImportErrors },
    ),
  };
}

// --- Headers --------------------------------------------------------------------------------

const header = (description: string, schema: TSchema, required = true) => ({ description, required, schema });
const rateLimit = (what: string) =>
  header(`${what} (only when the server sets RATE_LIMIT).`, Type.Integer({ minimum: 0 }), false);

/** Response headers, in components.headers as an answer usually sends them (`required`: always). */
const HEADERS = {
  'X-Request-Id': header(
    'The request’s id, as in the log lines: the X-Request-Id sent, when it is acceptable, else a new UUID.',
    Type.String({ minLength: 1 }),
  ),
  AllowRoot: header('The methods this URL allows.', Type.Literal('GET, HEAD, OPTIONS')),
  AllowItemList: header('The methods this URL allows.', Type.Literal('GET, POST, HEAD, OPTIONS')),
  AllowItem: header('The methods this URL allows.', Type.Literal('GET, PUT, PATCH, DELETE, HEAD, OPTIONS')),
  AllowWrites: header('The methods this URL allows.', Type.Literal('POST, OPTIONS')),
  'Content-Disposition': header(
    'A CSV answer is a file to save: `attachment; filename="items.csv"`.',
    Type.Literal('attachment; filename="items.csv"'),
    false,
  ),
  ETag: header(
    'Strong validator of this representation: send it back in If-None-Match (304) or If-Match (412 on a change).',
    Type.String({ pattern: '^"[\\x21\\x23-\\x7e]*"$' }),
  ),
  'Idempotent-Replayed': header(
    'Present on the answer to a retried Idempotency-Key: this is the first answer again; nothing was created.',
    Type.Literal('true'),
    false,
  ),
  'Retry-After': header('Seconds to wait before trying again.', Type.Integer({ minimum: 0 })),
  'WWW-Authenticate': header('The authentication scheme writes need.', Type.String({ minLength: 1 })),
  'X-RateLimit-Limit': rateLimit('Requests allowed per minute'),
  'X-RateLimit-Remaining': rateLimit('Requests left in the current minute'),
  'X-RateLimit-Reset': rateLimit('Seconds until the current minute ends'),
};
export type HeaderName = keyof typeof HEADERS;
/** `api`: another feature's /api resource, whose Allow the operation gives (OperationDoc.allow). */
type Resource = 'root' | 'list' | 'item' | 'writes' | 'health' | 'api';
const ALLOW: Record<Exclude<Resource, 'health' | 'api'>, HeaderName> = {
  root: 'AllowRoot',
  list: 'AllowItemList',
  item: 'AllowItem',
  writes: 'AllowWrites',
};

// --- Request parameters and security --------------------------------------------------------

const PARAMETERS = {
  RequestId: {
    name: 'X-Request-Id',
    in: 'header',
    description:
      'An id for this request, echoed in the answer and the log lines when it matches `^[\\w.:@/+=-]{1,200}$` ' +
      '(else the server makes a UUID; never an error).',
    schema: Type.String(),
  },
  IfMatch: {
    name: 'If-Match',
    in: 'header',
    description: 'The ETag read earlier (or `*`): the write happens only if the item is unchanged since, else 412.',
    schema: Type.String(),
  },
  IfNoneMatch: {
    name: 'If-None-Match',
    in: 'header',
    description: 'ETags the client holds (or `*`): 304 without a body when the current one is among them.',
    schema: Type.String(),
  },
  IdempotencyKey: {
    name: 'Idempotency-Key',
    in: 'header',
    description:
      'A unique key per intended create: a retry with the same key and body (to any replica) gets the first ' +
      'answer again with `Idempotent-Replayed: true` and creates nothing; the same key with another body is a 422. ' +
      'Remembered for IDEMPOTENCY_TTL_SECONDS.',
    schema: Type.String({ minLength: 1, maxLength: 255, pattern: '^[\\x21-\\x7e]+$' }),
  },
};
type ParameterName = keyof typeof PARAMETERS;

const SECURITY_SCHEMES = {
  apiToken: {
    type: 'http',
    scheme: 'bearer',
    description: 'Only when the server sets API_TOKEN: writes then need `Authorization: Bearer <API_TOKEN>`.',
  },
  drfToken: {
    type: 'apiKey',
    in: 'header',
    name: 'Authorization',
    description: 'The same token as DRF’s TokenAuthentication sends it: `Authorization: Token <API_TOKEN>`.',
  },
};
/** Writes: open when the server has no API_TOKEN, else the token in either scheme. */
const WRITE_SECURITY = [{}, { apiToken: [] }, { drfToken: [] }];

// --- Answers --------------------------------------------------------------------------------

export interface Answer {
  description: string;
  body?: TSchema;
  /** Default: application/json. */
  mediaType?: string;
  /** Further media types of the same answer, each with its body. */
  alternatives?: Record<string, TSchema>;
  /** Headers of this answer beyond those every answer of the resource has; true: always sent. */
  headers?: Partial<Record<HeaderName, boolean>>;
}

/** The error answers, each with its status; a 400's body differs by operation (see the table). */
const ERRORS: Record<number, Answer> = {
  304: { description: 'Not modified: If-None-Match holds the current ETag. No body.', headers: { ETag: true } },
  401: {
    description: 'A write without the token, or with a wrong one (only when the server sets API_TOKEN).',
    body: ref('Detail'),
    headers: { 'WWW-Authenticate': true },
  },
  404: { description: 'Unknown `format`.', body: ref('Detail') },
  406: { description: 'The Accept header allows neither JSON nor HTML.', body: ref('Detail') },
  412: { description: 'If-Match does not match: the item changed since it was read.', body: ref('Detail') },
  413: { description: 'The body is larger than the server’s BODY_LIMIT.', body: ref('Detail') },
  415: {
    description: 'The body’s Content-Type is none of JSON, form-urlencoded or multipart.',
    body: ref('Detail'),
  },
  422: { description: 'This Idempotency-Key was used with another body.', body: ref('Detail') },
  429: {
    description: 'Too many requests from this address (only when the server sets RATE_LIMIT).',
    body: ref('Detail'),
    headers: { 'Retry-After': true },
  },
  503: {
    description: 'The database is unavailable; try again after Retry-After seconds.',
    body: ref('Detail'),
    headers: { 'Retry-After': true },
  },
};

export const errors = (...codes: number[]) => Object.fromEntries(codes.map((code) => [code, ERRORS[code] as Answer]));
const oneOf = (...schemas: TSchema[]) => Type.Unsafe({ oneOf: schemas });
const anyOf = (...schemas: TSchema[]) => Type.Unsafe({ anyOf: schemas });

const NO_ITEM: Answer = {
  description:
    'No such item: none with this id, one outside the filters, an id that is not an integer; or an unknown `format`.',
  body: ref('Detail'),
};
export const BAD_FILTER: Answer = {
  description: 'A filter in the query string is invalid.',
  body: ref('FilterErrors'),
};
const BAD_WRITE: Answer = {
  description:
    'Invalid input: the field-error map of the body, a filter error of the query string, or `{"detail"}` ' +
    'for a body that cannot be parsed.',
  body: anyOf(ref('FieldErrors'), ref('FilterErrors'), ref('Detail')),
};
const FLAG_ERRORS = ref('FlagErrors');
const ITEM_ANSWER: Answer = { description: 'The item.', body: ref('Item'), headers: { ETag: true } };
const METADATA: Answer = { description: 'DRF’s metadata of this URL.', body: ref('Metadata') };

// --- Operations -----------------------------------------------------------------------------

export interface OperationDoc {
  operationId: string;
  tag: string;
  resource: Resource;
  /** For resource `api`: the methods its URL allows. */
  allow?: string;
  summary: string;
  description: string;
  headers?: ParameterName[];
  body?: 'ItemInput' | 'ItemPatch' | 'BulkOperations' | 'Csv';
  write?: boolean;
  responses: Record<number, Answer>;
}

/** Every documented operation, by method and path (as documented: without the trailing slash). */
const ITEM_OPERATIONS: Record<string, OperationDoc> = {
  'GET /api': {
    operationId: 'getApiRoot',
    tag: 'root',
    resource: 'root',
    summary: 'Links to the collections',
    description: 'The API root (DRF’s DefaultRouter): an absolute link to each collection.',
    responses: { 200: { description: 'The links.', body: ref('ApiRoot') }, ...errors(404, 406, 429) },
  },
  'OPTIONS /api': {
    operationId: 'describeApiRoot',
    tag: 'root',
    resource: 'root',
    summary: 'Metadata of the API root',
    description: 'DRF’s metadata of the root: what it renders and parses.',
    responses: { 200: METADATA, ...errors(404, 406, 413, 429) },
  },
  'GET /api/items': {
    operationId: 'listItems',
    tag: 'items',
    resource: 'list',
    summary: 'List items',
    description:
      'All items matching the filters, in ascending id unless `ordering` says otherwise, as a bare array; with a ' +
      'positive `page_size` or `limit`, a page of them in the envelope `{count, next, previous, results}` instead. ' +
      'A list of more than 20,000 items is streamed, and then carries no ETag.',
    headers: ['IfNoneMatch'],
    responses: {
      200: {
        description:
          'The items (a bare array), or a page of them when `page_size` or `limit` is given; or CSV with ' +
          '`Accept: text/csv` or `format=csv` (all items matching the filters, in the order asked, whatever the ' +
          'pagination parameters; streamed, without an ETag, with Content-Disposition).',
        body: oneOf(Type.Array(ref('Item')), ref('ItemPage')),
        alternatives: { 'text/csv': CSV_FILE },
        headers: { ETag: false, 'Content-Disposition': false },
      },
      304: ERRORS[304] as Answer,
      400: BAD_FILTER,
      404: { description: 'Unknown `format` (other than json, api and csv).', body: ref('Detail') },
      406: { description: 'The Accept header allows none of JSON, HTML and CSV.', body: ref('Detail') },
      ...errors(429, 503),
    },
  },
  'POST /api/items': {
    operationId: 'createItem',
    tag: 'items',
    resource: 'list',
    summary: 'Create an item',
    description:
      'Stores a new item and answers it with its id. With an Idempotency-Key, a retry of the same request ' +
      'answers the first result again and creates nothing.',
    headers: ['IdempotencyKey'],
    body: 'ItemInput',
    write: true,
    responses: {
      201: {
        description: 'The created item (or, for a retried Idempotency-Key, the first answer again).',
        body: ref('Item'),
        headers: { ETag: true, 'Idempotent-Replayed': false },
      },
      400: {
        description:
          'Invalid input: the field-error map, or `{"detail"}` for a body that cannot be parsed or a malformed ' +
          'Idempotency-Key.',
        body: oneOf(ref('FieldErrors'), ref('Detail')),
      },
      ...errors(401, 404, 406, 413, 415, 422, 429, 503),
    },
  },
  'OPTIONS /api/items': {
    operationId: 'describeItemList',
    tag: 'items',
    resource: 'list',
    summary: 'Metadata of the collection',
    description: 'DRF’s metadata of the collection, with the fields a POST takes and their limits.',
    responses: { 200: METADATA, ...errors(404, 406, 413, 429) },
  },
  'GET /api/items/{id}': {
    operationId: 'getItem',
    tag: 'items',
    resource: 'item',
    summary: 'Get an item',
    description: 'One item. The filters of the list apply: an item outside them is a 404.',
    headers: ['IfNoneMatch'],
    responses: {
      200: ITEM_ANSWER,
      304: ERRORS[304] as Answer,
      400: BAD_FILTER,
      404: NO_ITEM,
      ...errors(406, 429, 503),
    },
  },
  'PUT /api/items/{id}': {
    operationId: 'replaceItem',
    tag: 'items',
    resource: 'item',
    summary: 'Replace an item',
    description: 'Sets both fields of the item. With If-Match, only if the item is unchanged since it was read.',
    headers: ['IfMatch'],
    body: 'ItemInput',
    write: true,
    responses: {
      200: { ...ITEM_ANSWER, description: 'The item as stored now.' },
      400: BAD_WRITE,
      404: NO_ITEM,
      ...errors(401, 406, 412, 413, 415, 429, 503),
    },
  },
  'PATCH /api/items/{id}': {
    operationId: 'updateItem',
    tag: 'items',
    resource: 'item',
    summary: 'Change some fields of an item',
    description: 'Sets the fields given, keeps the others. With If-Match, only if the item is unchanged since.',
    headers: ['IfMatch'],
    body: 'ItemPatch',
    write: true,
    responses: {
      200: { ...ITEM_ANSWER, description: 'The item as stored now.' },
      400: BAD_WRITE,
      404: NO_ITEM,
      ...errors(401, 406, 412, 413, 415, 429, 503),
    },
  },
  'DELETE /api/items/{id}': {
    operationId: 'deleteItem',
    tag: 'items',
    resource: 'item',
    summary: 'Delete an item',
    description: 'Deletes the item; its id is never used again. With If-Match, only if it is unchanged since.',
    headers: ['IfMatch'],
    write: true,
    responses: {
      204: { description: 'Deleted. No body.' },
      400: BAD_FILTER,
      404: NO_ITEM,
      ...errors(401, 406, 412, 413, 429, 503),
    },
  },
  'OPTIONS /api/items/{id}': {
    operationId: 'describeItem',
    tag: 'items',
    resource: 'item',
    summary: 'Metadata of an item URL',
    description: 'DRF’s metadata of the item URL: with the fields a PUT takes when the item exists, without otherwise.',
    responses: {
      200: METADATA,
      400: BAD_FILTER,
      ...errors(404, 406, 413, 429, 503),
    },
  },
  'POST /api/items/bulk': {
    operationId: 'bulkWrite',
    tag: 'items',
    resource: 'writes',
    summary: 'Create, change and delete many items at once',
    description:
      'Applies the operations in order in one transaction: either all of them apply, or none does and the answer ' +
      'says why. An operation sees the effects of those before it (two updates of one item apply one after the ' +
      'other; an update after a delete of the same id is a 404). At most BULK_MAX_OPERATIONS (default 1000). ' +
      'All operations are validated before anything is written (400); then missing items (404) are reported ' +
      'before stale preconditions (412), every failing operation at once. `if_match` is compared as If-Match is ' +
      'on a single write. With `dry_run=true` everything is applied and rolled back: the answer says what would ' +
      'happen (ids of creates are then not kept). With an Idempotency-Key, a retry of the same request answers ' +
      'the first 200 again and writes nothing.',
    headers: ['IdempotencyKey'],
    body: 'BulkOperations',
    write: true,
    responses: {
      200: {
        description: 'Every operation applied (or, with dry_run, would apply); the results in input order.',
        body: ref('BulkResults'),
        headers: { 'Idempotent-Replayed': false },
      },
      400: {
        description:
          'Invalid operations: an array aligned with the input, `{}` for the valid ones and DRF’s field-error ' +
          'map for the others; or `{"non_field_errors"}` for a body that is not an array, `{"detail"}` for one ' +
          'that is not JSON or a malformed Idempotency-Key, `{"dry_run"}` for a bad dry_run. Nothing was written.',
        body: anyOf(ref('BulkErrors'), ref('FieldErrors'), ref('Detail'), FLAG_ERRORS),
      },
      404: {
        description:
          'An operation names an item that does not exist when it is reached (`operations`: their indexes from ' +
          '0, `ids`: their ids); or an unknown `format`. Nothing was written.',
        body: anyOf(ref('BulkFailure'), ref('Detail')),
      },
      412: {
        description:
          'An `if_match` does not match its item when reached (which ones: `operations`, `ids`). Nothing was written.',
        body: ref('BulkFailure'),
      },
      413: { description: 'More than BULK_MAX_OPERATIONS operations, or a body over BODY_LIMIT.', body: ref('Detail') },
      415: { description: 'The body is not application/json.', body: ref('Detail') },
      ...errors(401, 406, 422, 429, 503),
    },
  },
  'OPTIONS /api/items/bulk': {
    operationId: 'describeBulkWrite',
    tag: 'items',
    resource: 'writes',
    summary: 'Metadata of the bulk writes',
    description: 'What the URL renders and parses.',
    responses: { 200: METADATA, ...errors(404, 406, 413, 429) },
  },
  'POST /api/items/import': {
    operationId: 'importItems',
    tag: 'items',
    resource: 'writes',
    summary: 'Apply a CSV file of items',
    description:
      'Reads a CSV file with the columns id, product and price (in any order, as the list exports them): a row ' +
      'with an empty id creates an item, a row with an id sets that item’s product and price. The rows are ' +
      'applied as one bulk write: all or nothing. At most IMPORT_MAX_ROWS rows (default 10,000) within BODY_LIMIT. ' +
      'With `dry_run=true` nothing is written and the answer says what would change (created, updated, unchanged). ' +
      'An Idempotency-Key works as on a bulk write.',
    headers: ['IdempotencyKey'],
    body: 'Csv',
    write: true,
    responses: {
      200: {
        description: 'What the import did (or, with dry_run, would do), row by row.',
        body: ref('ImportSummary'),
        headers: { 'Idempotent-Replayed': false },
      },
      400: {
        description:
          'The file is not CSV (bad quoting: where, by line and column), not UTF-8, has another header or a row ' +
          'with another number of values, or values the fields refuse: every problem by line and column. Or ' +
          '`{"detail"}` for a malformed Idempotency-Key, `{"dry_run"}` for a bad dry_run. Nothing was written.',
        body: anyOf(ref('ImportErrors'), ref('Detail'), FLAG_ERRORS),
      },
      404: {
        description: 'A row’s id names no item (by line and column); or an unknown `format`. Nothing was written.',
        body: anyOf(ref('ImportErrors'), ref('Detail')),
      },
      413: { description: 'More than IMPORT_MAX_ROWS rows, or a body over BODY_LIMIT.', body: ref('Detail') },
      415: { description: 'The body is not text/csv.', body: ref('Detail') },
      ...errors(401, 406, 422, 429, 503),
    },
  },
  'OPTIONS /api/items/import': {
    operationId: 'describeImport',
    tag: 'items',
    resource: 'writes',
    summary: 'Metadata of the CSV import',
    description: 'What the URL renders and parses.',
    responses: { 200: METADATA, ...errors(404, 406, 413, 429) },
  },
  'GET /healthz': {
    operationId: 'checkLiveness',
    tag: 'health',
    resource: 'health',
    summary: 'Liveness',
    description: 'The process answers. It never touches the database, so an outage does not get replicas killed.',
    responses: { 200: { description: 'Alive.', body: Type.Literal('OK'), mediaType: 'text/html' } },
  },
  'GET /readyz': {
    operationId: 'checkReadiness',
    tag: 'health',
    resource: 'health',
    summary: 'Readiness',
    description: 'The database answers and the process is not stopping.',
    responses: {
      200: { description: 'Ready to serve.', body: ref('Readiness') },
      503: {
        description: 'Not ready: the database does not answer (with Retry-After), or the process is stopping.',
        body: ref('Detail'),
        headers: { 'Retry-After': false },
      },
    },
  },
};

// --- The document ---------------------------------------------------------------------------

export const DOCUMENT_INFO = {
  title: 'pricebook',
  version: '1.0.0',
  contact: { name: 'pricebook' },
  description: [
    'Product names and prices for front ends: a drop-in replacement for the Django REST Framework items API.',
    '',
    '- Every `/api` path is served alike with a trailing slash (`/api/items/`, the form DRF front ends use),',
    '  never with a redirect.',
    '- `HEAD` answers as `GET` without a body.',
    '- A method an `/api` path does not list is answered `405` with `Allow` (the methods it lists, and `HEAD`)',
    '  and `{"detail": "Method \\"…\\" not allowed."}`, after the checks of `format` (404) and Accept (406).',
    '- A path not listed here is Django’s HTML 404 page.',
    '- Request bodies may be JSON, form-urlencoded or multipart. Invalid input is a `400` with DRF’s',
    '  field-error map, every failing field at once; other errors are `{"detail": "…"}`.',
    '- With CORS_ORIGINS set, allowed origins also get the CORS headers and preflight answers.',
  ].join('\n'),
};

const TAGS = [
  { name: 'root', description: 'The API root.' },
  { name: 'items', description: 'The items: list, create, read, change, delete.' },
  { name: 'health', description: 'Probes for load balancers and orchestrators.' },
];

const RATE_LIMIT_HEADERS = ['X-RateLimit-Limit', 'X-RateLimit-Remaining', 'X-RateLimit-Reset'] as const;

type Json = Record<string, unknown>;
/** A reference to the named header, or a copy of it where this answer does not always (or does always) send it. */
const responseHeader = (name: HeaderName, required = HEADERS[name].required) =>
  required === HEADERS[name].required ? { $ref: `#/components/headers/${name}` } : { ...HEADERS[name], required };

/** Every answer has X-Request-Id; API answers also Allow and the rate limit's. */
function responseHeaders(doc: OperationDoc, answer: Answer): Json {
  const headers: Json = { 'X-Request-Id': responseHeader('X-Request-Id') };
  if (doc.resource !== 'health') {
    headers.Allow =
      doc.resource === 'api'
        ? header('The methods this URL allows.', Type.Literal(doc.allow ?? 'GET, HEAD'))
        : responseHeader(ALLOW[doc.resource]);
    for (const name of RATE_LIMIT_HEADERS) headers[name] = responseHeader(name);
  }
  for (const [name, always] of Object.entries(answer.headers ?? {}) as Array<[HeaderName, boolean]>) {
    headers[name] = responseHeader(name, always);
  }
  return headers;
}

function response(doc: OperationDoc, answer: Answer): Json {
  return {
    description: answer.description,
    headers: responseHeaders(doc, answer),
    ...(answer.body
      ? {
          content: {
            [answer.mediaType ?? 'application/json']: { schema: answer.body },
            ...Object.fromEntries(
              Object.entries(answer.alternatives ?? {}).map(([type, schema]) => [type, { schema }]),
            ),
          },
        }
      : {}),
  };
}

const parameterRef = (name: ParameterName) => ({ $ref: `#/components/parameters/${name}` });

function operation(doc: OperationDoc, generated: Json): Json {
  const body = doc.body;
  return {
    operationId: doc.operationId,
    tags: [doc.tag],
    summary: doc.summary,
    description: doc.description,
    parameters: [
      ...((generated.parameters as Json[] | undefined) ?? []),
      ...(doc.headers ?? []).map(parameterRef),
      parameterRef('RequestId'),
    ],
    ...(body
      ? {
          requestBody: {
            required: true,
            content: requestContent(body),
          },
        }
      : {}),
    ...(doc.write ? { security: WRITE_SECURITY } : {}),
    responses: Object.fromEntries(
      Object.entries(doc.responses).map(([status, answer]) => [status, response(doc, answer)]),
    ),
  };
}

function requestContent(body: NonNullable<OperationDoc['body']>): Json {
  if (body === 'BulkOperations') return { 'application/json': { schema: ref(body) } };
  if (body === 'Csv') return { 'text/csv': { schema: CSV_FILE } };
  return Object.fromEntries(PARSED_MEDIA_TYPES.map((type) => [type, { schema: ref(body) }]));
}

/** The documented path: the route's URL without its trailing slash (the server answers both). */
const documentedPath = (path: string) => (path.length > 1 ? path.replace(/\/$/, '') : path);

/**
 * Completes the document @fastify/swagger generated from the routes (their parameters) with
 * OPERATIONS. Every route must be documented there and every entry there must have a route, and
 * each status a route declares a response schema for must be among its documented answers.
 */
/** Another feature's part of the document: its operations, named schemas and tags. */
export interface DocumentPart {
  operations: Record<string, OperationDoc>;
  schemas: Record<string, TSchema>;
  tags: Array<{ name: string; description: string }>;
}

export function completeDocument(
  generated: Json & { paths: Record<string, Record<string, Json>> },
  schemas: ItemSchemas,
  parts: DocumentPart[] = [],
): Json {
  const OPERATIONS = Object.assign({}, ITEM_OPERATIONS, ...parts.map((part) => part.operations)) as Record<
    string,
    OperationDoc
  >;
  const paths: Record<string, Json> = {};
  const documented = new Set<string>();
  for (const [url, item] of Object.entries(generated.paths)) {
    const path = documentedPath(url);
    const operations: Json = {};
    for (const [method, routeOperation] of Object.entries(item)) {
      const key = `${method.toUpperCase()} ${path}`;
      const doc = OPERATIONS[key];
      if (!doc) throw new Error(`OpenAPI: ${key} has a route but no entry in OPERATIONS (src/items/docs.ts)`);
      const declared = Object.keys((routeOperation.responses as Json | undefined) ?? {});
      const undocumented = declared.filter((status) => !(status in doc.responses));
      if (undocumented.length > 0) throw new Error(`OpenAPI: ${key} declares undocumented ${undocumented.join(', ')}`);
      operations[method] = operation(doc, routeOperation);
      documented.add(key);
    }
    paths[path] = operations;
  }
  const stale = Object.keys(OPERATIONS).filter((key) => !documented.has(key));
  if (stale.length > 0) throw new Error(`OpenAPI: no route for ${stale.join(', ')} (src/items/docs.ts)`);
  return {
    ...generated,
    servers: [{ url: '/', description: 'The server that serves this document.' }],
    tags: [...TAGS, ...parts.flatMap((part) => part.tags)],
    paths,
    components: {
      schemas: Object.assign(componentSchemas(schemas), ...parts.map((part) => part.schemas)),
      headers: HEADERS,
      parameters: PARAMETERS,
      securitySchemes: SECURITY_SCHEMES,
    },
  };
}
