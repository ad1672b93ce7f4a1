import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { createLogger } from '../../src/logging/logger.js';
import { RequestLog } from '../../src/logging/request-log.js';

// The log controller's error hooks write the error's name, code and message, never its stack.
test('stream, write-head and serializer errors are logged without a stack', () => {
  const lines: Array<{ level: string; fields: Record<string, unknown>; message: string }> = [];
  const log = Object.fromEntries(
    ['info', 'warn', 'error'].map((level) => [
      level,
      (fields: Record<string, unknown>, message: string) => lines.push({ level, fields, message }),
    ]),
  );
  const request = { log, method: 'GET', url: '/api/items/?x=1' } as unknown as FastifyRequest;
  const reply = { log, statusCode: 500, elapsedTime: 1.23456 } as unknown as FastifyReply;
  const error = Object.assign(new Error('boom'), { code: 'E_TEST' });
  const controller = new RequestLog();
  controller.streamError(error, request, reply);
  controller.writeHeadError(error, request, reply);
  controller.serializerError(error, request, reply);
  controller.requestCompleted(error, request, reply);
  assert.deepEqual(
    lines.map((line) => [line.level, line.message]),
    [
      ['warn', 'Response stream failed after the headers were sent'],
      ['warn', 'Could not write the response head'],
      ['error', 'Response serialization failed'],
      ['info', '[RESPONSE] GET /api/items/ - 500'],
      ['error', 'Internal Server Error: /api/items/'],
    ],
  );
  for (const line of lines.slice(0, 3)) {
    assert.deepEqual(line.fields, { err_name: 'Error', err_code: 'E_TEST', err_message: 'boom' });
  }
  assert.equal(lines[3]?.fields.duration_ms, 1.235);
  for (const { fields } of lines) {
    for (const value of Object.values(fields)) assert.doesNotMatch(String(value), /\n\s+at /, 'no stack frames');
  }
});

test('a client that leaves before a stream ends is not a warning', () => {
  const lines: string[] = [];
  const log = { warn: (_fields: unknown, message: string) => lines.push(message) };
  const reply = { log } as unknown as FastifyReply;
  const left = Object.assign(new Error('Premature close'), { code: 'ERR_STREAM_PREMATURE_CLOSE' });
  new RequestLog().streamError(left, {} as FastifyRequest, reply);
  assert.deepEqual(lines, []);
  new RequestLog().streamError(Object.assign(new Error('EPIPE'), { code: 'EPIPE' }), {} as FastifyRequest, reply);
  assert.deepEqual(lines, ['Response stream failed after the headers were sent']);
});

// The request lines are written directly, not through pino: they must be exactly what pino writes.
for (const workers of [1, 2]) {
  test(`request lines written directly match pino's own lines (WORKERS=${workers})`, () => {
    const written: string[] = [];
    const stream = new Writable({
      write(chunk, _encoding, done) {
        written.push(String(chunk));
        done();
      },
    });
    const log = createLogger({ logLevel: 'info', logFile: null, workers }, stream);
    const { logger } = log;
    const controller = new RequestLog(log);
    const id = 'req-"quoted"\\id';
    const url = '/api/items/"x"\u2028\u00e9\u0001/?q=1';
    const child = logger.child({ request_id: id });
    const request = { id, method: 'GET', url, log: child } as unknown as FastifyRequest;
    const reply = { statusCode: 200, elapsedTime: 2.34567 } as unknown as FastifyReply;
    controller.incomingRequest(request);
    controller.requestCompleted(null, request, reply);
    const path = '/api/items/"x"\u2028\u00e9\u0001/';
    child.info({ method: 'GET' }, `[REQUEST] GET ${path}`);
    child.info({ method: 'GET', status_code: 200, duration_ms: 2.346 }, `[RESPONSE] GET ${path} - 200`);
    assert.equal(written.length, 4);
    const withoutTime = (line: string) => line.replace(/"time":"[^"]+"/, '"time":"T"');
    assert.equal(withoutTime(written[0] as string), withoutTime(written[2] as string));
    assert.equal(withoutTime(written[1] as string), withoutTime(written[3] as string));
    assert.equal(JSON.parse(written[0] as string).request_id, id);
    if (workers > 1) assert.equal(JSON.parse(written[0] as string).pid, process.pid);
  });
}

test('with the level above info, no request line is written', () => {
  const written: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      written.push(String(chunk));
      done();
    },
  });
  const log = createLogger({ logLevel: 'warn', logFile: null }, stream);
  const { logger } = log;
  const controller = new RequestLog(log);
  const request = { id: 'r', method: 'GET', url: '/api/items/', log: logger.child({ request_id: 'r' }) };
  controller.incomingRequest(request as unknown as FastifyRequest);
  controller.requestCompleted(
    null,
    request as unknown as FastifyRequest,
    {
      statusCode: 200,
      elapsedTime: 1,
    } as unknown as FastifyReply,
  );
  assert.deepEqual(written, []);
});
