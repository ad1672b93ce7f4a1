import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { contentTypeOf, parseBody } from '../http/body.js';
import { ApiError, detail, methodNotAllowed, noItem } from '../http/errors.js';
import { compileSerializer } from '../http/json.js';
import { negotiate } from '../http/negotiation.js';
import { sendNotFoundPage } from '../http/not-found.js';
import { API_ROOT, findResource, ITEM_DETAIL, ITEM_LIST, pathOf, routeOn } from '../http/resources.js';
import { trimWhitespace } from '../http/text.js';
import { bodyEtag, expectedVersion, isNotModified, itemEtag, preconditionFailed } from './etag.js';
import { parseItemId } from './item-id.js';
import { detailMetadata, listMetadata, missingDetailMetadata, rootMetadata } from './metadata.js';
import { Item, type ItemFields, ItemList } from './schema.js';
import { type ItemFilter, type ItemRecord, type ItemStore, STALE, type StoredResponse } from './store.js';
import { validateItem } from './validation.js';

// The /api/ handlers, thin: negotiate → look up → parse → validate → store → reply.

type Query = { product?: string; format?: string };
type ItemRequest = FastifyRequest<{ Params: { id: string }; Querystring: Query }>;

export interface ItemRoutesOptions {
  store: ItemStore;
  idempotencyTtlSeconds: number;
}

export async function itemRoutes(app: FastifyInstance, { store, idempotencyTtlSeconds }: ItemRoutesOptions) {
  const idempotencyTtlMs = idempotencyTtlSeconds * 1000;
  const renderItem = compileSerializer({ schema: Item });

  // Every API answer, errors included, carries Allow; format and Accept are checked before anything else.
  app.addHook('onRequest', async (request, reply) => {
    // The router lets `/api/items/:id` match `/api/items/` and `/api/items//` with an empty id:
    // go by the path, which is the collection (405) or nothing (404).
    const resource = findResource(pathOf(request.url));
    if (!resource) return sendNotFoundPage(reply);
    reply.header('allow', resource.allow).header('vary', 'Accept, Cookie');
    negotiate((request.query as Query).format, request.headers.accept);
    if (resource !== request.routeOptions.config.resource) throw methodNotAllowed(request.method, resource.allow);
  });

  const findItem = async (request: ItemRequest): Promise<ItemRecord> => {
    const id = parseItemId(request.params.id);
    const item = await store.get(id, filterOf(request.query));
    if (!item) throw noItem();
    return item;
  };

  routeOn(app, API_ROOT, 'GET', {
    handler: async (request) => ({ items: `${request.protocol}://${request.headers.host ?? 'localhost'}/api/items/` }),
  });
  routeOn(app, API_ROOT, 'OPTIONS', { handler: async () => rootMetadata });

  routeOn(app, ITEM_LIST, 'GET', {
    schema: { response: { 200: ItemList } },
    onSend: async (request, reply, payload) => {
      if (reply.statusCode !== 200 || typeof payload !== 'string') return payload;
      const etag = bodyEtag(payload);
      reply.header('etag', etag);
      if (!isNotModified(request.headers['if-none-match'], etag)) return payload;
      reply.code(304);
      return '';
    },
    handler: async (request) => store.list(filterOf(request.query as Query)),
  });

  routeOn(app, ITEM_LIST, 'POST', {
    schema: { response: { 201: Item } },
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

  routeOn(app, ITEM_LIST, 'OPTIONS', { handler: async () => listMetadata });

  routeOn(app, ITEM_DETAIL, 'GET', {
    schema: { response: { 200: Item } },
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
      schema: { response: { 200: Item } },
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
    handler: async (request, reply) => {
      const item = await findItem(request as ItemRequest);
      const deleted = await store.delete(item.id, expectedVersion(request.headers['if-match'], item));
      if (deleted === STALE) throw preconditionFailed();
      if (!deleted) throw noItem();
      return reply.code(204).send();
    },
  });

  routeOn(app, ITEM_DETAIL, 'OPTIONS', {
    handler: async (request) => {
      const found = await findItem(request as ItemRequest).catch((error) => {
        if (error instanceof ApiError && error.statusCode === 404) return undefined;
        throw error;
      });
      return found ? detailMetadata : missingDetailMetadata;
    },
  });
}

/** A retry of a POST made with the same Idempotency-Key: the first answer again, or 422 for another body. */
function replay(reply: FastifyReply, stored: StoredResponse, requestHash: string) {
  if (stored.requestHash !== requestHash) {
    throw detail(422, 'This Idempotency-Key was already used with a different request body.');
  }
  const { id } = JSON.parse(stored.body) as { id: number };
  return reply
    .code(stored.statusCode)
    .header('idempotent-replayed', 'true')
    .header('etag', itemEtag({ id, version: 1 }))
    .type('application/json')
    .send(stored.body);
}

function idempotencyKeyOf(header: string | string[] | undefined): string | undefined {
  if (header === undefined) return undefined;
  if (typeof header !== 'string' || !/^[\x21-\x7e]{1,255}$/.test(header)) {
    throw detail(400, 'Idempotency-Key must be 1 to 255 visible ASCII characters.');
  }
  return header;
}

const hashRequest = (contentType: string | undefined, body: unknown) =>
  createHash('sha256')
    .update(`${(contentType ?? '').split(';', 1)[0]?.trim().toLowerCase()}\n`)
    .update(Buffer.isBuffer(body) ? body : Buffer.alloc(0))
    .digest('base64url');

/** `?product=`: trimmed, the last occurrence wins, empty means no filter (contract §7). */
function filterOf(query: Query): ItemFilter {
  if (query.product === undefined) return {};
  const product = trimWhitespace(query.product);
  if (product === '') return {};
  if (product.includes('\0')) throw new ApiError(400, { product: ['Null characters are not allowed.'] });
  return { product };
}
