import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance } from 'fastify';
import { detail } from './errors.js';

const EXEMPT = new Set(['/healthz', '/readyz', '/metrics']);

/**
 * Optional (RATE_LIMIT requests per minute per client address; off by default): 429 with DRF's
 * throttling message and Retry-After. Counters live in each process, so with N replicas the
 * effective limit is up to N times higher; put a shared limit at the load balancer if that matters.
 */
export async function addRateLimit(app: FastifyInstance, perMinute: number): Promise<void> {
  if (perMinute <= 0) return;
  await app.register(rateLimit, {
    max: perMinute,
    timeWindow: 60_000,
    allowList: (request) => EXEMPT.has(request.url.split('?', 1)[0] as string),
    errorResponseBuilder: (_request, context) =>
      detail(429, `Request was throttled. Expected available in ${Math.ceil(context.ttl / 1000)} seconds.`, {
        'retry-after': String(Math.ceil(context.ttl / 1000)),
      }),
  });
}
