import { parentPort } from 'node:worker_threads';
import { type BodyForm, type MediaType, parseForm } from './body-parsers.js';

// The worker thread that parses large request bodies (body-thread.ts), so that parsing megabytes
// never holds up the event loop that answers every other request.

export interface ParseRequest {
  id: number;
  form: BodyForm;
  bytes: Uint8Array;
  mediaType: MediaType;
  contentType: string;
  fields: readonly string[];
}

parentPort?.on('message', async ({ id, form, bytes, mediaType, contentType, fields }: ParseRequest) => {
  const result = await parseForm(form, bytes, mediaType, contentType, fields);
  parentPort?.postMessage({ id, result });
});
