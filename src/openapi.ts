import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import { errorDocs, errorResponses, successDocs } from './items/docs.js';

/**
 * The OpenAPI 3.1 document, generated from the same TypeBox schemas the routes serialize with,
 * at /api/schema/, and interactive documentation at /api/docs/. Register before the routes.
 */
export async function addOpenApi(app: FastifyInstance): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'pricebook',
        version: '1.0.0',
        description:
          'Product names and prices for front ends; a drop-in replacement for the Django REST Framework items API. ' +
          'Errors are `{"detail": "…"}` or, for invalid fields, a map from field name to a list of messages.',
      },
      tags: [{ name: 'items' }],
    },
    // Error responses, and the list's two shapes, are documented here only (see items/docs.ts).
    transform: ({ schema, url, route }) => {
      const codes = errorDocs[`${route.method} ${url.replace(/:(\w+)/g, '{$1}')}`];
      if (!codes || !schema) return { schema, url };
      const success = { ...(schema.response as Record<string, unknown>), ...successDocs[`${route.method} ${url}`] };
      return { schema: { ...schema, response: { ...errorResponses(codes), ...success } }, url };
    },
  });
  await app.register(swaggerUi, { routePrefix: '/api/docs', uiConfig: { docExpansion: 'list' } });
  app.get('/api/schema/', { schema: { hide: true } }, async () => app.swagger());
}
