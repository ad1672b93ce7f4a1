import { createLogger } from '../src/logging.js';
const { logger, flush } = createLogger({ logLevel: 'info', logFile: '/tmp/_logbench.log' });
const N = 200000;
const c0 = process.cpuUsage();
for (let i = 0; i < N; i++) {
  const child = logger.child({ request_id: 'a1b2c3d4-e5f6-4711-8888-123456789abc' });
  child.info({ method: 'GET', path: '/api/items/123/' }, '[REQUEST] GET /api/items/123/');
  child.info({ method: 'GET', path: '/api/items/123/', status_code: 200, duration_ms: 0.532 }, '[RESPONSE] GET /api/items/123/ - 200');
  if (i % 1000 === 0) await new Promise((r) => setImmediate(r));
}
await flush();
const c = process.cpuUsage(c0);
console.error('cpu per request (2 lines):', ((c.user + c.system) / N).toFixed(2), 'us; sys', (c.system / N).toFixed(2));
