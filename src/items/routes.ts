import type { FastifyInstance, FastifyRequest } from 'fastify';
import { parseBody } from '../http/body.js';
import { ApiError, methodNotAllowed, noItem } from '../http/errors.js';
import { negotiate } from '../http/negotiation.js';
import { sendNotFoundPage } from '../http/not-found.js';
import { API_ROOT, findResource, ITEM_DETAIL, ITEM_LIST, pathOf, routeOn } from '../http/resources.js';
import { trimWhitespace } from '../http/text.js';
import { parseItemId } from './item-id.js';
import { detailMetadata, listMetadata, missingDetailMetadata, rootMetadata } from './metadata.js';
import { Item, ItemList } from './schema.js';
import type { ItemFilter, ItemRecord, ItemStore } from './store.js';
import { validateItem } from './validation.js';

// The /api/ handlers, thin: negotiate → look up → parse → validate → store → reply.

type Query = { product?: string; format?: string };
type ItemRequest = FastifyRequest<{ Params: { id: string }; Querystring: Query }>;

export async function itemRoutes(app: FastifyInstance, { store }: { store: ItemStore }): Promise<void> {
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
    handler: async (request) => store.list(filterOf(request.query as Query)),
  });

  routeOn(app, ITEM_LIST, 'POST', {
    schema: { response: { 201: Item } },
    handler: async (request, reply) => {
      const fields = validateItem(await parseBody(request.body, request.headers['content-type']), false);
      const item = await store.create(fields as Required<typeof fields>);
      return reply.code(201).send(item);
    },
  });

  routeOn(app, ITEM_LIST, 'OPTIONS', { handler: async () => listMetadata });

  routeOn(app, ITEM_DETAIL, 'GET', {
    schema: { response: { 200: Item } },
    handler: async (request) => findItem(request as ItemRequest),
  });

  for (const method of ['PUT', 'PATCH'] as const) {
    routeOn(app, ITEM_DETAIL, method, {
      schema: { response: { 200: Item } },
      handler: async (request) => {
        const item = await findItem(request as ItemRequest);
        const changes = validateItem(
          await parseBody(request.body, request.headers['content-type']),
          method === 'PATCH',
        );
        const updated = await store.update(item.id, changes);
        if (!updated) throw noItem();
        return updated;
      },
    });
  }

  routeOn(app, ITEM_DETAIL, 'DELETE', {
    handler: async (request, reply) => {
      const item = await findItem(request as ItemRequest);
      if (!(await store.delete(item.id))) throw noItem();
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

/** `?product=`: trimmed, the last occurrence wins, empty means no filter (contract §7). */
function filterOf(query: Query): ItemFilter {
  if (query.product === undefined) return {};
  const product = trimWhitespace(query.product);
  if (product === '') return {};
  if (product.includes('\0')) throw new ApiError(400, { product: ['Null characters are not allowed.'] });
  return { product };
}
