import pino, { type DestinationStream, type Logger } from 'pino';
import type { Config } from './config.js';

// One JSON object per line, `message` last, `time` in UTC ISO-8601 with microseconds, written to
// the console (standard error, as the current service does) and to the log file. Logging must
// not cost a system call per line: lines are gathered into one batch for both destinations and
// handed over when it reaches 64 KB or every 200 ms; the destinations write asynchronously and
// are flushed synchronously on exit, so no line is lost on a graceful stop.

export interface AppLogger {
  logger: Logger;
  /** Writes out everything buffered; call before the process exits. */
  flush(): void;
}

const BATCH_CHARS = 64 * 1024;
const FLUSH_INTERVAL_MS = 200;

type Destination = ReturnType<typeof pino.destination>;

const isBuffered = (stream: DestinationStream | undefined): stream is Destination =>
  typeof (stream as Partial<Destination> | undefined)?.flushSync === 'function';

export function createLogger(
  config: Pick<Config, 'logLevel' | 'logFile'> & Partial<Pick<Config, 'workers'>>,
  console: DestinationStream = pino.destination({ fd: 2, sync: false }),
): AppLogger {
  const file = config.logFile ? pino.destination({ dest: config.logFile, sync: false, mkdir: true }) : undefined;
  const targets = file ? [console, file] : [console];
  // A stream that is not a sonic-boom (tests pass one in) gets each line as it is written.
  const direct = targets.filter((stream) => !isBuffered(stream));
  const buffered = new Set(targets.filter(isBuffered));
  // sonic-boom measures the byte length of what it holds on every write, and each write it makes
  // is a system call: handing it 64 KB at a time makes both rare.
  let batch = '';
  const handOver = () => {
    if (batch === '') return;
    const chunk = batch;
    batch = '';
    for (const stream of buffered) stream.write(chunk);
  };
  // The same line to both: cheaper than pino.multistream, which filters levels per stream.
  const both: DestinationStream = {
    write(line: string) {
      for (const stream of direct) stream.write(line);
      if (buffered.size === 0) return;
      batch += line;
      if (batch.length >= BATCH_CHARS) handOver();
    },
  };
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
  // A destination that fails (standard error closed by whoever read it, a full disk) is dropped:
  // its error must neither crash the service nor, worse, hang it on exit, since sonic-boom's
  // flushSync retries a failing write forever.
  for (const stream of buffered) {
    stream.on('error', () => {
      buffered.delete(stream);
    });
  }
  const timer = setInterval(handOver, FLUSH_INTERVAL_MS);
  timer.unref();
  const flush = () => {
    handOver();
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
