import { type Migration, Migrator } from 'kysely';
import type { Database } from './database.js';

/**
 * Brings the schema up to date with `migrations` (by name, applied in name order). Safe when
 * several replicas start at once: Kysely takes a lock (an advisory lock on PostgreSQL, the write
 * lock on SQLite) and skips what is already applied. Returns the names it applied.
 */
export async function migrateToLatest({ db }: Database, migrations: Record<string, Migration>): Promise<string[]> {
  const migrator = new Migrator({ db, provider: { getMigrations: async () => migrations } });
  const { error, results = [] } = await migrator.migrateToLatest();
  if (error) throw error instanceof Error ? error : new Error(String(error));
  return results.filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
