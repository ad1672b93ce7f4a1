import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ConfigError, loadConfig } from '../../src/config.js';

const problemsOf = (env: Record<string, string>): string[] => {
  try {
    loadConfig(env);
  } catch (error) {
    assert.ok(error instanceof ConfigError);
    assert.equal(error.message, error.problems.map((p) => `Invalid configuration: ${p}`).join('\n'));
    return error.problems;
  }
  assert.fail(`no ConfigError for ${JSON.stringify(env)}`);
};

describe('loadConfig', () => {
  test('defaults, frozen', () => {
    const config = loadConfig({});
    const expected: Record<string, unknown> = {
      port: 8000,
      host: '0.0.0.0',
      database: { kind: 'sqlite', path: 'data/db.sqlite3' },
      logLevel: 'info',
      logFile: 'logs/api_server.log',
      logFileMaxBytes: 10 * 1024 * 1024,
      logFileBackups: 5,
      metricsPort: 9464,
      migrateOnStart: true,
      workers: 1,
      bodyLimit: 3 * 1024 * 1024,
      shutdownGraceMs: 10_000,
      trustProxy: false,
      requestTimeoutMs: 30_000,
      headersTimeoutMs: 10_000,
      rateLimitPerMinute: 0,
      apiToken: null,
      idempotencyTtlSeconds: 86_400,
      metricsEnabled: true,
    };
    // Settings added later keep their own tests; these are the ones every deployment relies on.
    for (const [key, value] of Object.entries(expected)) {
      assert.deepEqual((config as unknown as Record<string, unknown>)[key], value, key);
    }
    assert.ok(Object.isFrozen(config));
  });

  test('empty or blank values mean the default', () => {
    const blank = Object.fromEntries(
      [
        'PORT',
        'HOST',
        'DATABASE_URL',
        'LOG_LEVEL',
        'MIGRATE_ON_START',
        'WORKERS',
        'BODY_LIMIT',
        'SHUTDOWN_GRACE_MS',
        'TRUST_PROXY',
      ].map((name) => [name, ' ']),
    );
    const config = loadConfig(blank);
    assert.equal(config.port, 8000);
    assert.equal(config.host, '0.0.0.0');
    assert.deepEqual(config.database, { kind: 'sqlite', path: 'data/db.sqlite3' });
    assert.equal(config.logLevel, 'info');
    assert.equal(config.migrateOnStart, true);
    assert.equal(config.workers, 1);
    assert.equal(config.trustProxy, false);
  });

  test('valid values are read (trimmed, case-insensitive where it makes sense)', () => {
    const config = loadConfig({
      PORT: ' 8123 ',
      HOST: ' 127.0.0.1 ',
      LOG_LEVEL: 'DEBUG',
      LOG_FILE: ' /var/log/pricebook.log ',
      MIGRATE_ON_START: 'off',
      WORKERS: '4',
      BODY_LIMIT: '1024',
      SHUTDOWN_GRACE_MS: '0',
      TRUST_PROXY: 'YES',
    });
    assert.equal(config.port, 8123);
    assert.equal(config.host, '127.0.0.1');
    assert.equal(config.logLevel, 'debug');
    assert.equal(config.logFile, '/var/log/pricebook.log');
    assert.equal(config.migrateOnStart, false);
    assert.equal(config.workers, 4);
    assert.equal(config.bodyLimit, 1024);
    assert.equal(config.shutdownGraceMs, 0);
    assert.equal(config.trustProxy, true);
    assert.equal(loadConfig({ PORT: '0' }).port, 0);
    for (const yes of ['true', 'on', 'Yes']) assert.equal(loadConfig({ TRUST_PROXY: yes }).trustProxy, true);
    for (const no of ['0', 'false', 'off', '']) assert.equal(loadConfig({ TRUST_PROXY: no }).trustProxy, false);
    assert.equal(loadConfig({ TRUST_PROXY: '1' }).trustProxy, 1, 'a hop count: behind one load balancer');
    assert.equal(loadConfig({ TRUST_PROXY: '2' }).trustProxy, 2);
    assert.deepEqual(loadConfig({ TRUST_PROXY: '10.0.0.0/16, 192.0.2.7,::1,fd00::/8' }).trustProxy, [
      '10.0.0.0/16',
      '192.0.2.7',
      '::1',
      'fd00::/8',
    ]);
    for (const no of ['0', 'false', 'no', 'OFF'])
      assert.equal(loadConfig({ MIGRATE_ON_START: no }).migrateOnStart, false);
  });

  test('LOG_FILE: unset is the default file, empty or blank turns the file off', () => {
    assert.equal(loadConfig({}).logFile, 'logs/api_server.log');
    assert.equal(loadConfig({ LOG_FILE: '' }).logFile, null);
    assert.equal(loadConfig({ LOG_FILE: '   ' }).logFile, null);
  });

  test('each bad value has its own clear message', () => {
    const cases: Array<[Record<string, string>, string]> = [
      [{ PORT: 'abc' }, 'PORT must be a whole number from 0 to 65535, got "abc"'],
      [{ PORT: '-1' }, 'PORT must be a whole number from 0 to 65535, got "-1"'],
      [{ PORT: '65536' }, 'PORT must be a whole number from 0 to 65535, got "65536"'],
      [{ PORT: '80.5' }, 'PORT must be a whole number from 0 to 65535, got "80.5"'],
      [{ WORKERS: '0' }, 'WORKERS must be a whole number from 1 to 64, got "0"'],
      [{ WORKERS: '65' }, 'WORKERS must be a whole number from 1 to 64, got "65"'],
      [{ BODY_LIMIT: '1023' }, 'BODY_LIMIT must be a whole number from 1024 to 1073741824, got "1023"'],
      [{ SHUTDOWN_GRACE_MS: 'soon' }, 'SHUTDOWN_GRACE_MS must be a whole number from 0 to 600000, got "soon"'],
      [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent, got "loud"'],
      [{ MIGRATE_ON_START: 'maybe' }, 'MIGRATE_ON_START must be true or false, got "maybe"'],
      ...['maybe', '10.0.0.0/33', '10.0.0', '1.2.3.4/8/1', '101', '10.0.0.1,nope'].map(
        (value): [Record<string, string>, string] => [
          { TRUST_PROXY: value },
          `TRUST_PROXY must be false, true, a hop count (1 behind one load balancer) or addresses/CIDR ranges, got "${value}"`,
        ],
      ),
      [{ DATABASE_URL: 'sqlite:' }, 'DATABASE_URL "sqlite:" needs a file path, e.g. sqlite:data/db.sqlite3'],
      [
        { DATABASE_URL: 'mysql://root:secret@db/prices' },
        'DATABASE_URL must start with sqlite: or postgres:// (the value is not shown: it may hold a password)',
      ],
      [{ DATABASE_URL: 'postgres://u:secret@[bad/db' }, 'DATABASE_URL is not a valid postgres:// URL'],
      [
        { DATABASE_URL: 'postgres://h/db', DB_POOL_SIZE: '0' },
        'DB_POOL_SIZE must be a whole number from 1 to 1000, got "0"',
      ],
      [
        { DATABASE_URL: 'postgres://h/db', DB_STATEMENT_TIMEOUT_MS: '-5' },
        'DB_STATEMENT_TIMEOUT_MS must be a whole number from 0 to 3600000, got "-5"',
      ],
      [
        { DATABASE_URL: 'postgres://h/db', DB_CONNECT_TIMEOUT_MS: '0' },
        'DB_CONNECT_TIMEOUT_MS must be a whole number from 1 to 600000, got "0"',
      ],
      [{ REQUEST_TIMEOUT_MS: 'x' }, 'REQUEST_TIMEOUT_MS must be a whole number from 0 to 3600000, got "x"'],
      [{ HEADERS_TIMEOUT_MS: '0' }, 'HEADERS_TIMEOUT_MS must be a whole number from 1 to 3600000, got "0"'],
      [
        { PORT: '9000', METRICS_PORT: '9000' },
        'METRICS_PORT must differ from PORT: metrics are kept off the public port',
      ],
      [
        { REQUEST_TIMEOUT_MS: '1000', HEADERS_TIMEOUT_MS: '2000' },
        'HEADERS_TIMEOUT_MS must not be larger than REQUEST_TIMEOUT_MS',
      ],
      [{ RATE_LIMIT: '-1' }, 'RATE_LIMIT must be a whole number from 0 to 10000000, got "-1"'],
      [{ API_TOKEN: 'secret' }, 'API_TOKEN must be at least 16 visible ASCII characters (the value is not shown)'],
      [
        { API_TOKEN: 'secret secret secret' },
        'API_TOKEN must be at least 16 visible ASCII characters (the value is not shown)',
      ],
      [{ IDEMPOTENCY_TTL_SECONDS: '0' }, 'IDEMPOTENCY_TTL_SECONDS must be a whole number from 1 to 31536000, got "0"'],
      [{ METRICS: 'sometimes' }, 'METRICS must be true or false, got "sometimes"'],
    ];
    for (const [env, message] of cases) {
      const problems = problemsOf(env);
      assert.deepEqual(problems, [message], JSON.stringify(env));
      assert.ok(!problems.join().includes('secret'), 'a password never appears in a message');
    }
  });

  test('every problem is reported at once', () => {
    assert.deepEqual(problemsOf({ PORT: 'x', WORKERS: 'y', LOG_LEVEL: 'z' }), [
      'LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent, got "z"',
      'PORT must be a whole number from 0 to 65535, got "x"',
      'WORKERS must be a whole number from 1 to 64, got "y"',
    ]);
  });

  test('DATABASE_URL: sqlite paths and postgres URLs', () => {
    const sqlite: Array<[string, string]> = [
      ['sqlite:data/db.sqlite3', 'data/db.sqlite3'],
      ['sqlite:/tmp/x/db.sqlite3', '/tmp/x/db.sqlite3'],
      ['sqlite:///tmp/x/db.sqlite3', '/tmp/x/db.sqlite3'],
      ['sqlite::memory:', ':memory:'],
      [' sqlite:db.sqlite3 ', 'db.sqlite3'],
    ];
    for (const [url, path] of sqlite)
      assert.deepEqual(loadConfig({ DATABASE_URL: url }).database, { kind: 'sqlite', path });
    for (const url of ['postgres://app:pw@db:5432/prices', 'postgresql://db/prices?sslmode=require']) {
      assert.deepEqual(loadConfig({ DATABASE_URL: url }).database, {
        kind: 'postgres',
        url,
        poolSize: 10,
        statementTimeoutMs: 5000,
        connectTimeoutMs: 3000,
      });
    }
    assert.deepEqual(
      loadConfig({
        DATABASE_URL: 'postgres://db/prices',
        DB_POOL_SIZE: '3',
        DB_STATEMENT_TIMEOUT_MS: '0',
        DB_CONNECT_TIMEOUT_MS: '250',
      }).database,
      { kind: 'postgres', url: 'postgres://db/prices', poolSize: 3, statementTimeoutMs: 0, connectTimeoutMs: 250 },
    );
  });

  test('without DATABASE_URL, PGHOST and its companions build the postgres URL', () => {
    const url = (env: Record<string, string>) => {
      const { database } = loadConfig(env);
      assert.equal(database.kind, 'postgres');
      return database.kind === 'postgres' ? database.url : '';
    };
    assert.equal(url({ PGHOST: 'db.internal' }), 'postgres://postgres@db.internal:5432/postgres');
    assert.equal(
      url({
        PGHOST: 'db.internal',
        PGPORT: '6543',
        PGUSER: 'app user',
        PGPASSWORD: 'p@ss:w/rd?',
        PGDATABASE: 'prices',
        PGSSLMODE: 'require',
      }),
      'postgres://app%20user:p%40ss%3Aw%2Frd%3F@db.internal:6543/prices?sslmode=require',
    );
    const parsed = new URL(url({ PGHOST: 'h', PGUSER: 'u', PGPASSWORD: 'p@ss:w/rd?' }));
    assert.equal(decodeURIComponent(parsed.password), 'p@ss:w/rd?');
    // DATABASE_URL wins; an empty PGHOST is ignored.
    assert.deepEqual(loadConfig({ DATABASE_URL: 'sqlite:x.db', PGHOST: 'db' }).database, {
      kind: 'sqlite',
      path: 'x.db',
    });
    assert.deepEqual(loadConfig({ PGHOST: '' }).database, { kind: 'sqlite', path: 'data/db.sqlite3' });
  });
});
