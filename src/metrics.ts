import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance, onResponseHookHandler } from 'fastify';
import { collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import type { Database } from './db/database.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** Serves /metrics on a listener of its own (server.ts: METRICS_PORT on HOST); closed with the app. */
    listenForMetrics(port: number, host: string): Promise<AddressInfo>;
  }
}

/**
 * Prometheus metrics: requests by route and status, a latency histogram, the database pool, and
 * Node's own figures (event-loop lag, heap, GC, handles). Each worker process of WORKERS > 1
 * reports its own. Served at /metrics on a listener of their own (listenForMetrics): the public
 * port, which a load balancer exposes, never answers them.
 */
export function addMetrics(app: FastifyInstance, database: Database): void {
  const registry = new Registry();
  // The event-loop lag histogram samples on a timer: every 10 ms (prom-client's default) keeps an
  // idle server waking 100 times a second; a stall still shows as one long sample at 100 ms.
  collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: 100 });
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

  // Requests are counted in plain numbers and rendered at scrape time: prom-client's labelled
  // metrics cost more per request (label hashing) than the rest of the bookkeeping together.
  // Matched routes get a hook of their own, which knows its route (no request.routeOptions).
  const http = new HttpMetrics();
  app.addHook('onRoute', (route) => {
    const record: onResponseHookHandler = (request, reply, done) => {
      http.series(request.method, route.url).record(reply.statusCode, reply.elapsedTime);
      done();
    };
    route.onResponse = [...[route.onResponse ?? []].flat(), record];
  });
  app.addHook('onResponse', (request, reply, done) => {
    if (request.is404) http.series(request.method, 'unmatched').record(reply.statusCode, reply.elapsedTime);
    done();
  });
  const server = createServer((request, response) => {
    if (request.method !== 'GET' || request.url?.split('?', 1)[0] !== '/metrics') {
      response.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('Not Found\n');
      return;
    }
    registry.metrics().then((defaults) => {
      response.writeHead(200, { 'content-type': registry.contentType }).end(`${http.render()}${defaults}`);
    });
  });
  app.decorate('listenForMetrics', (port: number, host: string) => listen(server, port, host));
  app.addHook('onClose', (_app, done) => (server.listening ? server.close(() => done()) : done()));
}

function listen(server: Server, port: number, host: string): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve(server.address() as AddressInfo));
  });
}

const BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];
const label = (value: string) => `"${value.replace(/[\\"\n]/g, (c) => (c === '\n' ? '\\n' : `\\${c}`))}"`;

class RouteSeries {
  readonly statuses = new Map<number, number>();
  readonly buckets = new Float64Array(BUCKETS.length);
  sum = 0;
  count = 0;

  constructor(readonly labels: string) {}

  record(status: number, elapsedMs: number): void {
    this.statuses.set(status, (this.statuses.get(status) ?? 0) + 1);
    const seconds = elapsedMs / 1000;
    this.sum += seconds;
    this.count++;
    const bucket = BUCKETS.findIndex((bound) => seconds <= bound);
    if (bucket >= 0) this.buckets[bucket] = (this.buckets[bucket] ?? 0) + 1;
  }
}

/** http_requests_total and http_request_duration_seconds, in Prometheus' text format. */
class HttpMetrics {
  readonly #series = new Map<string, RouteSeries>();

  series(method: string, route: string): RouteSeries {
    const key = `${method} ${route}`;
    let series = this.#series.get(key);
    if (!series) {
      series = new RouteSeries(`method=${label(method)},route=${label(route)}`);
      this.#series.set(key, series);
    }
    return series;
  }

  render(): string {
    const all = [...this.#series.values()];
    const lines = [
      '# HELP http_requests_total HTTP requests answered, by method, route and status code',
      '# TYPE http_requests_total counter',
      ...all.flatMap((s) =>
        [...s.statuses].map(([status, n]) => `http_requests_total{${s.labels},status="${status}"} ${n}`),
      ),
      '',
      '# HELP http_request_duration_seconds Time from request to response, by method and route',
      '# TYPE http_request_duration_seconds histogram',
    ];
    for (const s of all) {
      let cumulative = 0;
      BUCKETS.forEach((bound, i) => {
        cumulative += s.buckets[i] ?? 0;
        lines.push(`http_request_duration_seconds_bucket{le="${bound}",${s.labels}} ${cumulative}`);
      });
      lines.push(
        `http_request_duration_seconds_bucket{le="+Inf",${s.labels}} ${s.count}`,
        `http_request_duration_seconds_sum{${s.labels}} ${s.sum}`,
        `http_request_duration_seconds_count{${s.labels}} ${s.count}`,
      );
    }
    return `${lines.join('\n')}\n\n`;
  }
}
