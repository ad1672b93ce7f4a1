import { isIP } from 'node:net';

// The only module that reads process.env. Every setting is validated here, once, at start-up;
// the rest of the code receives a frozen Config.

export type DatabaseConfig =
  | { kind: 'sqlite'; path: string }
  | { kind: 'postgres'; url: string; poolSize: number; statementTimeoutMs: number; connectTimeoutMs: number };

export type TrustProxy = boolean | number | string[];

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

export interface Config {
  port: number;
  host: string;
  database: DatabaseConfig;
  logLevel: LogLevel;
  /** Path of the JSON log file; null when file logging is off. */
  logFile: string | null;
  /** The log file is rotated before it passes this size (0: never), keeping this many old files. */
  logFileMaxBytes: number;
  logFileBackups: number;
  migrateOnStart: boolean;
  workers: number;
  bodyLimit: number;
  shutdownGraceMs: number;
  /**
   * Which X-Forwarded-* headers to believe: none (false), any (true), the nearest N proxies (a
   * hop count), or proxies at these addresses or CIDR ranges.
   */
  trustProxy: TrustProxy;
  /** Longest time for a whole request, and for its headers (slow clients get 408). */
  requestTimeoutMs: number;
  headersTimeoutMs: number;
  /** Requests per minute per client address; 0 = no rate limit. */
  rateLimitPerMinute: number;
  /** When set, writes need `Authorization: Bearer <token>`. */
  apiToken: string | null;
  idempotencyTtlSeconds: number;
  metricsEnabled: boolean;
  /** Where /metrics is served (on HOST), apart from the public PORT. */
  metricsPort: number;
  pageMaxLimit: number;
  /** Most operations one POST /api/items/bulk/ may hold (413 above). */
  bulkMaxOperations: number;
  /** Most rows (besides the header) one CSV import may hold (413 above). */
  importMaxRows: number;
  /** Origins allowed to call the API from a browser; `*` for any. Empty: no CORS headers. */
  corsOrigins: string[];
  /** ISO 4217 code the page shows prices in; null: plain grouped numbers. */
  priceCurrency: string | null;
  /** Days of price history kept (the entry in effect at the cutoff is kept too); lowest-price's largest window. */
  historyRetentionDays: number;
  /** Event streams (/api/events/) one process serves at most; 503 beyond. */
  eventsMaxClients: number;
  /** Whether a stored price counts the currency's minor units (349 = €3.49) or whole units. */
  priceMinorUnits: boolean;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    // One plain line per problem, as every start-up failure is reported (server.ts).
    super(problems.map((problem) => `Invalid configuration: ${problem}`).join('\n'));
  }
}

const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

type Env = Record<string, string | undefined>;

export function loadConfig(env: Env = process.env): Readonly<Config> {
  const problems: string[] = [];
  const int = (name: string, fallback: number, min: number, max: number): number => {
    const raw = env[name];
    if (raw === undefined || raw.trim() === '') return fallback;
    const value = Number(raw.trim());
    if (!Number.isInteger(value) || value < min || value > max) {
      problems.push(`${name} must be a whole number from ${min} to ${max}, got "${raw}"`);
      return fallback;
    }
    return value;
  };
  const bool = (name: string, fallback: boolean): boolean => {
    const raw = env[name]?.trim().toLowerCase();
    if (raw === undefined || raw === '') return fallback;
    if (['1', 'true', 'yes', 'on'].includes(raw)) return true;
    if (['0', 'false', 'no', 'off'].includes(raw)) return false;
    problems.push(`${name} must be true or false, got "${env[name]}"`);
    return fallback;
  };

  const logLevel = (env.LOG_LEVEL?.trim().toLowerCase() || 'info') as LogLevel;
  if (!LOG_LEVELS.includes(logLevel)) {
    problems.push(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}, got "${env.LOG_LEVEL}"`);
  }

  const config: Config = {
    port: int('PORT', 8000, 0, 65535),
    host: env.HOST?.trim() || '0.0.0.0',
    database: parseDatabase(env, problems, int),
    logLevel,
    logFile: env.LOG_FILE === undefined ? 'logs/api_server.log' : env.LOG_FILE.trim() || null,
    logFileMaxBytes: int('LOG_FILE_MAX_BYTES', 10 * 1024 * 1024, 0, 1024 ** 4),
    logFileBackups: int('LOG_FILE_BACKUPS', 5, 0, 100),
    migrateOnStart: bool('MIGRATE_ON_START', true),
    workers: int('WORKERS', 1, 1, 64),
    bodyLimit: int('BODY_LIMIT', 3 * 1024 * 1024, 1024, 1024 * 1024 * 1024),
    shutdownGraceMs: int('SHUTDOWN_GRACE_MS', 10_000, 0, 600_000),
    trustProxy: parseTrustProxy(env.TRUST_PROXY, problems),
    requestTimeoutMs: int('REQUEST_TIMEOUT_MS', 30_000, 0, 3_600_000),
    headersTimeoutMs: int('HEADERS_TIMEOUT_MS', 10_000, 1, 3_600_000),
    rateLimitPerMinute: int('RATE_LIMIT', 0, 0, 10_000_000),
    apiToken: parseToken(env.API_TOKEN, problems),
    idempotencyTtlSeconds: int('IDEMPOTENCY_TTL_SECONDS', 86_400, 1, 365 * 86_400),
    metricsEnabled: bool('METRICS', true),
    metricsPort: int('METRICS_PORT', 9464, 0, 65535),
    pageMaxLimit: int('PAGE_MAX_LIMIT', 1000, 1, 1_000_000),
    bulkMaxOperations: int('BULK_MAX_OPERATIONS', 1000, 1, 1_000_000),
    importMaxRows: int('IMPORT_MAX_ROWS', 10_000, 1, 1_000_000),
    corsOrigins: parseOrigins(env.CORS_ORIGINS, problems),
    priceCurrency: parseCurrency(env.PRICE_CURRENCY, problems),
    priceMinorUnits: bool('PRICE_MINOR_UNITS', true),
    historyRetentionDays: int('HISTORY_RETENTION_DAYS', 400, 1, 36_500),
    eventsMaxClients: int('EVENTS_MAX_CLIENTS', 2000, 0, 1_000_000),
  };
  if (config.metricsEnabled && config.metricsPort !== 0 && config.metricsPort === config.port) {
    problems.push('METRICS_PORT must differ from PORT: metrics are kept off the public port');
  }
  if (config.requestTimeoutMs > 0 && config.headersTimeoutMs > config.requestTimeoutMs) {
    problems.push('HEADERS_TIMEOUT_MS must not be larger than REQUEST_TIMEOUT_MS');
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return Object.freeze(config);
}

function parseTrustProxy(raw: string | undefined, problems: string[]): TrustProxy {
  const value = raw?.trim().toLowerCase() ?? '';
  if (['', '0', 'false', 'no', 'off'].includes(value)) return false;
  if (['true', 'yes', 'on'].includes(value)) return true;
  if (/^\d+$/.test(value) && Number(value) <= 100) return Number(value);
  const proxies = value.split(',').map((entry) => entry.trim());
  if (proxies.every(isAddressOrRange)) return proxies;
  problems.push(
    `TRUST_PROXY must be false, true, a hop count (1 behind one load balancer) or addresses/CIDR ranges, got "${raw}"`,
  );
  return false;
}

function isAddressOrRange(entry: string): boolean {
  const [address = '', prefix, ...rest] = entry.split('/');
  const version = isIP(address);
  if (version === 0 || rest.length > 0) return false;
  if (prefix === undefined) return true;
  return /^\d{1,3}$/.test(prefix) && Number(prefix) <= (version === 4 ? 32 : 128);
}

function parseOrigins(raw: string | undefined, problems: string[]): string[] {
  const origins = (raw ?? '')
    .split(',')
    .map((origin) => origin.trim())
    .filter(Boolean);
  for (const origin of origins) {
    if (origin !== '*' && !/^https?:\/\/[^/\s]+$/.test(origin)) {
      problems.push(`CORS_ORIGINS entries must look like https://app.example.com (no path), got "${origin}"`);
    }
  }
  return origins;
}

function parseCurrency(raw: string | undefined, problems: string[]): string | null {
  const code = raw?.trim() ?? '';
  if (code === '') return null;
  if (!/^[A-Z]{3}$/.test(code)) {
    problems.push(`PRICE_CURRENCY must be an ISO 4217 code of three upper-case letters such as EUR, got "${raw}"`);
  }
  return code;
}

function parseToken(raw: string | undefined, problems: string[]): string | null {
  if (raw === undefined || raw === '') return null;
  if (raw.length < 16 || !/^[\x21-\x7e]+$/.test(raw)) {
    problems.push('API_TOKEN must be at least 16 visible ASCII characters (the value is not shown)');
  }
  return raw;
}

function parseDatabase(
  env: Env,
  problems: string[],
  int: (name: string, fallback: number, min: number, max: number) => number,
): DatabaseConfig {
  const url = env.DATABASE_URL?.trim() || postgresUrlFromParts(env) || 'sqlite:data/db.sqlite3';
  if (url.startsWith('sqlite:')) {
    const path = url.slice('sqlite:'.length).replace(/^\/\/(?=\/)/, '');
    if (path === '') problems.push('DATABASE_URL "sqlite:" needs a file path, e.g. sqlite:data/db.sqlite3');
    return { kind: 'sqlite', path };
  }
  if (/^postgres(ql)?:\/\//.test(url)) {
    try {
      new URL(url);
    } catch {
      problems.push('DATABASE_URL is not a valid postgres:// URL');
    }
    return {
      kind: 'postgres',
      url,
      poolSize: int('DB_POOL_SIZE', 10, 1, 1000),
      statementTimeoutMs: int('DB_STATEMENT_TIMEOUT_MS', 5000, 0, 3_600_000),
      connectTimeoutMs: int('DB_CONNECT_TIMEOUT_MS', 3000, 1, 600_000),
    };
  }
  problems.push('DATABASE_URL must start with sqlite: or postgres:// (the value is not shown: it may hold a password)');
  return { kind: 'sqlite', path: 'data/db.sqlite3' };
}

/** ECS passes the RDS secret as separate variables; build a URL from them when DATABASE_URL is unset. */
function postgresUrlFromParts(env: Env): string | undefined {
  if (!env.PGHOST) return undefined;
  const user = encodeURIComponent(env.PGUSER ?? 'postgres');
  const password = env.PGPASSWORD ? `:${encodeURIComponent(env.PGPASSWORD)}` : '';
  const database = encodeURIComponent(env.PGDATABASE ?? 'postgres');
  const sslmode = env.PGSSLMODE ? `?sslmode=${encodeURIComponent(env.PGSSLMODE)}` : '';
  return `postgres://${user}${password}@${env.PGHOST}:${env.PGPORT ?? '5432'}/${database}${sslmode}`;
}
