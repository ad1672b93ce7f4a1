import type { FastifyInstance } from 'fastify';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { Database } from './db/database.js';

/**
 * Prometheus metrics at /metrics: requests by route and status, a latency histogram, the
 * database pool, and Node's own figures (event-loop lag, heap, GC, handles). Each worker process
 * of WORKERS > 1 reports its own.
 */
export function addMetrics(app: FastifyInstance, database: Database): void {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const requests = new Counter({
    name: 'http_requests_total',
    help: 'HTTP requests answered, by method, route and status code',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'Time from request to response, by method and route',
    labelNames: ['method', 'route'] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  for (const [name, help, pick] of [
    ['db_pool_connections', 'Open database connections', 'total'],
    ['db_pool_idle_connections', 'Idle database connections', 'idle'],
    ['db_pool_waiting_requests', 'Queries waiting for a database connection', 'waiting'],
  ] as const) {
    new Gauge({
      name,
      help,
      registers: [registry],
      collect() {
        this.set(database.poolStats()[pick]);
      },
    });
  }

  // prom-client hashes the labels on every call; keep the labelled children instead.
  const children = new Map<string, { inc(): void; observe(value: number): void }>();
  app.addHook('onResponse', (request, reply, done) => {
    const { method } = request;
    const route = request.routeOptions.url ?? 'unmatched';
    const status = String(reply.statusCode);
    const key = `${method} ${route} ${status}`;
    let child = children.get(key);
    if (!child) {
      const counter = requests.labels(method, route, status);
      const timer = duration.labels(method, route);
      child = { inc: () => counter.inc(), observe: (value) => timer.observe(value) };
      children.set(key, child);
    }
    child.inc();
    child.observe(reply.elapsedTime / 1000);
    done();
  });
  app.get('/metrics', async (_request, reply) => reply.type(registry.contentType).send(await registry.metrics()));
}
