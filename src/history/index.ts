import type { FastifyInstance } from 'fastify';
import type { Database } from '../db/database.js';
import { ChangeFeed } from './feed.js';
import { pruneHistory } from './retention.js';
import { type HistorySettings, historyRoutes } from './routes.js';

// Prices over time (issue 17): each item's history and lowest price, and the live feed, all read
// from the change log that the database's triggers write (items/migrations/006). Its own folder,
// beside items/: it reads the items' URL conventions (ids, filters, pagination) but no item
// internals, and items/ knows nothing of it.

export type { HistorySettings };

export async function historyFeature(
  app: FastifyInstance,
  { database, settings }: { database: Database; settings: HistorySettings },
): Promise<void> {
  const feed = new ChangeFeed(database, { maxClients: settings.maxClients, log: app.log });
  await feed.start();
  historyRoutes(app, database, feed, settings);
  const stopPruning = pruneHistory(database, settings.retentionDays, app.log);
  // preClose: streams never end on their own, and the server waits for open requests to end.
  app.addHook('preClose', () => feed.stop());
  app.addHook('onClose', stopPruning);
}
