import type { FastifyInstance, FastifyReply, HTTPMethods, RouteOptions } from 'fastify';

// The API's URLs and the methods each allows. Routes are registered from here and the 405
// answer (not-found.ts) reads the same table, so the two can never disagree.

declare module 'fastify' {
  interface FastifyContextConfig {
    resource?: Resource;
  }
}

export interface Resource {
  url: string;
  allow: string;
  pattern: RegExp;
}

const resource = (url: string, allow: string): Resource => ({
  url,
  allow,
  // Parameters are one path segment; the trailing slash is optional for every method.
  pattern: new RegExp(`^${url.replace(/:\w+/g, '[^/]+').replace(/\/$/, '/?')}$`),
});

export const API_ROOT = resource('/api/', 'GET, HEAD, OPTIONS');
export const ITEM_LIST = resource('/api/items/', 'GET, POST, HEAD, OPTIONS');
export const ITEM_DETAIL = resource('/api/items/:id/', 'GET, PUT, PATCH, DELETE, HEAD, OPTIONS');

const RESOURCES = [API_ROOT, ITEM_LIST, ITEM_DETAIL];

export const findResource = (path: string): Resource | undefined => RESOURCES.find((r) => r.pattern.test(path));

/** What every answer on an API URL carries: its allowed methods, and what it varies by (added to any other Vary, such as CORS's Origin). */
export function setApiHeaders(reply: FastifyReply, resource: Resource): FastifyReply {
  const vary = reply.getHeader('vary');
  return reply.header('allow', resource.allow).header('vary', vary ? `${vary}, Accept, Cookie` : 'Accept, Cookie');
}

export const pathOf = (url: string): string => {
  const query = url.indexOf('?');
  return query === -1 ? url : url.slice(0, query);
};

/** Registers a route on its URL with and without the trailing slash, answering both alike (no redirect). */
export function routeOn<T extends FastifyInstance>(
  app: T,
  target: Resource,
  method: HTTPMethods,
  options: Omit<RouteOptions, 'method' | 'url'>,
): void {
  for (const url of [target.url, target.url.slice(0, -1)]) {
    const documented = url === target.url; // the OpenAPI document lists the canonical URL only
    const schema = { ...options.schema, hide: !documented };
    app.route({ ...options, schema, method, url, config: { ...options.config, resource: target } } as RouteOptions);
  }
}
