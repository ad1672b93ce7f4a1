import type { Database } from './db/database.js';
import { migrateToLatest } from './db/migrate.js';
import { itemMigrations } from './items/migrations/index.js';

// The service's database schema: every feature's migrations (one feature today).

/** Applies the pending migrations; the names it applied. */
export const migrate = (database: Database): Promise<string[]> =>
  migrateToLatest(database, itemMigrations(database.kind));
