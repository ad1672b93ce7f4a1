import { existsSync } from 'node:fs';
import pg from 'pg';
import { LOAD_CPU, pinCommand, SERVER_CPU } from './lib.js';

// The bench's PostgreSQL: throw-away databases on the server at BENCH_POSTGRES_URL, and a local
// PostgreSQL server moved off the servers' core for the run.

export const POSTGRES_ADMIN_URL = process.env.BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export interface BenchDatabase {
  name: string;
  url: string;
  drop(): Promise<void>;
}

async function withAdmin<T>(use: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: POSTGRES_ADMIN_URL, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    return await use(client);
  } finally {
    await client.end().catch(() => {});
  }
}

/**
 * A new empty database `pricebook_bench_<pid>[_suffix]`, or undefined when PostgreSQL is not
 * reachable. Databases left by an interrupted bench (whose process is gone) are dropped first.
 */
export async function createBenchDatabase(suffix = ''): Promise<BenchDatabase | undefined> {
  const name = `pricebook_bench_${process.pid}${suffix ? `_${suffix}` : ''}`;
  try {
    await withAdmin(async (client) => {
      const { rows } = await client.query<{ datname: string }>(
        "SELECT datname FROM pg_database WHERE datname ~ '^pricebook_bench_[0-9]+(_[ab])?$'",
      );
      for (const { datname } of rows) {
        const pid = Number(datname.split('_')[2]);
        if (pid !== process.pid && !existsSync(`/proc/${pid}`)) {
          await client.query(`DROP DATABASE IF EXISTS ${datname} WITH (FORCE)`);
        }
      }
      await client.query(`DROP DATABASE IF EXISTS ${name}`);
      await client.query(`CREATE DATABASE ${name}`);
    });
  } catch (error) {
    process.stderr.write(`PostgreSQL not reachable at ${POSTGRES_ADMIN_URL} (${(error as Error).message}).\n`);
    return undefined;
  }
  const url = new URL(POSTGRES_ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    name,
    url: url.toString(),
    drop: () =>
      withAdmin(async (client) => {
        await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      }).catch((error) => {
        process.stderr.write(`could not drop ${name}: ${(error as Error).message}\n`);
      }),
  };
}

/**
 * A PostgreSQL server on this machine runs on the load core, off the servers' core, as RDS runs
 * on other machines. Returns the function that gives its processes their CPUs back.
 */
export function pinLocalPostgresAway(): () => void {
  const local = ['127.0.0.1', 'localhost', '[::1]'].includes(new URL(POSTGRES_ADMIN_URL).hostname);
  return local && LOAD_CPU !== SERVER_CPU ? pinCommand('postgres', LOAD_CPU) : () => {};
}
