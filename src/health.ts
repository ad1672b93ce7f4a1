import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import type { Db } from './db/database.js';
import { databaseUnavailable } from './http/errors.js';

/**
 * /healthz: liveness, what the load balancer checks — the process answers; it never touches
 * the database, so a database outage does not get every replica killed.
 * /readyz: readiness — the database answers and the process is not stopping.
 */
export async function healthRoutes(app: FastifyInstance, { db }: { db: Db }): Promise<void> {
  let stopping = false;
  app.addHook('preClose', async () => {
    stopping = true;
  });

  app.get('/healthz', async (_request, reply) => reply.type('text/html; charset=utf-8').send('OK'));

  app.get('/readyz', async (_request, reply) => {
    if (stopping) return reply.code(503).send({ detail: 'Stopping.' });
    try {
      await sql`select 1`.execute(db);
    } catch {
      throw databaseUnavailable();
    }
    return { status: 'ready' };
  });
}
