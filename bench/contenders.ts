import { join } from 'node:path';
import { ceilingSeeder, postgresSeeder, type Server, sqliteSeeder, startServer, tempDir } from './lib.js';
import type { Contender } from './rounds.js';

// The servers the rounds measure: pricebook as shipped (on SQLite or PostgreSQL, of this checkout
// or another build) and the two reference servers.

/** pricebook's settings as shipped, on `databaseUrl`, logging to the console and a file in `dir`. */
export function pricebookEnv(dir: string, databaseUrl: string, extra: Record<string, string> = {}) {
  return {
    DATABASE_URL: databaseUrl,
    LOG_FILE: join(dir, 'api_server.log'),
    // The bench counts every request's lines in this one file (and empties it after each run);
    // rotation would move lines out of it.
    LOG_FILE_MAX_BYTES: '0',
    LOG_LEVEL: 'info',
    WORKERS: '1',
    ...extra,
  };
}

export interface PricebookContender {
  /** Its name in the results (`sqlite`, `A-postgres`…), also its servers' and folders' name. */
  key: string;
  /** Where each round's folder (SQLite file, log file) goes. */
  tmp: string;
  /** A PostgreSQL database URL; SQLite on a file of the round's folder when absent. */
  postgresUrl?: string;
  /** The checkout whose build runs (default: this one). */
  root?: string;
  env?: Record<string, string>;
  consoleFile(name: string): string | undefined;
}

export function pricebookContender(options: PricebookContender): Contender {
  const { key, tmp, postgresUrl, root, env, consoleFile } = options;
  return {
    key,
    postgres: postgresUrl !== undefined,
    async open(round) {
      const dir = tempDir(tmp, `round${round}/${key}`);
      const name = `pricebook-${key}-${round}`;
      const sqlite = join(dir, 'db.sqlite3');
      const seeder = postgresUrl ? postgresSeeder(postgresUrl) : sqliteSeeder(sqlite);
      const settings = pricebookEnv(dir, postgresUrl ?? `sqlite:${sqlite}`, env);
      return {
        start: () => startServer({ name, kind: 'pricebook', root, env: settings, consoleFile: consoleFile(name) }),
        seed: (_, n) => seeder.seed(n),
        close: () => seeder.close(),
      };
    },
  };
}

/** The in-memory ceiling (seeded over HTTP), or the PostgreSQL floor on `postgresUrl`. */
export function referenceContender(
  kind: 'ceiling' | 'floor',
  postgresUrl: string | undefined,
  consoleFile: (name: string) => string | undefined,
): Contender {
  return {
    key: kind,
    postgres: kind === 'floor',
    async open(round) {
      const name = `${kind}-${round}`;
      const seeder = postgresUrl ? postgresSeeder(postgresUrl) : undefined;
      const env: Record<string, string> = postgresUrl ? { DATABASE_URL: postgresUrl } : {};
      return {
        start: () => startServer({ name, kind, env, consoleFile: consoleFile(name) }),
        seed: (server: Server, n: number) => (seeder ?? ceilingSeeder(server)).seed(n),
        close: async () => seeder?.close(),
      };
    },
  };
}
