import type pg from 'pg';
import type { DatabaseConfig } from '../config.js';

// A wake-up for whoever follows the data across replicas (the live feed): "something was written
// on this database". Each process announces its own writes with one NOTIFY at most every
// NOTIFY_EVERY_MS, sent on the pool after the write, and LISTENs on a connection of its own.
// The writes themselves never NOTIFY: a transaction that notifies takes a lock that serializes
// the commits of every such transaction on the server, so a NOTIFY per write would cost every
// write its concurrency. What was written is always read from the database itself.

const CHANNEL = 'pricebook_writes';
const NOTIFY_EVERY_MS = 50;
const RELISTEN_FIRST_DELAY_MS = 100;
const RELISTEN_MAX_DELAY_MS = 5000;

type PostgresConfig = Extract<DatabaseConfig, { kind: 'postgres' }>;

export function writeSignal(pgModule: typeof pg, config: PostgresConfig, pool: pg.Pool) {
  const listeners = new Set<() => void>();
  let notifyTimer: NodeJS.Timeout | undefined;
  let stopListening: (() => Promise<void>) | undefined;
  const wakeAll = () => {
    for (const listener of listeners) listener();
  };
  const notify = () => {
    notifyTimer = undefined;
    // A lost NOTIFY is a late wake-up, not a lost change: followers also poll.
    pool.query(`select pg_notify('${CHANNEL}', '')`).catch(() => {});
  };
  return {
    /** Called after every write this process makes: wakes its own followers now, the others soon. */
    wrote(): void {
      wakeAll();
      if (notifyTimer) return;
      notifyTimer = setTimeout(notify, NOTIFY_EVERY_MS);
      notifyTimer.unref();
    },
    async subscribe(onWrite: () => void): Promise<() => Promise<void>> {
      listeners.add(onWrite);
      if (listeners.size === 1) stopListening = await listen(pgModule, config, wakeAll);
      return async () => {
        listeners.delete(onWrite);
        if (listeners.size > 0) return;
        clearTimeout(notifyTimer);
        await stopListening?.();
      };
    },
  };
}

/** LISTEN on a dedicated client, connected again (with back-off) whenever it is lost. */
async function listen(pgModule: typeof pg, config: PostgresConfig, onNotify: () => void): Promise<() => Promise<void>> {
  let client: pg.Client | undefined;
  let stopped = false;
  let retry: NodeJS.Timeout | undefined;
  let delay = RELISTEN_FIRST_DELAY_MS;
  const connect = async (): Promise<void> => {
    const next = new pgModule.Client({
      connectionString: config.url,
      connectionTimeoutMillis: config.connectTimeoutMs,
      keepAlive: true,
    });
    next.on('notification', (message) => {
      if (message.channel === CHANNEL) onNotify();
    });
    next.on('error', () => reconnect(next));
    next.on('end', () => reconnect(next));
    client = next;
    await next.connect();
    await next.query(`listen ${CHANNEL}`);
    delay = RELISTEN_FIRST_DELAY_MS;
  };
  const reconnect = (lost: pg.Client) => {
    if (stopped || client !== lost || retry) return;
    client = undefined;
    lost.end().catch(() => {});
    retry = setTimeout(() => {
      retry = undefined;
      // Notifications sent while disconnected are lost: wake once the connection is back.
      connect()
        .then(onNotify)
        .catch(() => {
          if (client) reconnect(client);
        });
    }, delay);
    retry.unref();
    delay = Math.min(delay * 2, RELISTEN_MAX_DELAY_MS);
  };
  await connect();
  return async () => {
    stopped = true;
    clearTimeout(retry);
    await client?.end().catch(() => {});
  };
}
