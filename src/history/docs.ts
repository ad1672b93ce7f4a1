import { Type } from 'typebox';
import { type Answer, type DocumentPart, errors, type OperationDoc, ref } from '../items/docs.js';
import { ItemListQuery, ItemParams } from '../items/schema.js';

// The history feature in the OpenAPI document: the routes' parameters (`historyDocs`) and the
// rest of each operation (HISTORY_DOCUMENT, merged by items/docs.ts completeDocument).

const Iso = (description: string) => Type.String({ description });
const messages = Type.Array(Type.String(), { minItems: 1 });

const HistoryQuery = Type.Object({
  since: Type.Optional(Iso('Only entries at or after this time: an ISO 8601 date or date-time (no offset: UTC).')),
  until: Type.Optional(Iso('Only entries at or before this time, as `since`.')),
  limit: ItemListQuery.properties.limit,
  offset: ItemListQuery.properties.offset,
  page_size: ItemListQuery.properties.page_size,
  page: ItemListQuery.properties.page,
});

const LowestPriceQuery = Type.Object({
  days: Type.Optional(
    Type.Integer({
      minimum: 1,
      description: 'The window, in days up to now: 1 to HISTORY_RETENTION_DAYS. Default 30.',
    }),
  ),
});

const EventsQuery = Type.Object({
  after: Type.Optional(
    Type.Integer({
      minimum: 0,
      description: 'Start after this event id (a `seq`), read from the log; Last-Event-ID wins when both are sent.',
    }),
  ),
  product: Type.Optional(
    Type.String({
      description: 'Only changes whose product (after the change) is exactly this (trimmed), as the list’s `product`.',
    }),
  ),
});

const EventsHeaders = Type.Object({
  'last-event-id': Type.Optional(
    Type.String({
      description:
        'The id of the last event received (EventSource sends it when it reconnects): the stream resumes right after it, from the log.',
    }),
  ),
});

/** The parameters each route reads (spread into the route schemas by routes.ts). */
export const historyDocs = {
  history: { params: ItemParams, querystring: HistoryQuery },
  lowestPrice: { params: ItemParams, querystring: LowestPriceQuery },
  events: { querystring: EventsQuery, headers: EventsHeaders },
};

const Kind = Type.Union(
  [Type.Literal('created'), Type.Literal('updated'), Type.Literal('deleted'), Type.Literal('imported')],
  {
    description:
      '`created` (made here), `imported` (written by the importer from the Django service), `updated` (a write that ' +
      'changed a value), `deleted`.',
  },
);
const At = Type.String({
  format: 'date-time',
  description: 'When: UTC, microseconds (`2025-03-01T09:30:00.123456Z`). All writes of one transaction share it.',
});

const HistoryEntry = Type.Object(
  {
    seq: Type.Integer({
      minimum: 1,
      description: 'The entry’s place in the global change log (the event id of the feed).',
    }),
    kind: Kind,
    version: Type.Integer({
      minimum: 1,
      description: 'The item’s version after the change (for a delete: the version deleted).',
    }),
    product: Type.String(),
    price: Type.Integer(),
    at: At,
  },
  { additionalProperties: false, description: 'One change of an item: its values after it (for a delete: before it).' },
);

const ChangeEvent = Type.Object(
  {
    id: Type.Integer({ minimum: 1, description: 'The item’s id.' }),
    product: Type.String(),
    price: Type.Integer(),
    version: Type.Integer({ minimum: 1 }),
    at: At,
  },
  {
    additionalProperties: false,
    description:
      'The `data:` of an event of /api/events/: the item after the change (for `deleted`: as it was), with its version.',
  },
);

const LowestPrice = Type.Object(
  {
    price: Type.Integer({ description: 'The lowest price in effect at any moment of the window.' }),
    at: Type.String({
      format: 'date-time',
      description:
        'When that price took effect (its latest time, if more than once); before the window when it was in effect as the window opened.',
    }),
    days: Type.Integer({ minimum: 1, description: 'The window, in days up to now.' }),
  },
  { additionalProperties: false },
);

const optionalMessages = (names: string[]) =>
  Type.Object(Object.fromEntries(names.map((name) => [name, Type.Optional(messages)])), {
    additionalProperties: false,
    minProperties: 1,
  });

const HISTORY_PAGE = Type.Object(
  {
    count: Type.Integer({ minimum: 0 }),
    next: Type.Union([Type.String({ format: 'uri' }), Type.Null()]),
    previous: Type.Union([Type.String({ format: 'uri' }), Type.Null()]),
    results: Type.Array(ref('HistoryEntry')),
  },
  {
    additionalProperties: false,
    description: 'A page of the history (with `limit` or `page_size`), as the list’s pages.',
  },
);

const NO_HISTORY: Answer = {
  description: 'No item ever had this id (a deleted item’s history stays readable), or the id is not an integer.',
  body: ref('Detail'),
};

const api = { resource: 'api', allow: 'GET, HEAD', tag: 'history' } as const;

const OPERATIONS: Record<string, OperationDoc> = {
  'GET /api/items/{id}/history': {
    ...api,
    operationId: 'getItemHistory',
    summary: 'The history of an item',
    description:
      'Every change of the item that the log still holds (HISTORY_RETENTION_DAYS; the entry in effect at the cutoff is ' +
      'kept), newest first, as a bare array; with a positive `limit` or `page_size`, a page of them in the envelope ' +
      '`{count, next, previous, results}` instead. A no-op write (the same values) is no change.',
    responses: {
      200: {
        description: 'The entries (a bare array), or a page of them.',
        body: Type.Unsafe({ oneOf: [Type.Array(ref('HistoryEntry')), ref('HistoryPage')] }),
      },
      400: { description: '`since` or `until` is not an ISO 8601 date or date-time.', body: ref('HistoryErrors') },
      404: { ...NO_HISTORY, description: `${NO_HISTORY.description} Also DRF’s “Invalid page.”` },
      ...errors(406, 429, 503),
    },
  },
  'GET /api/items/{id}/lowest-price': {
    ...api,
    operationId: 'getLowestPrice',
    summary: 'The lowest price of the last days',
    description:
      'The lowest price the item had at any moment in the last `days` days (default 30), counting the price already ' +
      'in effect when the window opened: what EU shops must show next to a price reduction (Directive 98/6/EC, art. 6a).',
    responses: {
      200: { description: 'The lowest price, and when it took effect.', body: ref('LowestPrice') },
      400: {
        description: '`days` is not a whole number from 1 to HISTORY_RETENTION_DAYS.',
        body: ref('LowestPriceErrors'),
      },
      404: {
        description: 'No item ever had this id, or it had no price in the window (deleted before it opened).',
        body: ref('Detail'),
      },
      ...errors(406, 429, 503),
    },
  },
  'GET /api/events': {
    ...api,
    operationId: 'streamEvents',
    tag: 'history',
    summary: 'Changes as they happen (Server-Sent Events)',
    description: [
      'A `text/event-stream` that never ends on its own: one event per change of any item, on every replica within a',
      'second of the write. Each event has `id:` (the change’s `seq`), `event:` (its kind: `created`, `updated`,',
      '`deleted`, `imported`) and `data:` (a `ChangeEvent`, JSON). A comment line (`: heartbeat`) comes every 15 s.',
      'The first line is `retry: 1000`.',
      '',
      'Resuming: with `Last-Event-ID` (EventSource sends it on reconnecting) or `?after=`, the stream starts right',
      'after that event, from the log: nothing missed, nothing twice. Without either, it starts now.',
      '',
      'The server ends the stream when it stops (SIGTERM) and when the client falls too far behind (it does not read):',
      'reconnect with Last-Event-ID. Each process takes at most EVENTS_MAX_CLIENTS streams (503 beyond).',
    ].join('\n'),
    responses: {
      200: {
        description: 'The stream of events.',
        body: Type.Unsafe({
          type: 'string',
          description: 'Server-Sent Events; each `data:` is a ChangeEvent (JSON).',
          'x-event-data': ref('ChangeEvent'),
        }),
        mediaType: 'text/event-stream',
      },
      400: {
        description: '`after` or Last-Event-ID is not a whole number, or `product` has a null character.',
        body: Type.Unsafe({ anyOf: [ref('EventsErrors'), ref('FilterErrors')] }),
      },
      406: { description: 'The Accept header does not allow text/event-stream.', body: ref('Detail') },
      429: errors(429)[429] as Answer,
      503: {
        description:
          'Too many streams on this server (EVENTS_MAX_CLIENTS), or the database is unavailable: retry after Retry-After.',
        body: ref('Detail'),
        headers: { 'Retry-After': true },
      },
    },
  },
};

export const HISTORY_DOCUMENT: DocumentPart = {
  operations: OPERATIONS,
  schemas: {
    HistoryEntry,
    HistoryPage: HISTORY_PAGE,
    ChangeEvent,
    LowestPrice,
    HistoryErrors: { ...optionalMessages(['since', 'until']), description: 'Invalid `since` or `until`.' },
    LowestPriceErrors: { ...optionalMessages(['days']), description: 'Invalid `days`.' },
    EventsErrors: { ...optionalMessages(['after', 'last_event_id']), description: 'Invalid event id.' },
  },
  tags: [
    { name: 'history', description: 'Prices over time: each item’s history, its lowest price, and the live feed.' },
  ],
};
