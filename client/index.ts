import createClient, { type Client } from 'openapi-fetch';
import type { paths } from './schema.js';

// A tiny typed client for the pricebook API: paths, parameters, bodies and answers are checked
// against the OpenAPI document the server serves (client/schema.d.ts, from client/openapi.json;
// regenerate both with `npm run client:generate`).
//
//   const api = createPricebookClient('http://127.0.0.1:8000');
//   const { data, error } = await api.GET('/api/items/', { params: { query: { search: 'apple' } } });

export type { paths } from './schema.js';

export type PricebookClient = Client<paths>;

/** An item as the API returns it. */
export type Item = paths['/api/items/{id}/']['get']['responses'][200]['content']['application/json'];

/** A 400 answer: a map from field to messages, or `{"detail": …}`. */
export type ValidationError = paths['/api/items/']['post']['responses'][400]['content']['application/json'];

export function createPricebookClient(baseUrl: string, options: { fetch?: typeof fetch } = {}): PricebookClient {
  return createClient<paths>({ baseUrl: baseUrl.replace(/\/+$/, ''), fetch: options.fetch });
}
