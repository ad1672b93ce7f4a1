// Talking to the API at /api/items/. The API does all validation; this module only sends and
// reads answers. Writes carry the API token when the server needs one (see auth.js).

import { tokenHeaders, tokenRejected } from './auth.js';

export const ITEMS_URL = '/api/items/';
const RETRY_DELAYS_MS = [300, 1000];

export const itemUrl = (id) => `${ITEMS_URL}${encodeURIComponent(id)}/`;

/**
 * One API call: resolves to { status, data, etag }, whatever the status. Rejects only when the
 * server could not be reached (or the call was aborted). A 401 on a write brings back the sign-in
 * form; the caller just stops. The body is sent as JSON, unless a `contentType` says it is
 * already in that type (a CSV file's bytes).
 */
export async function request(method, url, { body, contentType, headers = {}, signal } = {}) {
  const isWrite = !['GET', 'HEAD', 'OPTIONS'].includes(method);
  const all = { accept: 'application/json', ...(isWrite ? tokenHeaders() : {}), ...headers };
  if (body !== undefined) all['content-type'] = contentType ?? 'application/json';
  const response = await fetch(url, {
    method,
    headers: all,
    body: body === undefined || contentType ? body : JSON.stringify(body),
    signal,
  });
  const data = await readJson(response);
  if (response.status === 401 && isWrite) tokenRejected(data?.detail);
  return { status: response.status, data, etag: response.headers.get('etag') };
}

async function readJson(response) {
  const text = await response.text();
  if (!text) return null;
  try {
    return JSON.parse(text);
  } catch {
    return { detail: `Unexpected answer from the server (${response.status}).` };
  }
}

/**
 * Runs `send` again after a lost connection or a 503 (the database is briefly away), a few times.
 * Only for calls that are safe to repeat: reads, and creates that carry an Idempotency-Key.
 */
export async function withRetries(send) {
  for (let attempt = 0; ; attempt++) {
    const last = attempt >= RETRY_DELAYS_MS.length;
    try {
      const answer = await send();
      if (answer.status !== 503 || last) return answer;
    } catch (error) {
      if (error.name === 'AbortError' || last) throw error;
    }
    await new Promise((resolve) => setTimeout(resolve, RETRY_DELAYS_MS[attempt]));
  }
}

/** A fresh key for one intended create (getRandomValues works on plain http too, randomUUID does not). */
export function newIdempotencyKey() {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('');
}

/** How a failed answer reads to a person, for answers that are not about one field. */
export function problemText(answer, doing) {
  if (answer.status === 429) return `Too many requests: wait a moment, then ${doing} again.`;
  if (answer.status === 503) return `The server is busy or its database is away: try to ${doing} again shortly.`;
  return answer.data?.detail ?? `Could not ${doing} (the server answered ${answer.status}).`;
}
