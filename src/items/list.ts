import { Readable } from 'node:stream';
import { setImmediate } from 'node:timers/promises';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { tokenForCaching } from '../db/churn.js';
import { negotiate } from '../http/negotiation.js';
import { createAnswerCache, type RenderedAnswer } from './answer-cache.js';
import { type ItemsContext, originOf, queryOf } from './context.js';
import { itemsCsv } from './csv.js';
import { bodyEtag, isNotModified } from './etag.js';
import { paginationOf, windowOf } from './pagination.js';
import { filterOf, orderOf } from './query.js';
import type { ItemFilter, ItemOrder } from './repository/filters.js';
import { countItems, listItems, listItemsInChunks } from './repository/items.js';
import type { ItemRecord } from './repository/tables.js';

// GET /api/items/: the bare array (contract), or a page with ?limit= or ?page_size= (pagination.ts);
// CSV (csv.ts) with Accept: text/csv or ?format=csv, always the whole list, streamed.
// The bare list is cached per state of the database (its change token: any write, by any process,
// gives a new one), so reading an unchanged list costs a look-up, not a query and a render; not
// while the data changes faster than lists are read again (db/churn.ts).

/** A list longer than this is streamed out, a smaller chunk at a time (bounded memory). */
const LIST_CHUNK = 20_000;
const STREAM_CHUNK = 2_000;

/** What the list renders besides JSON (and the browsable API's name for it). */
export const LIST_RENDERERS = ['csv'] as const;

export function createListHandler(items: ItemsContext) {
  const { store, render } = items;
  const cache = createAnswerCache();
  const tokenNow = tokenForCaching(() => store.database.changeToken());

  /** The whole list, rendered; a stream when it is longer than one chunk (never whole in memory). */
  const readAll = async (filter: ItemFilter, order: ItemOrder): Promise<RenderedAnswer | Readable> => {
    const chunks = listItemsInChunks(store, filter, order, LIST_CHUNK, STREAM_CHUNK);
    const first = await chunks.next();
    const rows = first.done ? [] : first.value;
    if (rows.length === LIST_CHUNK) return Readable.from(jsonArray(rows, chunks, render.item));
    return rendered(render.list(rows));
  };

  const send = (request: FastifyRequest, reply: FastifyReply, list: RenderedAnswer) => {
    reply.header('etag', list.etag);
    if (isNotModified(request.headers['if-none-match'], list.etag)) return reply.code(304).send();
    return reply.type('application/json').send(list.body);
  };

  return async (request: FastifyRequest, reply: FastifyReply) => {
    const query = queryOf(request);
    const filter = filterOf(query);
    const order = orderOf(query, items.orderable);
    if (negotiate(query.format, request.headers.accept, LIST_RENDERERS) === 'csv') {
      const chunks = listItemsInChunks(store, filter, order, STREAM_CHUNK);
      return reply
        .type('text/csv; charset=utf-8; header=present')
        .header('content-disposition', 'attachment; filename="items.csv"')
        .send(Readable.from(itemsCsv(items.fields, chunks)));
    }
    const pagination = paginationOf(query, items.pageMaxLimit);
    if (pagination) {
      const count = await countItems(store, filter);
      const window = windowOf(pagination, count);
      const results = await listItems(store, filter, order, window);
      return send(
        request,
        reply,
        rendered(render.page({ count, ...window.links(new URL(request.url, originOf(request))), results })),
      );
    }
    const key = JSON.stringify([filter, order]);
    const token = await tokenNow();
    const cached = token === undefined ? undefined : cache.get(key, token);
    if (cached) return send(request, reply, cached);
    const list = await readAll(filter, order);
    if (list instanceof Readable) return reply.type('application/json').send(list);
    if (token !== undefined) cache.set(key, token, list);
    return send(request, reply, list);
  };
}

const rendered = (json: string): RenderedAnswer => {
  const body = Buffer.from(json);
  return { body, etag: bodyEtag(body) };
};

/**
 * The JSON array, rendered a slice at a time with a turn of the event loop between slices: a
 * socket that takes every write at once (a fast client) must not let one list hold up every
 * other request until its last row.
 */
async function* jsonArray(
  first: ItemRecord[],
  rest: AsyncIterable<ItemRecord[]>,
  renderItem: (item: ItemRecord) => string,
) {
  let separator = '[';
  const slices = async function* (rows: ItemRecord[]) {
    for (let start = 0; start < rows.length; start += STREAM_CHUNK) {
      yield `${separator}${rows
        .slice(start, start + STREAM_CHUNK)
        .map(renderItem)
        .join(',')}`;
      separator = ',';
      await setImmediate();
    }
  };
  yield* slices(first);
  for await (const chunk of rest) yield* slices(chunk);
  yield ']';
}
