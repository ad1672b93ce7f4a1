import cluster, { type Worker } from 'node:cluster';
import closeWithGrace from 'close-with-grace';
import { buildApp } from './app.js';
import { type Config, ConfigError, loadConfig } from './config.js';
import { type Database, openDatabase } from './db/database.js';
import { createLogger } from './logging/logger.js';
import { migrate } from './migrations.js';
import { databaseSetting, listenSetting, StartupFailure, startLine, startupStep } from './startup.js';

// Entry point: read the configuration, migrate, listen; stop gracefully on SIGTERM/SIGINT.
// With WORKERS > 1 the primary process migrates once, then forks workers that share the port.
// A failure to start is one plain line on standard error that names the setting to fix.

/** Workers that fail to start this many times in a row stop the primary: the cause will not go away. */
const START_FAILURES_BEFORE_EXIT = 5;
const FIRST_RESTART_DELAY_MS = 250;
const MAX_RESTART_DELAY_MS = 8000;

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
  const log = createLogger(config);
  const { logger, flush } = log;
  if (cluster.isPrimary) logger.info(startLine(config));
  let database: Database | undefined;
  try {
    database = await startupStep(databaseSetting(config.database), () => openDatabase(config.database));
    const opened = database;
    const applied =
      config.migrateOnStart && cluster.isPrimary
        ? await startupStep(databaseSetting(config.database), () => migrate(opened))
        : [];
    const app = await buildApp(config, { database, log });
    closeWithGrace({ delay: config.shutdownGraceMs, logger: false }, async ({ signal, err }) => {
      if (err) logger.error({ err_message: err.message }, 'Stopping after an unexpected error');
      else logger.info({ signal }, 'Stopping: finishing in-flight requests');
      await app.close();
      await flush();
    });
    await startupStep(listenSetting(config), () =>
      app.listen({ port: config.port, host: config.host, listenTextResolver: (address) => `Listening on ${address}` }),
    );
    if (config.metricsEnabled) {
      const { address, port } = await startupStep(`METRICS_PORT ${config.metricsPort}`, () =>
        app.listenForMetrics(config.metricsPort, config.host),
      );
      logger.info(`Metrics on http://${address.includes(':') ? `[${address}]` : address}:${port}/metrics`);
    }
    if (applied.length > 0) logger.info({ migrations: applied }, 'Applied database migrations');
  } catch (error) {
    const line = error instanceof StartupFailure ? error.message : `${(error as Error).message}`;
    // A worker tells the primary, which says it once for all of them.
    await flush();
    if (cluster.isWorker) process.send?.({ startupFailure: line });
    else process.stderr.write(`Cannot start: ${line}\n`);
    await database?.close().catch(() => {});
    process.exit(1);
  }
}

async function runPrimary(config: Config): Promise<void> {
  const { logger, flush } = createLogger({ ...config, logFile: null });
  logger.info(startLine(config));
  const fail = async (line: string) => {
    await flush();
    process.stderr.write(`Cannot start: ${line}\n`);
    process.exit(1);
  };
  if (config.migrateOnStart) {
    try {
      const database = await startupStep(databaseSetting(config.database), () => openDatabase(config.database));
      try {
        await startupStep(databaseSetting(config.database), () => migrate(database));
      } finally {
        await database.close();
      }
    } catch (error) {
      return fail((error as Error).message);
    }
  }
  let stopping = false;
  let failuresInARow = 0;
  let lastFailure = 'a worker exited before it was listening';
  const started = new WeakSet<Worker>();
  const fork = () => {
    const worker = cluster.fork();
    worker.on('message', (message: { startupFailure?: string }) => {
      if (message?.startupFailure) lastFailure = message.startupFailure;
    });
  };
  for (let i = 0; i < config.workers; i++) fork();
  cluster.on('listening', (worker) => {
    started.add(worker);
    failuresInARow = 0;
  });
  cluster.on('exit', (worker, code, signal) => {
    if (stopping) return;
    if (started.has(worker)) {
      logger.error({ worker_pid: worker.process.pid, code, signal }, 'Worker died; starting another');
      fork();
      return;
    }
    failuresInARow++;
    if (failuresInARow >= START_FAILURES_BEFORE_EXIT) {
      stopping = true;
      for (const other of Object.values(cluster.workers ?? {})) other?.process.kill('SIGTERM');
      void fail(`${lastFailure} (workers failed to start ${failuresInARow} times in a row)`);
      return;
    }
    // Back off: a cause that outlives one start (a port in use) must not become a fork loop.
    const delay = Math.min(FIRST_RESTART_DELAY_MS * 2 ** (failuresInARow - 1), MAX_RESTART_DELAY_MS);
    logger.warn({ code, retry_in_ms: delay, reason: lastFailure }, 'A worker could not start; trying again');
    setTimeout(fork, delay);
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
