import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import pino, { type DestinationStream, type Logger } from 'pino';
import type { Config } from './config.js';

// One JSON object per line, `message` last, `time` in UTC ISO-8601 with microseconds, written to
// the console (standard error, as the current service does) and to the log file. Both
// destinations are buffered and asynchronous so that logging never blocks a request; they are
// flushed every second and on exit.

export interface AppLogger {
  logger: Logger;
  /** Writes out everything buffered; call before the process exits. */
  flush(): void;
}

const FLUSH_INTERVAL_MS = 1000;

export function createLogger(
  config: Pick<Config, 'logLevel' | 'logFile'> & Partial<Pick<Config, 'workers'>>,
  console: DestinationStream = pino.destination({ fd: 2, sync: false }),
): AppLogger {
  const streams: pino.StreamEntry[] = [{ stream: console, level: 'trace' }];
  let file: ReturnType<typeof pino.destination> | undefined;
  if (config.logFile) {
    mkdirSync(dirname(config.logFile), { recursive: true });
    file = pino.destination({ dest: config.logFile, sync: false, minLength: 4096 });
    streams.push({ stream: file, level: 'trace' });
  }
  const logger = pino(
    {
      level: config.logLevel,
      messageKey: 'message',
      // With several worker processes, say which one wrote the line.
      base: (config.workers ?? 1) > 1 ? { pid: process.pid } : undefined,
      timestamp: isoTimeWithMicroseconds,
      formatters: { level: (label) => ({ level: label }) },
    },
    pino.multistream(streams),
  );
  const flush = () => {
    for (const { stream } of streams) {
      const sonic = stream as Partial<ReturnType<typeof pino.destination>>;
      try {
        sonic.flushSync?.();
      } catch {
        // nothing buffered, or still opening
      }
    }
  };
  const timer = setInterval(() => file?.flush(), FLUSH_INTERVAL_MS);
  timer.unref();
  return { logger, flush };
}

function isoTimeWithMicroseconds(): string {
  const now = performance.timeOrigin + performance.now();
  const iso = new Date(Math.floor(now)).toISOString(); // 2025-09-21T03:43:16.952Z
  const micro = String(Math.floor((now % 1) * 1000)).padStart(3, '0');
  return `,"time":"${iso.slice(0, -1)}${micro}+00:00"`;
}
