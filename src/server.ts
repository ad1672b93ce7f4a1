import cluster from 'node:cluster';
import closeWithGrace from 'close-with-grace';
import { buildApp } from './app.js';
import { type Config, ConfigError, loadConfig } from './config.js';
import { openDatabase } from './db/database.js';
import { migrateToLatest } from './db/migrate.js';
import { createLogger } from './logging.js';

// Entry point: read the configuration, migrate, listen; stop gracefully on SIGTERM/SIGINT.
// With WORKERS > 1 the primary process migrates once, then forks workers that share the port.

async function main(): Promise<void> {
  let config: Config;
  try {
    config = loadConfig();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${error.message}\n`);
    process.exit(1);
  }
  if (config.workers > 1 && cluster.isPrimary) return runPrimary(config);
  return runServer(config);
}

async function runServer(config: Config): Promise<void> {
  const { logger, flush } = createLogger(config);
  const database = await openDatabase(config.database);
  try {
    if (config.migrateOnStart && cluster.isPrimary) {
      const applied = await migrateToLatest(database);
      if (applied.length > 0) logger.info({ migrations: applied }, 'Applied database migrations');
    }
    const app = await buildApp(config, { database, logger });
    closeWithGrace({ delay: config.shutdownGraceMs, logger: false }, async ({ signal, err }) => {
      if (err) logger.error({ err_message: err.message }, 'Stopping after an unexpected error');
      else logger.info({ signal }, 'Stopping: finishing in-flight requests');
      await app.close();
      await flush();
    });
    await app.listen({ port: config.port, host: config.host });
  } catch (error) {
    logger.fatal({ err_message: (error as Error).message }, 'Could not start');
    await flush();
    await database.close().catch(() => {});
    process.exit(1);
  }
}

async function runPrimary(config: Config): Promise<void> {
  const { logger, flush } = createLogger({ ...config, logFile: null });
  if (config.migrateOnStart) {
    const database = await openDatabase(config.database);
    try {
      await migrateToLatest(database);
    } catch (error) {
      logger.fatal({ err_message: (error as Error).message }, 'Could not migrate the database');
      await flush();
      process.exit(1);
    } finally {
      await database.close();
    }
  }
  let stopping = false;
  for (let i = 0; i < config.workers; i++) cluster.fork();
  cluster.on('exit', (worker, code, signal) => {
    if (stopping) return;
    logger.error({ worker_pid: worker.process.pid, code, signal }, 'Worker died; starting another');
    cluster.fork();
  });
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'Stopping workers');
    for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill(signal);
    const deadline = setTimeout(() => process.exit(1), config.shutdownGraceMs + 1000);
    deadline.unref();
    cluster.on('exit', () => {
      if (Object.keys(cluster.workers ?? {}).length === 0) void flush().then(() => process.exit(0));
    });
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

void main();
