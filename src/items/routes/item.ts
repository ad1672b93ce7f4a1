import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { parseBody } from '../../http/body.js';
import { ApiError } from '../../http/errors.js';
import { routeOn } from '../../http/resources.js';
import { type ItemsContext, queryOf } from '../context.js';
import { docs } from '../docs.js';
import { noItem, preconditionFailed } from '../errors.js';
import { expectedVersion, isNotModified, itemEtag } from '../etag.js';
import { parseItemId } from '../item-id.js';
import { filterOf } from '../query.js';
import { deleteItem, getItem, STALE, updateItem } from '../repository/items.js';
import type { ItemRecord } from '../repository/tables.js';
import { ITEM_DETAIL } from '../urls.js';
import { validateFields } from '../validation.js';

// /api/items/{id}/: read, replace, change, delete, DRF's metadata. The item is looked up first,
// with the URL's filters (contract §5.1 and §7), then If-Match, then the body.

export function itemRoutes(app: FastifyInstance, items: ItemsContext): void {
  const { store, schemas } = items;

  const findItem = async (request: FastifyRequest): Promise<ItemRecord> => {
    const id = parseItemId((request.params as { id: string }).id);
    const item = await getItem(store, id, filterOf(queryOf(request)));
    if (!item) throw noItem();
    return item;
  };

  routeOn(app, ITEM_DETAIL, 'GET', {
    schema: { ...docs.retrieve, response: { 200: schemas.Item } },
    handler: async (request, reply) => {
      const item = await findItem(request);
      const etag = itemEtag(item);
      reply.header('etag', etag);
      if (isNotModified(request.headers['if-none-match'], etag)) return reply.code(304).send();
      return item;
    },
  });

  for (const method of ['PUT', 'PATCH'] as const) {
    routeOn(app, ITEM_DETAIL, method, {
      schema: { ...(method === 'PUT' ? docs.replace : docs.update), response: { 200: schemas.Item } },
      handler: async (request, reply) => {
        const item = await findItem(request);
        const expected = expectedVersion(request.headers['if-match'], item);
        const data = await parseBody(request, items.inputFields);
        const changes = validateFields(items.fields, data, method === 'PATCH');
        const updated = await updateItem(store, item.id, changes, { expectedVersion: expected });
        if (updated === STALE) throw preconditionFailed();
        if (!updated) throw noItem();
        return reply.header('etag', itemEtag(updated)).send(updated);
      },
    });
  }

  routeOn(app, ITEM_DETAIL, 'DELETE', {
    schema: { ...docs.remove, response: { 204: Type.Null({ description: 'Deleted' }) } },
    handler: async (request, reply) => {
      const item = await findItem(request);
      const deleted = await deleteItem(store, item.id, {
        expectedVersion: expectedVersion(request.headers['if-match'], item),
      });
      if (deleted === STALE) throw preconditionFailed();
      if (!deleted) throw noItem();
      return reply.code(204).send();
    },
  });

  routeOn(app, ITEM_DETAIL, 'OPTIONS', {
    schema: docs.describeItem,
    handler: async (request) => {
      const found = await findItem(request).catch((error) => {
        if (error instanceof ApiError && error.statusCode === 404) return undefined;
        throw error;
      });
      return found ? items.metadata.detail : items.metadata.missingDetail;
    },
  });
}
