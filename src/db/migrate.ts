import { DEFAULT_MIGRATION_TABLE, type Migration, Migrator, sql } from 'kysely';
import type { Database } from './database.js';

/** The names of the migrations already applied; none when the migration table is not there yet. */
async function appliedNames({ db, kind }: Database): Promise<string[]> {
  const exists =
    kind === 'sqlite'
      ? sql`select 1 from sqlite_master where type = 'table' and name = ${DEFAULT_MIGRATION_TABLE}`
      : sql`select 1 where to_regclass(${DEFAULT_MIGRATION_TABLE}) is not null`;
  if ((await exists.execute(db)).rows.length === 0) return [];
  const applied = await sql<{ name: string }>`select name from ${sql.table(DEFAULT_MIGRATION_TABLE)}`.execute(db);
  return applied.rows.map((row) => row.name);
}

/** True when exactly these migrations are applied: nothing to do, and nothing for Kysely to object to. */
async function upToDate(database: Database, migrations: Record<string, Migration>): Promise<boolean> {
  const applied = new Set(await appliedNames(database));
  const known = Object.keys(migrations);
  return applied.size === known.length && known.every((name) => applied.has(name));
}

/**
 * Brings the schema up to date with `migrations` (by name, applied in name order). Safe when
 * several replicas start at once: Kysely takes a lock (an advisory lock on PostgreSQL, the write
 * lock on SQLite) and skips what is already applied. A database already up to date is seen with
 * two small reads (is there a migration table, and what it lists), without the lock. Returns the
 * names it applied.
 */
export async function migrateToLatest(database: Database, migrations: Record<string, Migration>): Promise<string[]> {
  // Every start and every replica would otherwise pay for Kysely's lock and its catalog reads.
  if (await upToDate(database, migrations)) return [];
  const { db } = database;
  const migrator = new Migrator({ db, provider: { getMigrations: async () => migrations } });
  const { error, results = [] } = await migrator.migrateToLatest();
  if (error) throw error instanceof Error ? error : new Error(String(error));
  return results.filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
