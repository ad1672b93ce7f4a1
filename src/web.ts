import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';

/** The item manager page at `/` (public/, plain HTML, CSS and JavaScript: no build step). */
export async function addWebPage(app: FastifyInstance): Promise<void> {
  await app.register(fastifyStatic, {
    root: new URL('../public/', import.meta.url).pathname,
    prefix: '/',
    wildcard: false,
    index: ['index.html'],
    schemaHide: true,
  });
}
