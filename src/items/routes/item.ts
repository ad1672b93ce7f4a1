import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { tokenForCaching } from '../../db/churn.js';
import { parseBody } from '../../http/body.js';
import { ApiError } from '../../http/errors.js';
import { routeOn } from '../../http/resources.js';
import { createAnswerCache, ITEM_LIMITS, type RenderedAnswer } from '../answer-cache.js';
import { type ItemsContext, queryOf } from '../context.js';
import { docs } from '../docs.js';
import { noItem, preconditionFailed } from '../errors.js';
import { expectedVersion, isNotModified, itemEtag, READ_TO_DECIDE, versionNamed } from '../etag.js';
import { parseItemId } from '../item-id.js';
import { filterOf } from '../query.js';
import type { ItemFilter } from '../repository/filters.js';
import { deleteItem, getItem, STALE, updateItem } from '../repository/items.js';
import type { ItemRecord } from '../repository/tables.js';
import { ITEM_DETAIL } from '../urls.js';
import { validateFields } from '../validation.js';

// /api/items/{id}/: read, replace, change, delete, DRF's metadata. A write is one statement whose
// conditions hold the item's existence, the URL's filters (contract §7) and If-Match; the item is
// read only when the write finds nothing to write or the body is invalid, to answer in the
// contract's order (§5.1): no such item (404), then a stale If-Match (412), then the body (415/400).

export function itemRoutes(app: FastifyInstance, items: ItemsContext): void {
  const { store, schemas, render } = items;
  const details = createAnswerCache(ITEM_LIMITS);
  const tokenNow = tokenForCaching(() => store.database.changeToken());

  /** The item as the database holds it now, or 404. */
  const readItem = async (id: number, filter: ItemFilter): Promise<ItemRecord> => {
    const item = await getItem(store, id, filter, store.database);
    if (!item) throw noItem();
    return item;
  };
  const itemIdOf = (request: FastifyRequest) => parseItemId((request.params as { id: string }).id);
  const findItem = async (request: FastifyRequest) => readItem(itemIdOf(request), filterOf(queryOf(request)));

  /**
   * The item rendered, kept per state of the database as lists are (list.ts): an unchanged item
   * is read again as a look-up. The token is read before the row, so no answer is older than it.
   */
  const renderedItem = async (id: number, filter: ItemFilter, token: string): Promise<RenderedAnswer> => {
    const key = `${id}\u0000${JSON.stringify(filter)}`;
    const cached = details.get(key, token);
    if (cached) return cached;
    const item = await readItem(id, filter);
    const answer = { body: render.item(item), etag: itemEtag(item) };
    details.set(key, token, answer);
    return answer;
  };

  routeOn(app, ITEM_DETAIL, 'GET', {
    schema: { ...docs.retrieve, response: { 200: schemas.Item } },
    handler: async (request, reply) => {
      const id = itemIdOf(request);
      const filter = filterOf(queryOf(request));
      const notModified = (etag: string) => {
        reply.header('etag', etag);
        return isNotModified(request.headers['if-none-match'], etag);
      };
      const token = await tokenNow();
      if (token === undefined) {
        // While the data churns, nothing is kept: the item is read and sent as it is.
        const item = await readItem(id, filter);
        return notModified(itemEtag(item)) ? reply.code(304).send() : item;
      }
      const { body, etag } = await renderedItem(id, filter, token);
      return notModified(etag) ? reply.code(304).send() : reply.type('application/json').send(body);
    },
  });

  /**
   * A write's conditions, read from the request without a round trip to the database: the item's
   * id, the URL's filters, and the version If-Match expects. The item's existence and version are
   * then checked by the write itself (repository/items.ts); it is read first only when If-Match
   * cannot be answered without it.
   */
  const writeConditions = async (request: FastifyRequest) => {
    const id = itemIdOf(request);
    const filter = filterOf(queryOf(request));
    const ifMatch = request.headers['if-match'];
    const named = versionNamed(ifMatch, id);
    if (named !== READ_TO_DECIDE) return { id, filter, expectedVersion: named };
    const item = await getItem(store, id, filter);
    if (!item) throw noItem();
    return { id, filter, expectedVersion: expectedVersion(ifMatch, item) };
  };

  /** Errors in the contract's order: no such item (404), then a stale If-Match (412), then `error`. */
  const failWrite = async (conditions: Awaited<ReturnType<typeof writeConditions>>, error: unknown) => {
    const item = await getItem(store, conditions.id, conditions.filter);
    if (!item) throw noItem();
    if (conditions.expectedVersion !== undefined && item.version !== conditions.expectedVersion) {
      throw preconditionFailed();
    }
    throw error;
  };

  for (const method of ['PUT', 'PATCH'] as const) {
    routeOn(app, ITEM_DETAIL, method, {
      schema: { ...(method === 'PUT' ? docs.replace : docs.update), response: { 200: schemas.Item } },
      handler: async (request, reply) => {
        const conditions = await writeConditions(request);
        const changes = await parseBody(request, items.inputFields)
          .then((data) => validateFields(items.fields, data, method === 'PATCH'))
          .catch((error) => failWrite(conditions, error));
        const updated = await updateItem(store, conditions.id, changes, conditions);
        if (updated === STALE) throw preconditionFailed();
        if (!updated) throw noItem();
        return reply.header('etag', itemEtag(updated)).send(updated);
      },
    });
  }

  routeOn(app, ITEM_DETAIL, 'DELETE', {
    schema: { ...docs.remove, response: { 204: Type.Null({ description: 'Deleted' }) } },
    handler: async (request, reply) => {
      const conditions = await writeConditions(request);
      const deleted = await deleteItem(store, conditions.id, conditions);
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
