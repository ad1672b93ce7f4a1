import createClient from 'openapi-fetch';

// The runtime is openapi-fetch's own client; index.d.ts gives it the API's types, stricter than
// openapi-fetch's defaults (see there).

/**
 * A client for the pricebook API at `baseUrl` (e.g. `http://localhost:8000`).
 * @param {string} baseUrl
 * @param {import('openapi-fetch').ClientOptions} [options] openapi-fetch's options (fetch, headers, …)
 */
export function createPricebookClient(baseUrl, options = {}) {
  return createClient({ ...options, baseUrl: baseUrl.replace(/\/+$/, '') });
}

const sleep = (ms, signal) =>
  new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    });
  });

/**
 * The changes of /api/events/ as they happen, as an async iterable of `{ id, kind, item }`. It
 * reconnects after a lost or ended stream (a server that stopped, a subscriber that fell behind)
 * with Last-Event-ID, so nothing is missed or seen twice. Stop it with `signal` (or `break`).
 * @param {string} baseUrl
 * @param {{ after?: number, product?: string, signal?: AbortSignal, fetch?: typeof fetch, headers?: Record<string, string> }} [options]
 */
export async function* changes(baseUrl, options = {}) {
  const { signal, product, headers = {} } = options;
  const fetchImpl = options.fetch ?? fetch;
  let last = options.after;
  let retryMs = 1000;
  const url = new URL(`${baseUrl.replace(/\/+$/, '')}/api/events/`);
  if (product !== undefined) url.searchParams.set('product', product);
  while (!signal?.aborted) {
    let response;
    try {
      const position = last === undefined ? {} : { 'last-event-id': String(last) };
      response = await fetchImpl(url, { headers: { ...headers, accept: 'text/event-stream', ...position }, signal });
    } catch {
      await sleep(retryMs, signal);
      continue;
    }
    if (!response.ok || !response.body) {
      if (response.status !== 429 && response.status !== 503) {
        throw new Error(`GET /api/events/ answered ${response.status}: ${await response.text()}`);
      }
      await sleep(Number(response.headers.get('retry-after') ?? 1) * 1000, signal);
      continue;
    }
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for await (const chunk of response.body) {
        buffer += decoder.decode(chunk, { stream: true });
        let end = buffer.indexOf('\n\n');
        for (; end !== -1; end = buffer.indexOf('\n\n')) {
          const frame = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const fields = {};
          for (const line of frame.split('\n')) {
            const colon = line.indexOf(':');
            if (colon <= 0) continue; // a comment (heartbeat) or a blank
            fields[line.slice(0, colon)] = line.slice(colon + 1).replace(/^ /, '');
          }
          if (fields.retry) retryMs = Number(fields.retry) || retryMs;
          if (fields.id === undefined || fields.data === undefined) continue;
          last = Number(fields.id);
          yield { id: last, kind: fields.event, item: JSON.parse(fields.data) };
        }
      }
    } catch {
      // the connection broke: reconnect below
    }
    await sleep(retryMs, signal);
  }
}
