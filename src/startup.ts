import type { Config, DatabaseConfig } from './config.js';

// What the process says when it starts: one line naming what it uses, or one plain line naming
// the setting to fix. Never a stack trace, never a password.

/** A start-up step that failed, already described for the operator. */
export class StartupFailure extends Error {}

/** Runs one start-up step; a failure becomes one line that names the setting behind it. */
export async function startupStep<T>(setting: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof StartupFailure) throw error;
    throw new StartupFailure(`${setting}: ${explain(error)}`);
  }
}

export const describeDatabase = (database: DatabaseConfig): string => {
  if (database.kind === 'sqlite') return `SQLite ${database.path}`;
  const url = new URL(database.url);
  return `PostgreSQL ${url.hostname}:${url.port || 5432}${decodeURIComponent(url.pathname) || '/'}`;
};

/** The database setting as an operator would write it, without its password. */
export const databaseSetting = (database: DatabaseConfig): string => `DATABASE_URL (${describeDatabase(database)})`;

export const listenSetting = (config: Pick<Config, 'host' | 'port'>): string =>
  `PORT ${config.port} / HOST ${config.host}`;

/** The first line of a healthy start: where to go, and which database is used. */
export function startLine(config: Pick<Config, 'host' | 'port' | 'database'>): string {
  const host = config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host;
  const base = `http://${host.includes(':') ? `[${host}]` : host}:${config.port}`;
  return `pricebook on ${base}/ (page) and ${base}/api/docs/ (API docs); database: ${describeDatabase(config.database)}`;
}

const EXPLAINED: Record<string, string> = {
  EADDRINUSE: 'the address is already in use (another process listens on it)',
  EACCES: 'permission denied',
  EADDRNOTAVAIL: 'not an address of this machine',
  EROFS: 'the file system is read-only',
  ENOTDIR: 'a part of the path is not a folder',
  ECONNREFUSED: 'the connection was refused (is the server running, and is the port right?)',
  ENOTFOUND: 'the host name does not resolve',
  ETIMEDOUT: 'the connection timed out',
  SQLITE_CANTOPEN: 'unable to open the database file (does its folder exist and is it writable?)',
  SQLITE_NOTADB: 'the file is not a SQLite database',
};

function explain(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const { code } = error as Error & { code?: unknown };
  const known = typeof code === 'string' ? EXPLAINED[code] : undefined;
  // Node's own messages name the path or address; keep them, on one line.
  const message = error.message.split('\n', 1)[0] as string;
  return known && !message.toLowerCase().includes(known) ? `${known} (${message})` : message;
}
