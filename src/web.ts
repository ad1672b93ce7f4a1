import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';
import type { Config } from './config.js';

/** Where the page learns how to show prices and whether writes need a token (no secrets in it). */
export const PAGE_SETTINGS_PATH = '/page-settings.json';

export type PageSettingsConfig = Pick<Config, 'priceCurrency' | 'priceMinorUnits' | 'apiToken'>;

/** What the page may know about this server's configuration: never the token itself. */
export function pageSettings(config: PageSettingsConfig) {
  return {
    priceCurrency: config.priceCurrency,
    priceMinorUnits: config.priceMinorUnits,
    writesNeedToken: config.apiToken !== null,
  };
}

/** The item manager page at `/` (public/, plain HTML, CSS and JavaScript: no build step). */
export async function addWebPage(app: FastifyInstance, config: PageSettingsConfig): Promise<void> {
  const body = JSON.stringify(pageSettings(config));
  app.get(PAGE_SETTINGS_PATH, { schema: { hide: true } }, (_request, reply) => {
    // no-cache: a restart with other settings shows at the next page load.
    reply.header('cache-control', 'no-cache').type('application/json').send(body);
  });
  await app.register(fastifyStatic, {
    root: new URL('../public/', import.meta.url).pathname,
    prefix: '/',
    wildcard: false,
    index: ['index.html'],
    schemaHide: true,
  });
}
