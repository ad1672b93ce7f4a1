import type { FastifyInstance } from 'fastify';
import { contentTypeOf, parseBody } from '../../http/body.js';
import { routeOn } from '../../http/resources.js';
import type { ItemsContext } from '../context.js';
import { docs } from '../docs.js';
import { itemEtag } from '../etag.js';
import { hashRequest, idempotencyKeyOf, replay } from '../idempotency.js';
import { createListHandler, LIST_RENDERERS } from '../list.js';
import { createOnce, findResponse } from '../repository/idempotency.js';
import { insertItem } from '../repository/items.js';
import { ITEM_LIST } from '../urls.js';
import { validateFields } from '../validation.js';

// /api/items/: the list (list.ts), a create (with an Idempotency-Key, at most once), DRF's metadata.

export function collectionRoutes(app: FastifyInstance, items: ItemsContext): void {
  const { store, schemas, render } = items;

  routeOn(app, ITEM_LIST, 'GET', {
    schema: { ...docs.list, response: { 200: schemas.ItemList } },
    config: { renderers: LIST_RENDERERS },
    handler: createListHandler(items),
  });

  routeOn(app, ITEM_LIST, 'POST', {
    schema: { ...docs.create, response: { 201: schemas.Item } },
    handler: async (request, reply) => {
      const key = idempotencyKeyOf(request.headers['idempotency-key']);
      const readFields = async () => validateFields(items.fields, await parseBody(request, items.inputFields), false);
      if (key === undefined) {
        const item = await insertItem(store, await readFields());
        return reply.code(201).header('etag', itemEtag(item)).send(item);
      }
      const requestHash = hashRequest(contentTypeOf(request), request.body);
      const previous = await findResponse(store, key, items.idempotencyTtlMs);
      if (previous) return replay(reply, previous, requestHash);
      const { item, stored } = await createOnce(
        store,
        await readFields(),
        key,
        requestHash,
        items.idempotencyTtlMs,
        render.item,
      );
      if (!item) return replay(reply, stored, requestHash);
      return reply.code(201).header('etag', itemEtag(item)).type('application/json').send(stored.body);
    },
  });

  routeOn(app, ITEM_LIST, 'OPTIONS', { schema: docs.options, handler: async () => items.metadata.list });
}
