import { closeSync, fstatSync, mkdirSync, openSync, renameSync, rmSync, statSync, unlinkSync, write } from 'node:fs';
import { dirname } from 'node:path';

// Where the log batches go (logging.ts): a file descriptor written asynchronously, one write
// in flight at a time, in order. A sink that fails is dropped (its error must not crash or hang
// the service); a full pipe (EAGAIN) is retried shortly.
//
// A file sink rotates by size: before a batch would take the file past `maxBytes`, the file
// becomes `<file>.1` (`.1` becomes `.2` …, up to `backups`) and a new one is started. Several
// processes (WORKERS) may write one file: a lock file lets one of them rotate, and every process
// reopens the path when the file it writes is no longer the one there (also after logrotate).

const RETRY_MS = 10;
/** A lock older than this was left by a process that died while rotating. */
const STALE_LOCK_MS = 10_000;

export interface Rotation {
  /** Rotate before the file passes this size; 0: never. */
  maxBytes: number;
  /** Rotated files kept: `<file>.1` (newest) … `<file>.<backups>`. */
  backups: number;
}

export class LogSink {
  #fd: number;
  readonly #file: { path: string; rotation: Rotation; bytes: number } | undefined;
  readonly #queue: Buffer[] = [];
  #writing = false;
  #failed = false;
  #idle: Array<() => void> = [];

  /** A sink on a file (created with its folder, appended to) or on an open descriptor. */
  static open(target: string | number, rotation: Rotation = { maxBytes: 0, backups: 0 }): LogSink {
    if (typeof target === 'number') return new LogSink(target);
    mkdirSync(dirname(target), { recursive: true });
    const fd = openSync(target, 'a');
    return new LogSink(fd, { path: target, rotation, bytes: fstatSync(fd).size });
  }

  private constructor(fd: number, file?: { path: string; rotation: Rotation; bytes: number }) {
    this.#fd = fd;
    this.#file = file;
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
    try {
      this.#beforeWrite(bytes.length);
    } catch {
      // Rotation is housekeeping: when it fails (a full disk, permissions), keep writing this file.
    }
    write(this.#fd, bytes, 0, bytes.length, null, (error, written) => {
      if (error?.code === 'EAGAIN') {
        this.#queue.unshift(bytes);
        setTimeout(() => this.#next(), RETRY_MS);
        return;
      }
      if (error) {
        this.#failed = true;
        this.#queue.length = 0;
      } else {
        if (this.#file) this.#file.bytes += written;
        if (written < bytes.length) this.#queue.unshift(bytes.subarray(written));
      }
      this.#next();
    });
  }

  /** Reopens the path if another process rotated it away; rotates if this write would pass the size. */
  #beforeWrite(length: number): void {
    const file = this.#file;
    if (!file || file.rotation.maxBytes === 0) return;
    const current = statSync(file.path, { throwIfNoEntry: false });
    if (!current || current.ino !== fstatSync(this.#fd).ino) this.#reopen();
    else if (file.bytes > 0 && file.bytes + length > file.rotation.maxBytes) this.#rotate();
  }

  #rotate(): void {
    const { path, rotation } = this.#file as { path: string; rotation: Rotation };
    const lock = `${path}.lock`;
    if (!takeLock(lock)) return; // another process is rotating: it will be reopened next time
    try {
      const current = statSync(path, { throwIfNoEntry: false });
      if (current?.ino === fstatSync(this.#fd).ino) {
        rmSync(`${path}.${rotation.backups}`, { force: true });
        for (let n = rotation.backups - 1; n >= 1; n--) renameIfExists(`${path}.${n}`, `${path}.${n + 1}`);
        if (rotation.backups > 0) renameSync(path, `${path}.1`);
        else unlinkSync(path);
      }
      this.#reopen();
    } finally {
      unlinkSync(lock);
    }
  }

  #reopen(): void {
    const file = this.#file as { path: string; bytes: number };
    const fd = openSync(file.path, 'a');
    closeSync(this.#fd);
    this.#fd = fd;
    file.bytes = fstatSync(fd).size;
  }
}

function takeLock(lock: string): boolean {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      closeSync(openSync(lock, 'wx'));
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const age = Date.now() - (statSync(lock, { throwIfNoEntry: false })?.mtimeMs ?? Date.now());
      if (age < STALE_LOCK_MS) return false;
      rmSync(lock, { force: true });
    }
  }
  return false;
}

function renameIfExists(from: string, to: string): void {
  try {
    renameSync(from, to);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
}
