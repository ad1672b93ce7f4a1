import { mkdirSync, openSync, write } from 'node:fs';
import { dirname } from 'node:path';

// Where the log batches go (logging.ts): a file descriptor written asynchronously, one write
// in flight at a time, in order. A sink that fails is dropped (its error must not crash or hang
// the service); a full pipe (EAGAIN) is retried shortly.

const RETRY_MS = 10;

export class LogSink {
  readonly #fd: number;
  readonly #queue: Buffer[] = [];
  #writing = false;
  #failed = false;
  #idle: Array<() => void> = [];

  /** A sink on a file (created with its folder, appended to) or on an open descriptor. */
  static open(target: string | number): LogSink {
    if (typeof target === 'number') return new LogSink(target);
    mkdirSync(dirname(target), { recursive: true });
    return new LogSink(openSync(target, 'a'));
  }

  private constructor(fd: number) {
    this.#fd = fd;
  }

  write(bytes: Buffer): void {
    if (this.#failed) return;
    this.#queue.push(bytes);
    if (!this.#writing) this.#next();
  }

  /** Resolves once everything written so far is out (or the sink has failed). */
  drained(): Promise<void> {
    if (!this.#writing) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  #next(): void {
    const bytes = this.#queue.shift();
    if (!bytes || this.#failed) {
      this.#writing = false;
      for (const resolve of this.#idle.splice(0)) resolve();
      return;
    }
    this.#writing = true;
    write(this.#fd, bytes, 0, bytes.length, null, (error, written) => {
      if (error?.code === 'EAGAIN') {
        this.#queue.unshift(bytes);
        setTimeout(() => this.#next(), RETRY_MS);
        return;
      }
      if (error) {
        this.#failed = true;
        this.#queue.length = 0;
      } else if (written < bytes.length) {
        this.#queue.unshift(bytes.subarray(written));
      }
      this.#next();
    });
  }
}
