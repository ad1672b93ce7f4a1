import { randomUUID } from 'node:crypto';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Config, TrustProxy } from './config.js';
import { type Database, isDatabaseUnavailable } from './db/database.js';
import { healthRoutes } from './health.js';
import { historyFeature } from './history/index.js';
import { createFrameworkErrorHandler } from './http/bad-url.js';
import { addRawBodies } from './http/body.js';
import { createClientErrorHandler } from './http/client-errors.js';
import { addCors } from './http/cors.js';
import { addErrorHandler } from './http/error-handler.js';
import { addJsonContentType, compileSerializer } from './http/json.js';
import { addRateLimit, RawRequestBudget } from './http/rate-limit.js';
import { addApiResources, addNotFoundHandler, ResourceTable } from './http/resources.js';
import { addSecurityHeaders } from './http/security-headers.js';
import { addWriteProtection } from './http/write-protection.js';
import type { FieldTable } from './items/fields.js';
import { itemsContext, itemsFeature } from './items/index.js';
import type { AppLogger } from './logging/logger.js';
import { RequestLog } from './logging/request-log.js';
import { requestLogger } from './logging/request-logger.js';
import { addMetrics } from './metrics.js';
import { addOpenApi } from './openapi.js';
import { addWebPage } from './web.js';

export interface AppDeps {
  database: Database;
  /** The logger and its direct line writer (logging/logger.ts). */
  log: AppLogger;
  /** The item's fields: the declared ones (items/fields.ts) unless a test gives others. */
  fields?: FieldTable;
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
export async function buildApp(config: Config, { database, log, fields }: AppDeps): Promise<FastifyInstance> {
  const { logger } = log;
  const requestLog = new RequestLog(log);
  const rawBudget = new RawRequestBudget();
  const resources = new ResourceTable();
  const app = Fastify({
    loggerInstance: logger as FastifyBaseLogger,
    logController: requestLog,
    childLoggerFactory: requestLogger,
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
    clientErrorHandler: createClientErrorHandler(logger, rawBudget, resources),
    frameworkErrors: createFrameworkErrorHandler(requestLog),
    // Query strings as Django reads them: `+` is a space and the last of repeated keys wins.
    // A path parameter as long as a URL can be: an item id of any length is a 404, as Django answers
    // (the router's default, 100 characters, would answer 414).
    routerOptions: {
      querystringParser: (query) => Object.fromEntries(new URLSearchParams(query)),
      maxParamLength: MAX_URL_BYTES,
    },
  });

  // Requests are read by DRF's rules, which no schema validator expresses: a body is parsed after
  // the item lookup (http/body.ts) and validated with DRF's messages (items/validation.ts), an id
  // that is not an integer is a 404, `?limit=abc` is no limit rather than an error. So Fastify
  // validates nothing; the route schemas serialize the answers and describe the API.
  app.setValidatorCompiler(() => () => true);
  addApiResources(app, resources);
  addRawBodies(app);
  app.setSerializerCompiler(compileSerializer);
  addJsonContentType(app);

  addSecurityHeaders(app);
  // Every request counts against the rate limit, before CORS, authentication or routing decide.
  await addRateLimit(app, config.rateLimitPerMinute, rawBudget);
  await addCors(app, config.corsOrigins);
  addErrorHandler(app, isDatabaseUnavailable);
  addNotFoundHandler(app);
  if (config.metricsEnabled) addMetrics(app, database);
  addWriteProtection(app, config.apiToken);

  app.addHook('onClose', () => database.close());
  const items = itemsContext(database, config, fields);
  await addOpenApi(app, items.schemas);
  await addWebPage(app, config);
  await app.register(healthRoutes, { db: database.db });
  await app.register(itemsFeature, { items });
  await app.register(historyFeature, {
    database,
    settings: {
      retentionDays: config.historyRetentionDays,
      pageMaxLimit: config.pageMaxLimit,
      maxClients: config.eventsMaxClients,
    },
  });
  return app;
}
