import type { FastifyInstance } from 'fastify';
import type { ItemsContext } from './context.js';
import { sweepExpiredKeys } from './idempotency.js';
import { bulkRoutes } from './routes/bulk.js';
import { collectionRoutes } from './routes/collection.js';
import { itemRoutes } from './routes/item.js';
import { rootRoutes } from './routes/root.js';

// The items feature: /api/, /api/items/, /api/items/{id}/, and the bulk writes /api/items/bulk/
// and /api/items/import/, over the items repository.

export { type ItemsContext, itemsContext } from './context.js';

export async function itemsFeature(app: FastifyInstance, { items }: { items: ItemsContext }): Promise<void> {
  rootRoutes(app);
  collectionRoutes(app, items);
  itemRoutes(app, items);
  bulkRoutes(app, items);
  const stopSweeping = sweepExpiredKeys(items.store, items.idempotencyTtlMs, app.log);
  app.addHook('onClose', stopSweeping);
}
