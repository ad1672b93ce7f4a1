import { Readable } from 'node:stream';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { contentTypeOf, parseBody } from '../http/body.js';
import { ApiError, methodNotAllowed, noItem } from '../http/errors.js';
import { compileSerializer } from '../http/json.js';
import { negotiate } from '../http/negotiation.js';
import { sendNotFoundPage } from '../http/not-found.js';
import { API_ROOT, findResource, ITEM_DETAIL, ITEM_LIST, pathOf, routeOn } from '../http/resources.js';
import { docs } from './docs.js';
import { bodyEtag, expectedVersion, isNotModified, itemEtag, preconditionFailed } from './etag.js';
import { hashRequest, idempotencyKeyOf, replay } from './idempotency.js';
import { parseItemId } from './item-id.js';
import { detailMetadata, listMetadata, missingDetailMetadata, rootMetadata } from './metadata.js';
import { filterOf, type ItemQuery, orderOf, pageLinks, pageOf } from './query.js';
import { Item, type ItemFields, ItemList, ItemPage, ItemParams } from './schema.js';
import { type ItemFilter, type ItemOrder, type ItemRecord, type ItemStore, STALE } from './store.js';
import { validateItem } from './validation.js';

// The /api/ handlers, thin: negotiate → look up → parse → validate → store → reply.

const LIST_CHUNK = 20_000;

async function* jsonArray(
  first: ItemRecord[],
  rest: AsyncIterable<ItemRecord[]>,
  render: (item: ItemRecord) => string,
) {
  yield `[${first.map(render).join(',')}`;
  for await (const chunk of rest) yield `,${chunk.map(render).join(',')}`;
  yield ']';
}

type ItemRequest = FastifyRequest<{ Params: { id: string }; Querystring: ItemQuery }>;

export interface ItemRoutesOptions {
  store: ItemStore;
  idempotencyTtlSeconds: number;
  pageMaxLimit: number;
}

/** Absolute URLs are built from the request's Host header, as Django does (ALLOWED_HOSTS is `*`). */
const originOf = (request: FastifyRequest) => `${request.protocol}://${request.headers.host ?? 'localhost'}`;

export async function itemRoutes(app: FastifyInstance, options: ItemRoutesOptions) {
  const { store, pageMaxLimit } = options;
  const idempotencyTtlMs = options.idempotencyTtlSeconds * 1000;
  const renderItem = compileSerializer({ schema: Item });
  const renderPage = compileSerializer({ schema: ItemPage });

  // Every API answer, errors included, carries Allow; format and Accept are checked before anything else.
  app.addHook('onRequest', async (request, reply) => {
    // The router lets `/api/items/:id` match `/api/items/` and `/api/items//` with an empty id:
    // go by the path, which is the collection (405) or nothing (404).
    const resource = findResource(pathOf(request.url));
    if (!resource) return sendNotFoundPage(reply);
    reply.header('allow', resource.allow).header('vary', 'Accept, Cookie');
    negotiate((request.query as ItemQuery).format, request.headers.accept);
    if (resource !== request.routeOptions.config.resource) throw methodNotAllowed(request.method, resource.allow);
  });

  const findItem = async (request: ItemRequest): Promise<ItemRecord> => {
    const id = parseItemId(request.params.id);
    const item = await store.get(id, filterOf(request.query));
    if (!item) throw noItem();
    return item;
  };

  routeOn(app, API_ROOT, 'GET', {
    schema: { ...docs.root, response: { 200: Type.Object({ items: Type.String({ format: 'uri' }) }) } },
    handler: async (request) => ({ items: `${originOf(request)}/api/items/` }),
  });
  routeOn(app, API_ROOT, 'OPTIONS', { schema: docs.options, handler: async () => rootMetadata });

  /**
   * The whole list. In id order it is read in chunks: a list that fits in one chunk is answered
   * at once (with an ETag); a longer one streams out chunk by chunk, never whole in memory.
   */
  const listAll = async (reply: FastifyReply, filter: ItemFilter, order: ItemOrder) => {
    const byId = order.length === 0 || order[0]?.field === 'id';
    if (!byId) return store.list(filter, order);
    const chunks = store.listInChunks(filter, order[0]?.descending ?? false, LIST_CHUNK);
    const first = await chunks.next();
    if (first.done) return [];
    if (first.value.length < LIST_CHUNK) return first.value;
    return reply
      .type('application/json; charset=utf-8')
      .send(Readable.from(jsonArray(first.value, chunks, renderItem)));
  };

  routeOn(app, ITEM_LIST, 'GET', {
    schema: { ...docs.list, response: { 200: ItemList } },
    onSend: async (request, reply, payload) => {
      if (reply.statusCode !== 200 || typeof payload !== 'string') return payload;
      const etag = bodyEtag(payload);
      reply.header('etag', etag);
      if (!isNotModified(request.headers['if-none-match'], etag)) return payload;
      reply.code(304);
      return '';
    },
    handler: async (request, reply) => {
      const query = request.query as ItemQuery;
      const filter = filterOf(query);
      const order = orderOf(query);
      const page = pageOf(query, pageMaxLimit);
      if (!page) return listAll(reply, filter, order);
      const [count, results] = await Promise.all([store.count(filter), store.list(filter, order, page)]);
      const links = pageLinks(new URL(request.url, originOf(request)), page, count);
      return reply
        .type('application/json; charset=utf-8')
        .serializer(renderPage)
        .send({ count, ...links, results });
    },
  });

  routeOn(app, ITEM_LIST, 'POST', {
    schema: { ...docs.create, response: { 201: Item } },
    handler: async (request, reply) => {
      const key = idempotencyKeyOf(request.headers['idempotency-key']);
      if (key === undefined) {
        const fields = validateItem(await parseBody(request.body, contentTypeOf(request)), false);
        const item = await store.create(fields as ItemFields);
        return reply.code(201).header('etag', itemEtag(item)).send(item);
      }
      const requestHash = hashRequest(contentTypeOf(request), request.body);
      const previous = await store.findResponse(key, idempotencyTtlMs);
      if (previous) return replay(reply, previous, requestHash);
      const fields = validateItem(await parseBody(request.body, contentTypeOf(request)), false);
      const { item, stored } = await store.createOnce(
        fields as ItemFields,
        key,
        requestHash,
        idempotencyTtlMs,
        renderItem,
      );
      if (!item) return replay(reply, stored, requestHash);
      return reply.code(201).header('etag', itemEtag(item)).type('application/json').send(stored.body);
    },
  });

  routeOn(app, ITEM_LIST, 'OPTIONS', { schema: docs.options, handler: async () => listMetadata });

  routeOn(app, ITEM_DETAIL, 'GET', {
    schema: { ...docs.retrieve, response: { 200: Item } },
    handler: async (request, reply) => {
      const item = await findItem(request as ItemRequest);
      const etag = itemEtag(item);
      reply.header('etag', etag);
      if (isNotModified(request.headers['if-none-match'], etag)) return reply.code(304).send();
      return item;
    },
  });

  for (const method of ['PUT', 'PATCH'] as const) {
    routeOn(app, ITEM_DETAIL, method, {
      schema: { ...(method === 'PUT' ? docs.replace : docs.update), response: { 200: Item } },
      handler: async (request, reply) => {
        const item = await findItem(request as ItemRequest);
        const expected = expectedVersion(request.headers['if-match'], item);
        const changes = validateItem(await parseBody(request.body, contentTypeOf(request)), method === 'PATCH');
        const updated = await store.update(item.id, changes, expected);
        if (updated === STALE) throw preconditionFailed();
        if (!updated) throw noItem();
        return reply.header('etag', itemEtag(updated)).send(updated);
      },
    });
  }

  routeOn(app, ITEM_DETAIL, 'DELETE', {
    schema: { ...docs.remove, response: { 204: Type.Null({ description: 'Deleted' }) } },
    handler: async (request, reply) => {
      const item = await findItem(request as ItemRequest);
      const deleted = await store.delete(item.id, expectedVersion(request.headers['if-match'], item));
      if (deleted === STALE) throw preconditionFailed();
      if (!deleted) throw noItem();
      return reply.code(204).send();
    },
  });

  routeOn(app, ITEM_DETAIL, 'OPTIONS', {
    schema: { ...docs.options, params: ItemParams },
    handler: async (request) => {
      const found = await findItem(request as ItemRequest).catch((error) => {
        if (error instanceof ApiError && error.statusCode === 404) return undefined;
        throw error;
      });
      return found ? detailMetadata : missingDetailMetadata;
    },
  });
}
