import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { describe, test } from 'node:test';
import { backends } from '../helpers/backends.js';
import { build } from '../helpers/build.js';
import { hasMessage, listen, rawExchange, readLogFile, seed, send, sendJson } from '../helpers/http.js';
import { outsideTheApi } from '../helpers/openapi.js';

// Logging (issue 2, contract §11): one JSON line per request and per response, on the console
// and in the log file, plus Django's "<Reason>: <path>" line for every 4xx/5xx; no stack traces.

type Line = Record<string, unknown>;
const TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+00:00$/;

const byMessage = (lines: Line[], message: string) => lines.filter((line) => line.message === message);

function assertRequestPair(lines: Line[], method: string, path: string, status: number, requestId: string): void {
  const [request, ...moreRequests] = byMessage(lines, `[REQUEST] ${method} ${path}`);
  const [response, ...moreResponses] = byMessage(lines, `[RESPONSE] ${method} ${path} - ${status}`);
  assert.ok(request, `[REQUEST] ${method} ${path} in ${JSON.stringify(lines)}`);
  assert.ok(response, `[RESPONSE] ${method} ${path} - ${status}`);
  assert.equal(moreRequests.length, 0);
  assert.equal(moreResponses.length, 0);
  assert.equal(request.request_id, requestId);
  assert.equal(request.method, method);
  assert.equal(request.path, undefined, 'the path is in the message only');
  assert.match(String(request.time), TIME);
  assert.equal(response.request_id, requestId);
  assert.equal(response.method, method);
  assert.equal(response.path, undefined);
  assert.equal(response.status_code, status);
  assert.equal(typeof response.duration_ms, 'number');
  assert.ok((response.duration_ms as number) >= 0);
  assert.match(String(response.time), TIME);
  assert.ok(String(response.time) >= String(request.time));
  for (const line of [request, response]) {
    const keys = Object.keys(line);
    assert.equal(keys.at(-1), 'message', 'message is the last key');
    for (const key of ['message', 'time', 'request_id', 'method']) assert.ok(keys.includes(key), key);
  }
}

const assertNoStackTrace = (text: string) => {
  assert.doesNotMatch(text, /"stack"|\n\s+at |\\n\s+at /);
};

for (const backend of backends) {
  describe(`logging (${backend})`, () => {
    test('one request: [REQUEST] and [RESPONSE] lines with the structured fields, on the console and in the file', async (t) => {
      const built = await build(t, backend);
      const { app, consoleLines } = built;
      const res = await send(app, 'GET', '/api/items/?product=x&format=json');
      assert.equal(res.status, 200);
      const requestId = String(res.headers['x-request-id']);
      assert.ok(requestId.length > 0);
      assertRequestPair(consoleLines(), 'GET', '/api/items/', 200, requestId);
      const { lines } = await readLogFile(built, hasMessage('[RESPONSE] GET /api/items/ - 200'));
      assertRequestPair(lines, 'GET', '/api/items/', 200, requestId);
    });

    test('a long path is written once per line and cut at 1,024 characters', async (t) => {
      const built = await build(t, backend);
      const path = `/api/items/${'x'.repeat(15_000)}/`;
      assert.equal((await send(built.app, 'GET', path)).status, 404);
      const cut = `${path.slice(0, 1024)}…(${path.length - 1024} more characters)`;
      const { lines, text } = await readLogFile(built, hasMessage(`Not Found: ${cut}`));
      assert.deepEqual(
        lines.map((line) => line.message),
        [`[REQUEST] GET ${cut}`, `[RESPONSE] GET ${cut} - 404`, `Not Found: ${cut}`],
      );
      assert.ok(text.length < 4 * 1024, `${text.length} bytes written for a 15 KB path`);
      const consoleText = built
        .consoleLines()
        .map((line) => JSON.stringify(line))
        .join('\n');
      assert.ok(consoleText.length < 4 * 1024, 'the console line too');
    });

    test('a given X-Request-Id is used in the lines and echoed; an unsafe one is replaced', async (t) => {
      const { app, consoleLines } = await build(t, backend);
      const given = await send(app, 'GET', '/api/', { headers: { 'x-request-id': 'abc-123.req' } });
      assert.equal(given.headers['x-request-id'], 'abc-123.req');
      assertRequestPair(consoleLines(), 'GET', '/api/', 200, 'abc-123.req');
      const unsafe = await send(app, 'GET', '/healthz', { headers: { 'x-request-id': 'bad id"\\' } });
      assert.match(String(unsafe.headers['x-request-id']), /^[0-9a-f-]{36}$/);
      assertRequestPair(consoleLines(), 'GET', '/healthz', 200, String(unsafe.headers['x-request-id']));
    });

    test('a 404 logs "Not Found: <path>" with status_code 404, in both destinations', async (t) => {
      const built = await build(t, backend);
      const { app, consoleLines } = built;
      const res = await send(app, 'GET', '/api/items/9/');
      assert.equal(res.status, 404);
      const file = await readLogFile(built, hasMessage('Not Found: /api/items/9/'));
      for (const lines of [consoleLines(), file.lines]) {
        assertRequestPair(lines, 'GET', '/api/items/9/', 404, String(res.headers['x-request-id']));
        const [line] = byMessage(lines, 'Not Found: /api/items/9/');
        assert.ok(line);
        assert.equal(line.status_code, 404);
        assert.equal(line.level, 'warn');
        assert.match(String(line.time), TIME);
      }
    });

    test('every 4xx has its reason line; successes have none; no stack trace anywhere', async (t) => {
      const built = await build(t, backend);
      const { app, store, consoleLines } = built;
      await seed(store, { product: 'Apple', price: 1 });
      const cases: Array<[string, string, string | undefined, string | undefined, Record<string, string>, string]> = [
        ['POST', '/api/items/', '{"product":', 'application/json', {}, 'Bad Request: /api/items/'],
        ['POST', '/api/items/', '{}', 'application/json', {}, 'Bad Request: /api/items/'],
        ['GET', '/nowhere', undefined, undefined, {}, 'Not Found: /nowhere'],
        ['DELETE', '/api/items/', undefined, undefined, {}, 'Method Not Allowed: /api/items/'],
        ['GET', '/api/items/', undefined, undefined, { accept: 'application/xml' }, 'Not Acceptable: /api/items/'],
        ['POST', '/api/items/', 'x', 'text/plain', {}, 'Unsupported Media Type: /api/items/'],
      ];
      for (const [method, url, body, type, headers, message] of cases) {
        const request = () => send(app, method, url, { body, type, headers });
        const res = url === '/nowhere' ? await outsideTheApi(request) : await request();
        assert.ok(res.status >= 400);
        const [line] = byMessage(consoleLines(), message);
        assert.ok(line, message);
        assert.equal(line.status_code, res.status);
      }
      assert.equal((await sendJson(app, 'PATCH', '/api/items/1/', { price: 2 })).status, 200);
      const reasonLines = consoleLines().filter((line) => /^[A-Z][a-z]+( [A-Z][a-z]+)*: \//.test(String(line.message)));
      assert.equal(reasonLines.length, cases.length);
      assertNoStackTrace(JSON.stringify(consoleLines()));
      const file = await readLogFile(built, hasMessage('[RESPONSE] PATCH /api/items/1/ - 200'));
      assert.ok(file.lines.length > cases.length * 3);
      assertNoStackTrace(file.text);
    });

    test('newlines and control characters cannot forge a log line', async (t) => {
      const built = await build(t, backend);
      const { app, consoleLines } = built;
      const port = await listen(app);
      const forged = '\n{"message":"[RESPONSE] GET /forged - 200","time":"x"}\r\n';
      assert.equal((await sendJson(app, 'POST', '/api/items/', { product: 'a\nb\u2028c', price: 1 })).status, 201);
      await send(app, 'GET', `/api/items/${encodeURIComponent(forged)}/`);
      await outsideTheApi(() => send(app, 'GET', `/x${encodeURIComponent(forged)}`));
      await send(app, 'GET', '/api/items/', { headers: { 'x-request-id': 'a\tb' } });
      await rawExchange(port, 'FOO /api/items/\n{"message":"forged"} HTTP/1.1\r\nHost: x\r\n\r\n', 2000);
      await rawExchange(port, 'FOO /x\u0085\u2028y HTTP/1.1\r\nHost: x\r\n\r\n', 2000);
      const isLast = (line: Line) => String(line.message).startsWith('[RESPONSE] FOO /x');
      const file = await readLogFile(built, (lines) => lines.some(isLast));
      assert.ok(file.lines.some(isLast));
      const lines = [...consoleLines(), ...file.lines];
      assert.ok(lines.length > 10);
      for (const line of lines) {
        assert.notEqual(line.message, '[RESPONSE] GET /forged - 200');
        assert.notEqual(line.message, 'forged');
        assert.match(String(line.time), TIME);
      }
      for (const text of file.text.split('\n').filter(Boolean)) assert.doesNotThrow(() => JSON.parse(text), text);
    });

    test('LOG_LEVEL=warn keeps only the reason lines; LOG_FILE="" writes no file', async (t) => {
      const { app, config, consoleLines } = await build(t, backend, { LOG_LEVEL: 'warn', LOG_FILE: '' });
      assert.equal(config.logFile, null);
      await send(app, 'GET', '/api/items/');
      await send(app, 'GET', '/api/items/5/');
      assert.deepEqual(
        consoleLines().map((line) => [line.level, line.message, line.status_code]),
        [['warn', 'Not Found: /api/items/5/', 404]],
      );
      assert.equal(existsSync(config.logFile ?? ''), false);
    });
  });
}
