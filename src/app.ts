import { randomUUID } from 'node:crypto';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Config, TrustProxy } from './config.js';
import type { Database } from './db/database.js';
import { healthRoutes } from './health.js';
import { createFrameworkErrorHandler } from './http/bad-url.js';
import { addRawBodies } from './http/body.js';
import { createClientErrorHandler } from './http/client-errors.js';
import { addCors } from './http/cors.js';
import { addErrorHandler } from './http/error-handler.js';
import { addJsonContentType, compileSerializer } from './http/json.js';
import { addNotFoundHandler } from './http/not-found.js';
import { addRateLimit, RawRequestBudget } from './http/rate-limit.js';
import { addSecurityHeaders } from './http/security-headers.js';
import { addWriteProtection } from './http/write-protection.js';
import { itemRoutes } from './items/routes.js';
import { createItemStore } from './items/store.js';
import type { AppLogger } from './logging/logger.js';
import { RequestLog } from './logging/request-log.js';
import { addMetrics } from './metrics.js';
import { addOpenApi } from './openapi.js';
import { addWebPage } from './web.js';

export interface AppDeps {
  database: Database;
  /** The logger and its direct line writer (logging/logger.ts). */
  log: AppLogger;
}

const REQUEST_ID = /^[\w.:@/+=-]{1,200}$/;

/** Node's limit on the request line and headers together (--max-http-header-size). */
const MAX_URL_BYTES = 16 * 1024;

/** How often the request and header timeouts are checked: a slow client is cut this soon after its time. */
const TIMEOUT_CHECK_MS = 250;

/** A hop count as proxy-addr reads it (Fastify's types take only the function form). */
const trustProxyOf = (trust: TrustProxy) =>
  typeof trust === 'number' ? (_address: string, hop: number) => hop < trust : trust;

/** One Fastify instance: HTTP behaviour of the contract first, then the features. */
export async function buildApp(config: Config, { database, log }: AppDeps): Promise<FastifyInstance> {
  const { logger } = log;
  const requestLog = new RequestLog(log);
  const rawBudget = new RawRequestBudget();
  const app = Fastify({
    loggerInstance: logger as FastifyBaseLogger,
    logController: requestLog,
    genReqId: (request) => {
      const given = request.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    },
    bodyLimit: config.bodyLimit,
    requestTimeout: config.requestTimeoutMs,
    // Node checks the timeouts of open connections every 30 s unless told otherwise: a slow client
    // would be cut up to 30 s late.
    http: { headersTimeout: config.headersTimeoutMs, connectionsCheckingInterval: TIMEOUT_CHECK_MS },
    trustProxy: trustProxyOf(config.trustProxy),
    clientErrorHandler: createClientErrorHandler(logger, rawBudget),
    frameworkErrors: createFrameworkErrorHandler(requestLog),
    // Query strings as Django reads them: `+` is a space and the last of repeated keys wins.
    // A path parameter as long as a URL can be: an item id of any length is a 404, as Django answers
    // (the router's default, 100 characters, would answer 414).
    routerOptions: {
      querystringParser: (query) => Object.fromEntries(new URLSearchParams(query)),
      maxParamLength: MAX_URL_BYTES,
    },
  });

  // Bodies arrive as raw bytes; the API parses them itself after the item lookup (http/body.ts).
  // Validation is DRF's (items/validation.ts, with the limits of items/schema.ts); the schemas on
  // routes serialize responses and document the API.
  app.setValidatorCompiler(() => () => true);
  addRawBodies(app);
  app.setSerializerCompiler(compileSerializer);
  addJsonContentType(app);

  addSecurityHeaders(app);
  // Every request counts against the rate limit, before CORS, authentication or routing decide.
  await addRateLimit(app, config.rateLimitPerMinute, rawBudget);
  await addCors(app, config.corsOrigins);
  addErrorHandler(app);
  addNotFoundHandler(app);
  if (config.metricsEnabled) addMetrics(app, database);
  addWriteProtection(app, config.apiToken);

  app.addHook('onClose', () => database.close());
  await addOpenApi(app);
  await addWebPage(app, config);
  await app.register(healthRoutes, { db: database.db });
  await app.register(itemRoutes, {
    store: createItemStore(database.db, database.kind, database.directRead),
    idempotencyTtlSeconds: config.idempotencyTtlSeconds,
    pageMaxLimit: config.pageMaxLimit,
  });
  return app;
}
