import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { detail } from './errors.js';

const EXEMPT = new Set(['/healthz', '/readyz']);

/**
 * The budget of requests Node rejects before Fastify sees them (an unknown method is answered
 * from the raw request line, http/client-errors.ts): they count against the client's limit too.
 * Set once the limit is known; until then, and without RATE_LIMIT, nothing is limited.
 */
export class RawRequestBudget {
  /** Seconds until the client may try again, when it is over its limit. */
  overLimit: (address: string) => Promise<number | undefined> = async () => undefined;
}

const throttled = (seconds: number) =>
  detail(429, `Request was throttled. Expected available in ${seconds} seconds.`, { 'retry-after': String(seconds) });

/**
 * Optional (RATE_LIMIT requests per minute per client address; off by default): 429 with DRF's
 * throttling message and Retry-After. Every request counts, before anything else is checked —
 * a wrong token (401), an unknown URL (404) or method (405) too, so guessing is throttled as well.
 * Counters live in each process, so with N replicas the effective limit is up to N times higher;
 * put a shared limit at the load balancer if that matters.
 */
export async function addRateLimit(app: FastifyInstance, perMinute: number, raw: RawRequestBudget): Promise<void> {
  if (perMinute <= 0) return;
  await app.register(rateLimit, {
    global: false,
    max: perMinute,
    timeWindow: 60_000,
    allowList: (request) => EXEMPT.has(request.url.split('?', 1)[0] as string),
    errorResponseBuilder: (_request, context) => throttled(Math.ceil(context.ttl / 1000)),
  });
  app.addHook('onRequest', app.rateLimit());
  const check = app.createRateLimit();
  raw.overLimit = async (address) => {
    const result = await check({ ip: address, url: '', routeOptions: { config: {} } } as unknown as FastifyRequest);
    return 'isExceeded' in result && result.isExceeded ? result.ttlInSeconds : undefined;
  };
}
