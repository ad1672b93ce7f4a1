import type { FastifyInstance, FastifyReply, HTTPMethods, onRequestHookHandler, RouteOptions } from 'fastify';
import { methodNotAllowed } from './errors.js';
import { type ExtraRenderer, negotiate } from './negotiation.js';
import { sendNotFoundPage } from './not-found.js';

// The API's URLs and the methods each allows. Features register their routes on resources
// (routeOn), and the 404 and 405 answers look the URL up in the same table, so the two can never
// disagree. What every API answer carries, and the checks every API request goes through before
// its handler (format and Accept, then the method), are here too.

declare module 'fastify' {
  interface FastifyContextConfig {
    resource?: Resource;
    /** Renderers this route offers besides JSON and HTML (negotiation.ts). */
    renderers?: readonly ExtraRenderer[];
  }
  interface FastifyInstance {
    apiResources: ResourceTable;
  }
}

export interface Resource {
  url: string;
  allow: string;
  pattern: RegExp;
  /** Has a parameter (`:id`): a URL without one that also matches (`/api/items/bulk/`) wins over it. */
  parametric: boolean;
  /**
   * Content negotiation (throws 404/406): DRF's JSON or HTML, and the route's extra renderers,
   * unless the resource renders another type.
   */
  negotiate: (format: string | undefined, accept: string | undefined, extra?: readonly ExtraRenderer[]) => unknown;
}

/** A URL (`/api/items/:id/`) and the methods it allows (`GET, PUT, …`). */
export const defineResource = (
  url: string,
  allow: string,
  negotiateWith: Resource['negotiate'] = negotiate,
): Resource => ({
  url,
  allow,
  negotiate: negotiateWith,
  // Parameters are one path segment; the trailing slash is optional for every method.
  pattern: new RegExp(`^${url.replace(/:\w+/g, '[^/]+').replace(/\/$/, '/?')}$`),
  parametric: /:\w/.test(url),
});

export class ResourceTable {
  /** Resources without parameters, by path (with and without the trailing slash): their URL is their only match. */
  readonly #fixed = new Map<string, Resource>();
  readonly #parametric: Resource[] = [];

  add(resource: Resource): void {
    if (!resource.parametric) {
      for (const path of [resource.url, resource.url.replace(/\/$/, '')]) {
        if (!this.#fixed.has(path)) this.#fixed.set(path, resource);
      }
    } else if (!this.#parametric.includes(resource)) this.#parametric.push(resource);
  }

  /** The resource whose URL matches the path, if any; one without parameters first, as the router decides. */
  find(path: string): Resource | undefined {
    return this.#fixed.get(path) ?? this.#parametric.find((resource) => resource.pattern.test(path));
  }
}

export const pathOf = (url: string): string => {
  const query = url.indexOf('?');
  return query === -1 ? url : url.slice(0, query);
};

/** What every answer on an API URL carries: its allowed methods, and what it varies by (added to any other Vary, such as CORS's Origin). */
export function setApiHeaders(reply: FastifyReply, resource: Resource): FastifyReply {
  const vary = reply.getHeader('vary');
  return reply.header('allow', resource.allow).header('vary', vary ? `${vary}, Accept, Cookie` : 'Accept, Cookie');
}

/**
 * Makes `table` the app's resource table, and gives every route registered on a resource its
 * checks: Allow and Vary on the answer, then `format` and Accept (404/406), then the method (405).
 * A hook per route, which knows its resource (no request.routeOptions object per request).
 */
export function addApiResources(app: FastifyInstance, table: ResourceTable): void {
  app.decorate('apiResources', table);
  const checkRequest =
    (routed: Resource, renderers: readonly ExtraRenderer[] = []): onRequestHookHandler =>
    (request, reply, done) => {
      // The router lets `/api/items/:id` match `/api/items/` and `/api/items//` with an empty id:
      // go by the path, which is the collection (405) or nothing (404).
      const path = pathOf(request.url);
      const resource = table.find(path);
      if (!resource) return void sendNotFoundPage(reply);
      setApiHeaders(reply, resource);
      try {
        resource.negotiate((request.query as { format?: string }).format, request.headers.accept, renderers);
      } catch (error) {
        return done(error as Error);
      }
      if (resource !== routed) return done(methodNotAllowed(request.method, resource.allow));
      done();
    };
  app.addHook('onRoute', (route) => {
    const routed = route.config?.resource as Resource | undefined;
    if (routed) route.onRequest = [checkRequest(routed, route.config?.renderers), ...[route.onRequest ?? []].flat()];
  });
}

/** Registers a route on its URL with and without the trailing slash, answering both alike (no redirect). */
export function routeOn(
  app: FastifyInstance,
  target: Resource,
  method: HTTPMethods,
  options: Omit<RouteOptions, 'method' | 'url'>,
): void {
  app.apiResources.add(target);
  for (const url of [target.url, target.url.slice(0, -1)]) {
    const documented = url === target.url; // the OpenAPI document lists the canonical URL only
    const schema = { ...options.schema, hide: !documented };
    app.route({ ...options, schema, method, url, config: { ...options.config, resource: target } } as RouteOptions);
  }
}

/**
 * Fastify answers 404 for a method no route has; on an API URL that is a 405 with Allow, after
 * content negotiation (the contract's precedence: route → format/Accept → method). Elsewhere it
 * is Django's 404 page.
 */
export function addNotFoundHandler(app: FastifyInstance): void {
  app.setNotFoundHandler(async (request, reply) => {
    const resource = app.apiResources.find(pathOf(request.url));
    if (!resource) return sendNotFoundPage(reply);
    setApiHeaders(reply, resource);
    resource.negotiate((request.query as { format?: string }).format, request.headers.accept);
    throw methodNotAllowed(request.method, resource.allow);
  });
}
