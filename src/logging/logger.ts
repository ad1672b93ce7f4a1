import pino, { type DestinationStream, type Logger } from 'pino';
import type { Config } from '../config.js';
import { LogSink } from './sink.js';

// One JSON object per line, `message` last, `time` in UTC ISO-8601 with microseconds, written to
// the console (standard error, as the current service does) and to the log file. Logging must
// not cost a system call per line: lines are gathered into one batch for both destinations,
// encoded once and written asynchronously (sink.ts) when it reaches 64 KB or 200 ms after its first line.
// flush() writes out the rest and waits for it, so no line is lost on a graceful stop.
// This module owns the line format: pino writes most lines with it, and writeInfo() writes the
// two lines of every request with it directly, without pino's generic serializer.

export interface AppLogger {
  logger: Logger;
  /** Writes out everything gathered and waits (at most two seconds) until it is written. */
  flush(): Promise<void>;
  /**
   * Writes one info line, exactly as pino would (a test compares them), when info is enabled:
   * `fields` is the JSON text of the keys between the time and the message (`"a":1,"b":"x"`).
   */
  writeInfo(fields: string, message: string): void;
}

const BATCH_CHARS = 64 * 1024;
const HAND_OVER_AFTER_MS = 200;
const FLUSH_DEADLINE_MS = 2000;

/** `console`: tests pass a stream that gets each line as it is written, unbatched. */
export function createLogger(
  config: Pick<Config, 'logLevel' | 'logFile'> &
    Partial<Pick<Config, 'workers' | 'logFileMaxBytes' | 'logFileBackups'>>,
  console?: DestinationStream,
): AppLogger {
  const sinks: LogSink[] = console ? [] : [LogSink.open(2)];
  let fileError: Error | undefined;
  if (config.logFile) {
    try {
      const rotation = { maxBytes: config.logFileMaxBytes ?? 0, backups: config.logFileBackups ?? 0 };
      sinks.push(LogSink.open(config.logFile, rotation));
    } catch (error) {
      fileError = error as Error;
    }
  }
  let batch = '';
  // Armed by a batch's first line, so that an idle server has no timer to wake it.
  let handOverTimer: NodeJS.Timeout | undefined;
  const handOver = () => {
    clearTimeout(handOverTimer);
    handOverTimer = undefined;
    if (batch === '') return;
    const bytes = Buffer.from(batch);
    batch = '';
    for (const sink of sinks) sink.write(bytes);
  };
  const both: DestinationStream = {
    write(line: string) {
      console?.write(line);
      if (sinks.length === 0) return;
      batch += line;
      if (batch.length >= BATCH_CHARS) handOver();
      else handOverTimer ??= setTimeout(handOver, HAND_OVER_AFTER_MS).unref();
    },
  };
  // With several worker processes, say which one wrote the line.
  const base = (config.workers ?? 1) > 1 ? { pid: process.pid } : undefined;
  const logger = pino(
    {
      level: config.logLevel,
      messageKey: 'message',
      base,
      timestamp: isoTimeWithMicroseconds,
      formatters: { level: (label) => ({ level: label }) },
    },
    both,
  );
  const bindings = base ? `,"pid":${base.pid}` : '';
  const writeInfo = (fields: string, message: string) => {
    if (!logger.isLevelEnabled('info')) return;
    both.write(
      `{"level":"info"${isoTimeWithMicroseconds()}${bindings},${fields},"message":${JSON.stringify(message)}}\n`,
    );
  };
  // A read-only file system must not stop the service: it logs to the console alone, and says so.
  if (fileError)
    logger.warn({ err_message: fileError.message }, 'Cannot open the log file; logging to the console only');
  const flush = async () => {
    handOver();
    let deadline: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.all(sinks.map((sink) => sink.drained())),
      new Promise((resolve) => {
        deadline = setTimeout(resolve, FLUSH_DEADLINE_MS);
      }),
    ]);
    clearTimeout(deadline);
  };
  return { logger, flush, writeInfo };
}

let cachedSecond = -1;
let cachedPrefix = '';

/** `,"time":"2025-09-21T03:43:16.952117+00:00"`: the date and time formatted once a second. */
export function isoTimeWithMicroseconds(): string {
  const now = performance.timeOrigin + performance.now();
  const second = Math.floor(now / 1000) * 1000;
  if (second !== cachedSecond) {
    cachedSecond = second;
    cachedPrefix = `,"time":"${new Date(second).toISOString().slice(0, 19)}.`; // 2025-09-21T03:43:16.
  }
  return `${cachedPrefix}${String(Math.floor((now - second) * 1000)).padStart(6, '0')}+00:00"`;
}
