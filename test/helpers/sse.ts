import http from 'node:http';

// A Server-Sent Events client for the tests: reads /api/events/ over a real socket, parses the
// frames, and lets a test await the events it expects (no fixed sleeps).

export interface SseEvent {
  id: number;
  event: string;
  data: { id: number; product: string; price: number; version: number; at: string };
}

export class SseClient {
  readonly events: SseEvent[] = [];
  comments = 0;
  status = 0;
  headers: http.IncomingHttpHeaders = {};
  body = '';
  /** Resolves when the server ends the stream (or the connection closes). */
  readonly ended: Promise<void>;
  #request: http.ClientRequest | undefined;
  #endedResolve: () => void = () => {};
  #waiters: Array<() => void> = [];
  #buffer = '';

  private constructor() {
    this.ended = new Promise((resolve) => {
      this.#endedResolve = resolve;
    });
  }

  static open(port: number, path = '/api/events/', headers: Record<string, string> = {}): Promise<SseClient> {
    const client = new SseClient();
    return new Promise((resolve, reject) => {
      const request = http.get(
        { host: '127.0.0.1', port, path, headers: { accept: 'text/event-stream', ...headers } },
        (response) => {
          client.status = response.statusCode ?? 0;
          client.headers = response.headers;
          response.setEncoding('utf8');
          response.on('data', (chunk: string) => client.#take(chunk));
          response.on('end', () => client.#end());
          response.on('close', () => client.#end());
          response.on('error', () => client.#end());
          resolve(client);
        },
      );
      request.on('error', (error) => {
        client.#end();
        reject(error);
      });
      client.#request = request;
    });
  }

  /** Resolves once `predicate` holds of the events received (checked after each chunk). */
  async waitFor(predicate: (events: SseEvent[]) => boolean, what = 'events', timeoutMs = 15_000): Promise<SseEvent[]> {
    const deadline = Date.now() + timeoutMs;
    while (!predicate(this.events)) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${what}; got ${this.events.length} events`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.#waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return this.events;
  }

  close(): void {
    this.#request?.destroy();
  }

  #take(chunk: string): void {
    this.body += chunk;
    this.#buffer += chunk;
    for (let end = this.#buffer.indexOf('\n\n'); end !== -1; end = this.#buffer.indexOf('\n\n')) {
      const frame = this.#buffer.slice(0, end);
      this.#buffer = this.#buffer.slice(end + 2);
      const fields: Record<string, string> = {};
      for (const line of frame.split('\n')) {
        if (line.startsWith(':')) this.comments++;
        const colon = line.indexOf(':');
        if (colon > 0) fields[line.slice(0, colon)] = line.slice(colon + 1).replace(/^ /, '');
      }
      if (fields.id !== undefined && fields.data !== undefined) {
        this.events.push({ id: Number(fields.id), event: fields.event ?? 'message', data: JSON.parse(fields.data) });
      }
    }
    this.#wake();
  }

  #end(): void {
    this.#endedResolve();
    this.#wake();
  }

  #wake(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const wake of waiters) wake();
  }
}
