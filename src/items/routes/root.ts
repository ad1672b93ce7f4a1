import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { routeOn } from '../../http/resources.js';
import { originOf } from '../context.js';
import { docs } from '../docs.js';
import { rootMetadata } from '../metadata.js';
import { API_ROOT } from '../urls.js';

// /api/: DRF's router root, the links to the collections.

export function rootRoutes(app: FastifyInstance): void {
  routeOn(app, API_ROOT, 'GET', {
    schema: { ...docs.root, response: { 200: Type.Object({ items: Type.String({ format: 'uri' }) }) } },
    handler: async (request) => ({ items: `${originOf(request)}/api/items/` }),
  });
  routeOn(app, API_ROOT, 'OPTIONS', { schema: docs.options, handler: async () => rootMetadata });
}
