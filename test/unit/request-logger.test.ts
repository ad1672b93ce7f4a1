import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { FastifyBaseLogger } from 'fastify';
import { createLogger } from '../../src/logging/logger.js';
import { requestLogger } from '../../src/logging/request-logger.js';

const capture = () => {
  const lines: string[] = [];
  const { logger } = createLogger({ logLevel: 'debug', logFile: '' }, { write: (line: string) => lines.push(line) });
  return { lines, logger: logger as unknown as FastifyBaseLogger };
};
const withoutTime = (line: string) => JSON.parse(line, (key, value) => (key === 'time' ? undefined : value));

test("a request's logger writes what a pino child would, bindings and level included", () => {
  const lazy = capture();
  const eager = capture();
  const bindings = { request_id: 'req-1' };
  const loggers = [requestLogger(lazy.logger, bindings, {}), eager.logger.child(bindings)];
  for (const log of loggers) {
    log.info({ a: 1 }, 'first');
    log.warn('second %s', 'arg');
    log.debug('third');
    log.error(new Error('boom'), 'fourth');
    log.child({ extra: true }).info('fifth');
    log.fatal('sixth');
    log.trace('not written: below debug');
    log.silent('never written');
  }
  assert.equal(lazy.lines.length, 6);
  assert.deepEqual(lazy.lines.map(withoutTime), eager.lines.map(withoutTime));
  assert.equal(withoutTime(lazy.lines[0] as string).request_id, 'req-1');
  assert.equal(withoutTime(lazy.lines[4] as string).extra, true);
});

test("a request's logger becomes a pino child only when it is first used, and keeps the route's level", () => {
  const { lines, logger } = capture();
  let children = 0;
  const counting = Object.create(logger, {
    child: {
      value: (...args: Parameters<FastifyBaseLogger['child']>) => {
        children++;
        return logger.child(...args);
      },
    },
  }) as FastifyBaseLogger;
  const log = requestLogger(counting, { request_id: 'r' }, { level: 'warn' });
  assert.equal(log.level, 'warn');
  assert.equal(children, 0);
  log.info('filtered by the route level');
  log.warn('kept');
  log.warn('kept too');
  assert.equal(children, 1);
  assert.deepEqual(
    lines.map((line) => JSON.parse(line).message),
    ['kept', 'kept too'],
  );
  log.level = 'error';
  log.warn('now filtered');
  assert.equal(lines.length, 2);
  assert.equal((log as unknown as { isLevelEnabled(level: string): boolean }).isLevelEnabled('error'), true);
});
