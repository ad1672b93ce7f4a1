import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { RequestLog } from '../../src/http/request-log.js';

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
