import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { BodyForm, CsvResult, ListResult, MediaType, ParseResult } from './body-parsers.js';
import type { ParseRequest } from './body-worker.js';

// One worker thread for large bodies, started on first use. Bodies are parsed one at a time, in
// order of arrival: the thread's memory holds one body's parse at most.

// Beside this module: body-worker.ts from source, .js compiled by tsc, .cjs in the bundle.
const WORKER_FILE = new URL(`./body-worker${extname(fileURLToPath(import.meta.url))}`, import.meta.url);

/** From source (`npm run dev`, tests run through tsx) the thread loads TypeScript through tsx, as the process does. */
const startWorker = (): Worker =>
  WORKER_FILE.pathname.endsWith('.ts')
    ? new Worker(
        `import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(WORKER_FILE.href)}); });`,
        { eval: true },
      )
    : new Worker(WORKER_FILE);

type AnyResult = ParseResult | ListResult | CsvResult;
type Pending = { resolve(result: AnyResult): void; reject(error: Error): void };

export class BodyThread {
  #worker: Worker | undefined;
  #nextId = 0;
  readonly #pending = new Map<number, Pending>();

  parse(bytes: Buffer, mediaType: MediaType, contentType: string, fields: readonly string[]): Promise<ParseResult> {
    return this.parseAs('object', bytes, mediaType, contentType, fields) as Promise<ParseResult>;
  }

  parseAs(
    form: BodyForm,
    bytes: Buffer,
    mediaType: MediaType,
    contentType: string,
    fields: readonly string[],
  ): Promise<AnyResult> {
    const worker = this.#start();
    const id = this.#nextId++;
    const request: ParseRequest = { id, form, bytes, mediaType, contentType, fields };
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      if (this.#pending.size === 1) worker.ref();
      worker.postMessage(request);
    });
  }

  async close(): Promise<void> {
    const worker = this.#worker;
    this.#worker = undefined;
    await worker?.terminate();
  }

  #start(): Worker {
    if (this.#worker) return this.#worker;
    const worker = startWorker();
    worker.on('message', ({ id, result }: { id: number; result: AnyResult }) => {
      this.#pending.get(id)?.resolve(result);
      this.#pending.delete(id);
      if (this.#pending.size === 0) worker.unref();
    });
    // A thread that dies fails what it held; the next large body starts a new one.
    const fail = (error: Error) => {
      if (this.#worker === worker) this.#worker = undefined;
      for (const pending of this.#pending.values()) pending.reject(error);
      this.#pending.clear();
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`The body parser thread stopped (exit code ${code}).`)));
    worker.unref();
    this.#worker = worker;
    return worker;
  }
}
