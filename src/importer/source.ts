import { existsSync } from 'node:fs';
import SqliteDatabase from 'better-sqlite3';

// The Django database the importer reads: the items table of the current service, on SQLite (the
// original set-up) or PostgreSQL (RDS). Rows are read in id order, a batch at a time.

/** A row as the source holds it: anything may be in it (SQLite is dynamically typed). */
export interface SourceRow {
  id: unknown;
  product: unknown;
  price: unknown;
}

export interface Source {
  /** Where it is, without a password. */
  name: string;
  /** Rows with an id above `after`, at most `limit`, in id order. */
  batch(after: number, limit: number): Promise<SourceRow[]>;
  /** The last id the old service handed out: its sequence, or the largest id when it has none. */
  lastIssuedId(): Promise<number>;
  close(): Promise<void>;
}

/** A source that cannot be read as a Django items table: one line says why. */
export class SourceError extends Error {}

const COLUMNS = ['id', 'price', 'product'];
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** `sqlite:PATH` or a `postgres://` URL, and the table (Django's `myapi_item` unless told otherwise). */
export async function openSource(spec: string, table: string): Promise<Source> {
  if (!IDENTIFIER.test(table)) throw new SourceError(`--table must be a plain table name, got "${table}"`);
  if (spec.startsWith('sqlite:')) return openSqlite(spec.slice('sqlite:'.length), table);
  if (/^postgres(ql)?:\/\//.test(spec)) return openPostgres(spec, table);
  throw new SourceError('SOURCE must be sqlite:PATH or a postgres:// URL');
}

function checkColumns(name: string, table: string, columns: string[]): void {
  if (columns.length === 0) throw new SourceError(`${name}: no table "${table}"`);
  const sorted = [...columns].sort();
  if (sorted.join() !== COLUMNS.join()) {
    throw new SourceError(`${name}: table "${table}" has the columns ${sorted.join(', ')}, not id, product, price`);
  }
}

function openSqlite(path: string, table: string): Source {
  const name = `sqlite:${path}`;
  if (!existsSync(path)) throw new SourceError(`${name}: no such file`);
  let db: SqliteDatabase.Database;
  let columns: string[];
  try {
    db = new SqliteDatabase(path, { readonly: true, fileMustExist: true });
    columns = (db.prepare(`pragma table_info("${table}")`).all() as Array<{ name: string }>).map((c) => c.name);
  } catch (error) {
    throw new SourceError(`${name}: ${(error as Error).message} (is it a SQLite database?)`);
  }
  checkColumns(name, table, columns);
  const rows = db.prepare(`select id, product, price from "${table}" where id > ? order by id limit ?`);
  return {
    name,
    batch: async (after, limit) => rows.all(after, limit) as SourceRow[],
    async lastIssuedId() {
      const sequence = db.prepare('select seq from sqlite_sequence where name = ?').pluck().get(table);
      const largest = db.prepare(`select max(id) from "${table}"`).pluck().get();
      return Math.max(Number(sequence ?? 0), Number(largest ?? 0));
    },
    close: async () => {
      db.close();
    },
  };
}

async function openPostgres(url: string, table: string): Promise<Source> {
  const { default: pg } = await import('pg');
  const parsed = new URL(url);
  const name = `postgres://${parsed.hostname}:${parsed.port || 5432}${parsed.pathname}`;
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
  client.on('error', () => {});
  try {
    await client.connect();
  } catch (error) {
    throw new SourceError(`${name}: cannot connect (${(error as Error).message})`);
  }
  const { rows: columns } = await client.query<{ column_name: string }>(
    'select column_name from information_schema.columns where table_schema = current_schema() and table_name = $1',
    [table],
  );
  try {
    checkColumns(
      name,
      table,
      columns.map((c) => c.column_name),
    );
  } catch (error) {
    await client.end();
    throw error;
  }
  const query = `select id, product, price from "${table}" where id > $1 order by id limit $2`;
  return {
    name,
    async batch(after, limit) {
      const { rows } = await client.query<SourceRow>(query, [after, limit]);
      // pg gives a bigint as text; a Django id is far below 2^53.
      for (const row of rows) row.id = typeof row.id === 'string' ? Number(row.id) : row.id;
      return rows;
    },
    async lastIssuedId() {
      const largest = Number(
        (await client.query(`select coalesce(max(id), 0)::float8 as n from "${table}"`)).rows[0].n,
      );
      const { rows } = await client.query<{ name: string | null }>("select pg_get_serial_sequence($1, 'id') as name", [
        table,
      ]);
      const sequence = rows[0]?.name;
      if (!sequence) return largest;
      const state = (await client.query(`select last_value::float8 as last, is_called from ${sequence}`)).rows[0];
      return Math.max(largest, state.is_called ? Number(state.last) : Number(state.last) - 1);
    },
    close: () => client.end(),
  };
}
