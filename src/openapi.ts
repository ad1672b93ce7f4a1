import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import fastifyStatic from '@fastify/static';
import swagger from '@fastify/swagger';
import type { FastifyInstance } from 'fastify';
import { HISTORY_DOCUMENT } from './history/docs.js';
import { completeDocument, DOCUMENT_INFO } from './items/docs.js';
import type { ItemSchemas } from './items/schema.js';

/**
 * The OpenAPI 3.1 document at /api/schema/, generated from the routes and the TypeBox schemas
 * they serialize with (items/schema.ts, items/docs.ts), and interactive documentation at
 * /api/docs/. Register before the routes.
 */
export async function addOpenApi(app: FastifyInstance, schemas: ItemSchemas): Promise<void> {
  await app.register(swagger, {
    openapi: { openapi: '3.1.0', info: DOCUMENT_INFO },
    // The routes give their parameters; the rest of each operation is in items/docs.ts.
    transformObject: (generated) =>
      completeDocument(
        (generated as { openapiObject: Parameters<typeof completeDocument>[0] }).openapiObject,
        schemas,
        [HISTORY_DOCUMENT],
      ),
  });
  app.get('/api/schema/', { schema: { hide: true } }, async () => app.swagger());
  await addDocsPage(app);
}

// Swagger UI's own files from swagger-ui-dist (only the two the page loads: the package also holds
// a demo page that loads a remote pet store), and a page of ours that points it at /api/schema/.
// (@fastify/swagger-ui does the same, but loading and registering it slows every cold start.)
const SWAGGER_UI_FILES = new Set(['/swagger-ui.css', '/swagger-ui-bundle.js']);
const DOCS_PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>pricebook API</title>
<link rel="stylesheet" href="/api/docs/static/swagger-ui.css">
</head>
<body>
<div id="swagger-ui"></div>
<script src="/api/docs/static/swagger-ui-bundle.js"></script>
<script src="/api/docs/init.js"></script>
</body>
</html>
`;
const DOCS_INIT = `window.ui = SwaggerUIBundle({ url: '/api/schema/', dom_id: '#swagger-ui', docExpansion: 'list', deepLinking: true });\n`;

async function addDocsPage(app: FastifyInstance): Promise<void> {
  const assets = dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));
  await app.register(fastifyStatic, {
    root: assets,
    prefix: '/api/docs/static/',
    decorateReply: false,
    schemaHide: true,
    allowedPath: (path) => SWAGGER_UI_FILES.has(path),
  });
  const page = { schema: { hide: true } };
  for (const url of ['/api/docs', '/api/docs/']) {
    app.get(url, page, (_request, reply) => reply.type('text/html; charset=utf-8').send(DOCS_PAGE));
  }
  app.get('/api/docs/init.js', page, (_request, reply) => reply.type('text/javascript; charset=utf-8').send(DOCS_INIT));
}
