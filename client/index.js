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
