import { Migrator } from 'kysely';
import type { Database } from './database.js';
import { migrations } from './migrations/index.js';

/**
 * Brings the schema up to date. Safe when several replicas start at once: Kysely takes a lock
 * (an advisory lock on PostgreSQL, the write lock on SQLite) and skips what is already applied.
 */
export async function migrateToLatest({ db, kind }: Database): Promise<string[]> {
  const migrator = new Migrator({ db, provider: { getMigrations: async () => migrations(kind) } });
  const { error, results = [] } = await migrator.migrateToLatest();
  if (error) throw error instanceof Error ? error : new Error(String(error));
  return results.filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
