import type { FastifyInstance, FastifyRequest, onRequestHookHandler } from 'fastify';
import { Type } from 'typebox';
import { contentTypeOf, parseBody } from '../http/body.js';
import { ApiError, methodNotAllowed, noItem } from '../http/errors.js';
import { negotiate } from '../http/negotiation.js';
import { sendNotFoundPage } from '../http/not-found.js';
import {
  API_ROOT,
  findResource,
  ITEM_DETAIL,
  ITEM_LIST,
  pathOf,
  type Resource,
  routeOn,
  setApiHeaders,
} from '../http/resources.js';
import { docs } from './docs.js';
import { expectedVersion, isNotModified, itemEtag, preconditionFailed } from './etag.js';
import { hashRequest, idempotencyKeyOf, replay, sweepExpiredKeys } from './idempotency.js';
import { parseItemId } from './item-id.js';
import { createListHandler } from './list.js';
import { detailMetadata, listMetadata, missingDetailMetadata, rootMetadata } from './metadata.js';
import { filterOf, type ItemQuery } from './query.js';
import { renderItem } from './render.js';
import { Item, type ItemFields, ItemList } from './schema.js';
import { type ItemRecord, type ItemStore, STALE } from './store.js';
import { validateItem } from './validation.js';

// The /api/ handlers, thin: negotiate → look up → parse → validate → store → reply.

/** The body fields an item write reads. */
const ITEM_INPUT_FIELDS = ['product', 'price'];

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
  const stopSweeping = sweepExpiredKeys(store, idempotencyTtlMs, app.log);
  app.addHook('onClose', stopSweeping);

  // Every API answer, errors included, carries Allow; format and Accept are checked before anything else.
  // A hook per route, which knows its resource (no request.routeOptions object per request).
  const checkRequest =
    (routed: Resource): onRequestHookHandler =>
    (request, reply, done) => {
      // The router lets `/api/items/:id` match `/api/items/` and `/api/items//` with an empty id:
      // go by the path, which is the collection (405) or nothing (404).
      const path = pathOf(request.url);
      const resource = routed.pattern.test(path) ? routed : findResource(path);
      if (!resource) return void sendNotFoundPage(reply);
      setApiHeaders(reply, resource);
      try {
        negotiate((request.query as ItemQuery).format, request.headers.accept);
      } catch (error) {
        return done(error as Error);
      }
      if (resource !== routed) return done(methodNotAllowed(request.method, resource.allow));
      done();
    };
  app.addHook('onRoute', (route) => {
    const routed = route.config?.resource as Resource | undefined;
    if (routed) route.onRequest = [checkRequest(routed), ...[route.onRequest ?? []].flat()];
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

  routeOn(app, ITEM_LIST, 'GET', {
    schema: { ...docs.list, response: { 200: ItemList } },
    handler: createListHandler(store, pageMaxLimit, originOf),
  });

  routeOn(app, ITEM_LIST, 'POST', {
    schema: { ...docs.create, response: { 201: Item } },
    handler: async (request, reply) => {
      const key = idempotencyKeyOf(request.headers['idempotency-key']);
      if (key === undefined) {
        const fields = validateItem(await parseBody(request, ITEM_INPUT_FIELDS), false);
        const item = await store.create(fields as ItemFields);
        return reply.code(201).header('etag', itemEtag(item)).send(item);
      }
      const requestHash = hashRequest(contentTypeOf(request), request.body);
      const previous = await store.findResponse(key, idempotencyTtlMs);
      if (previous) return replay(reply, previous, requestHash);
      const fields = validateItem(await parseBody(request, ITEM_INPUT_FIELDS), false);
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
        const changes = validateItem(await parseBody(request, ITEM_INPUT_FIELDS), method === 'PATCH');
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
    schema: docs.describeItem,
    handler: async (request) => {
      const found = await findItem(request as ItemRequest).catch((error) => {
        if (error instanceof ApiError && error.statusCode === 404) return undefined;
        throw error;
      });
      return found ? detailMetadata : missingDetailMetadata;
    },
  });
}
