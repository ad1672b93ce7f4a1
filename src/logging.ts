import pino, { type DestinationStream, type Logger } from 'pino';
import type { Config } from './config.js';

// One JSON object per line, `message` last, `time` in UTC ISO-8601 with microseconds, written to
// the console (standard error, as the current service does) and to the log file. Logging must
// not cost a system call per line: both destinations buffer (8 KB) and write asynchronously,
// flushed every 200 ms and synchronously on exit, so no line is lost on a graceful stop.

export interface AppLogger {
  logger: Logger;
  /** Writes out everything buffered; call before the process exits. */
  flush(): void;
}

const BUFFER_BYTES = 8 * 1024;
const FLUSH_INTERVAL_MS = 200;

type Destination = ReturnType<typeof pino.destination>;

export function createLogger(
  config: Pick<Config, 'logLevel' | 'logFile'> & Partial<Pick<Config, 'workers'>>,
  console: DestinationStream = pino.destination({ fd: 2, sync: false, minLength: BUFFER_BYTES }),
): AppLogger {
  const file = config.logFile
    ? pino.destination({ dest: config.logFile, sync: false, minLength: BUFFER_BYTES, mkdir: true })
    : undefined;
  // The same line to both: cheaper than pino.multistream, which filters levels per stream.
  const both: DestinationStream = file
    ? {
        write(line: string) {
          console.write(line);
          file.write(line);
        },
      }
    : console;
  const logger = pino(
    {
      level: config.logLevel,
      messageKey: 'message',
      // With several worker processes, say which one wrote the line.
      base: (config.workers ?? 1) > 1 ? { pid: process.pid } : undefined,
      timestamp: isoTimeWithMicroseconds,
      formatters: { level: (label) => ({ level: label }) },
    },
    both,
  );
  const buffered = new Set(
    [console, file].filter(
      (stream): stream is Destination => typeof (stream as Partial<Destination> | undefined)?.flushSync === 'function',
    ),
  );
  // A destination that fails (standard error closed by whoever read it, a full disk) is dropped:
  // its error must neither crash the service nor, worse, hang it on exit, since sonic-boom's
  // flushSync retries a failing write forever.
  for (const stream of buffered) {
    stream.on('error', () => {
      buffered.delete(stream);
    });
  }
  // flush() does nothing while a write is under way, which is what we want here.
  const timer = setInterval(() => {
    for (const stream of buffered) stream.flush();
  }, FLUSH_INTERVAL_MS);
  timer.unref();
  const flush = () => {
    for (const stream of buffered) {
      try {
        stream.flushSync();
      } catch {
        // still opening: sonic-boom writes what it holds once the file is open
      }
    }
  };
  return { logger, flush };
}

let cachedMs = -1;
let cachedPrefix = '';

function isoTimeWithMicroseconds(): string {
  const now = performance.timeOrigin + performance.now();
  const ms = Math.floor(now);
  if (ms !== cachedMs) {
    cachedMs = ms;
    cachedPrefix = `,"time":"${new Date(ms).toISOString().slice(0, -1)}`; // 2025-09-21T03:43:16.952
  }
  return `${cachedPrefix}${String(Math.floor((now - ms) * 1000)).padStart(3, '0')}+00:00"`;
}
