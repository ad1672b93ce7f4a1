import { createHash, randomBytes } from 'node:crypto';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, type TestContext } from 'node:test';
import pg from 'pg';
import type { DatabaseConfig } from '../../src/config.js';
import { openDatabase } from '../../src/db/database.js';
import { migrate } from '../../src/migrations.js';

// Every API test runs on both databases: a real SQLite file in a temporary folder, and a database
// of its own on the local PostgreSQL (emptyDatabase: one its test process emptied for it, or
// created). Without a reachable PostgreSQL the PostgreSQL half is skipped
// (test/api/postgres-available.test.ts says so once).

export type Backend = 'sqlite' | 'postgres';

/** Where to create test databases; any database the user can connect to. */
export const POSTGRES_ADMIN_URL = process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

async function probe(attempts = 3): Promise<boolean> {
  for (let attempt = 1; attempt <= attempts; attempt++) {
    const client = new pg.Client({ connectionString: POSTGRES_ADMIN_URL, connectionTimeoutMillis: 5000 });
    try {
      await client.connect();
      await client.query('select 1');
      return true;
    } catch {
      // a loaded machine can be slow to accept: try again before giving up
    } finally {
      await client.end().catch(() => {});
    }
  }
  return false;
}

export const postgresAvailable = await probe();
export const backends: Backend[] = postgresAvailable ? ['sqlite', 'postgres'] : ['sqlite'];

/** Runs `run` on a connection of its own to `url`, closed afterwards. */
async function withClient<T>(url: string, run: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await run(client);
  } finally {
    await client.end();
  }
}

/** Runs `run` on a session of its own on the admin database, ended after. */
export const admin = <T>(run: (client: pg.Client) => Promise<T>): Promise<T> => withClient(POSTGRES_ADMIN_URL, run);

// A test database is named for the machine and the process that made it, so that one a killed run
// left behind (its process gone) can be told from one a running test still uses, also when several
// machines share a PostgreSQL server.
const HOST_TAG = createHash('sha256').update(hostname()).digest('hex').slice(0, 6);
const OF_THIS_HOST = new RegExp(`^pricebook_test_${HOST_TAG}_(\\d+)_[0-9a-f]+$`);

export const testDatabaseName = (pid = process.pid): string =>
  `pricebook_test_${HOST_TAG}_${pid}_${randomBytes(6).toString('hex')}`;

const isRunning = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'; // someone else's process
  }
};

/** Drops the test databases of this machine whose process is gone (a run that was killed); their names. */
export async function dropLeftDatabases(): Promise<string[]> {
  const { rows } = await admin((c) => c.query<{ datname: string }>('select datname from pg_database'));
  const left = rows
    .map(({ datname }) => datname)
    .filter((name) => {
      const pid = OF_THIS_HOST.exec(name)?.[1];
      return pid !== undefined && !isRunning(Number(pid));
    });
  // Another test process may be dropping the same one: whichever comes second has nothing to do.
  await Promise.all(
    left.map((name) => admin((c) => c.query(`drop database if exists ${name} with (force)`)).catch(() => {})),
  );
  return left;
}

/** Once per process, before its first database. */
let leftDropped: Promise<unknown> | undefined;

export async function createPostgresDatabase(): Promise<{ url: string; drop: () => Promise<void> }> {
  leftDropped ??= dropLeftDatabases().catch(() => []);
  await leftDropped;
  const name = testDatabaseName();
  await admin((c) => c.query(`create database ${name}`));
  const url = new URL(POSTGRES_ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: () => admin((c) => c.query(`drop database if exists ${name} with (force)`)).then(() => {}),
  };
}

export function tempDir(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'pricebook-test-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** The DATABASE_URL that points a server process at that database. */
export const databaseUrlOf = (database: DatabaseConfig): string =>
  database.kind === 'sqlite' ? `sqlite:${database.path}` : database.url;

/** A database without rows, and what gives it back once nothing uses it any more. */
export interface EmptyDatabase {
  config: DatabaseConfig;
  release: () => Promise<void>;
}

const postgresConfig = (url: string): DatabaseConfig => ({
  kind: 'postgres',
  url,
  poolSize: 4,
  statementTimeoutMs: 5000,
  connectTimeoutMs: 2000,
});

// Creating, migrating and dropping a PostgreSQL database costs about ten times the CPU of emptying
// one, and the API tests need hundreds: so each test process keeps the databases its tests gave
// back and empties them for the next test. One whose schema a test changed, or that someone is
// still connected to, is dropped instead.

/** A migrated database of this process's, and its own session that empties it between tests. */
interface Kept {
  url: string;
  drop: () => Promise<void>;
  /** Connected at the first release: a new session would pay for its start and its catalog reads every time. */
  emptier?: pg.Client;
}
/** The spare databases of this process, emptied and migrated. */
const spares: Kept[] = [];

/** The schema the migrations make, and the statement that empties a database of it. */
interface Migrated {
  schema: string;
  emptying: string;
}
/** Read from this process's first migrated database. */
let migrated: Migrated | undefined;

/** Every relation, column, trigger and function of the schema as one text; and the sessions besides this one. */
const SCHEMA_AND_SESSIONS = `
  select concat_ws('|',
    (select string_agg(concat_ws(':', c.relname, c.relkind::text, a.attname, format_type(a.atttypid, a.atttypmod)), ','
                       order by c.relname, a.attnum)
       from pg_class c join pg_namespace n on n.oid = c.relnamespace
       left join pg_attribute a on a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped
      where n.nspname = 'public'),
    (select string_agg(tgname, ',' order by tgname) from pg_trigger where not tgisinternal),
    (select string_agg(proname, ',' order by proname)
       from pg_proc p join pg_namespace n on n.oid = p.pronamespace where n.nspname = 'public')) as schema,
  (select count(*)::int from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()) as others`;

/**
 * The statement that empties the database: its tables' rows, its sequences back to the start.
 * DELETE, not TRUNCATE: a test leaves a few rows, and TRUNCATE gives every table and index a new
 * file, about ten times the database's CPU. Tables with triggers first, as a trigger may write to
 * another table (an item's delete to the change log).
 */
const EMPTYING = `
  select concat_ws(';',
    (select string_agg('delete from ' || quote_ident(relname), ';'
                       order by (select count(*) from pg_trigger t where t.tgrelid = c.oid and not t.tgisinternal) desc,
                                relname)
       from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where n.nspname = 'public' and c.relkind = 'r' and c.relname not like 'kysely_migration%'),
    (select string_agg('alter sequence ' || quote_ident(relname) || ' restart', ';')
       from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where n.nspname = 'public' and c.relkind = 'S')) as statement`;

/** Empties the database for the next test: true when it can be used again. */
async function emptied(database: Kept, { schema, emptying }: Migrated): Promise<boolean> {
  if (!database.emptier) {
    const emptier = new pg.Client({ connectionString: database.url });
    // An idle session ended from outside (a test that stops PostgreSQL's sessions) must not crash
    // the process: the next release connects again.
    emptier.on('error', () => {
      if (database.emptier === emptier) database.emptier = undefined;
    });
    database.emptier = emptier;
    await emptier.connect();
  }
  const [now] = (await database.emptier.query(SCHEMA_AND_SESSIONS)).rows;
  if (now?.schema !== schema || now?.others !== 0) return false;
  await database.emptier.query(emptying);
  return true;
}

/** Ends its emptying session, then drops it. */
async function dropKept(database: Kept): Promise<void> {
  await database.emptier?.end().catch(() => {});
  await database.drop();
}

/** The schema a freshly migrated database has, and the statement that empties it. */
async function readMigrated(url: string): Promise<Migrated> {
  return withClient(url, async (client) => ({
    schema: (await client.query(SCHEMA_AND_SESSIONS)).rows[0].schema,
    emptying: (await client.query(EMPTYING)).rows[0].statement,
  }));
}

// When every test of this process is done (their emptying sessions would keep it running).
after(() => Promise.all(spares.splice(0).map((spare) => dropKept(spare).catch(() => {}))));

async function migratedPostgresDatabase(): Promise<Kept> {
  const spare = spares.pop();
  if (spare) return spare;
  const created = await createPostgresDatabase();
  await migrateOnce(postgresConfig(created.url));
  migrated ??= await readMigrated(created.url);
  return created;
}

/**
 * A migrated database without rows for one test, which closes everything it opened on it before
 * it calls release(), as build() does. On PostgreSQL, release() empties it for the next test of
 * this process.
 */
export async function emptyDatabase(t: TestContext, backend: Backend): Promise<EmptyDatabase> {
  if (backend === 'sqlite') {
    const path = join(tempDir(t), 'db.sqlite3');
    copyFileSync(await migratedSqliteTemplate(), path);
    return { config: { kind: 'sqlite', path }, release: async () => {} };
  }
  const database = await migratedPostgresDatabase();
  const release = async () => {
    const reusable = migrated !== undefined && (await emptied(database, migrated).catch(() => false));
    if (reusable) spares.push(database);
    else await dropKept(database);
  };
  return { config: postgresConfig(database.url), release };
}

/** Opens the database, brings its schema up to date, and closes it. */
async function migrateOnce(config: DatabaseConfig): Promise<void> {
  const database = await openDatabase(config);
  try {
    await migrate(database);
  } finally {
    await database.close();
  }
}

// Migrating a new SQLite file costs about as much CPU as building a test's app: each test gets a
// copy of one this process migrated once.
let sqliteTemplate: Promise<string> | undefined;

function migratedSqliteTemplate(): Promise<string> {
  sqliteTemplate ??= (async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pricebook-template-'));
    // At exit, not in after(): called inside a test, after() would remove it when that test ends.
    process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
    const path = join(dir, 'migrated.sqlite3');
    await migrateOnce({ kind: 'sqlite', path });
    return path;
  })();
  return sqliteTemplate;
}

/** A fresh, empty database of the given kind, removed when the test ends. */
export async function freshDatabase(t: TestContext, backend: Backend): Promise<DatabaseConfig> {
  if (backend === 'sqlite') return { kind: 'sqlite', path: join(tempDir(t), 'db.sqlite3') };
  const { url, drop } = await createPostgresDatabase();
  t.after(drop);
  return postgresConfig(url);
}
