import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { describe, test } from 'node:test';
import { setImmediate, setTimeout } from 'node:timers/promises';
import { createLogger, isoTimeWithMicroseconds } from '../../src/logging/logger.js';
import { waitFor } from '../helpers/wait.js';

const TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+00:00$/;

function capture() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(...String(chunk).split('\n').filter(Boolean));
      done();
    },
  });
  return { lines, stream };
}

describe('createLogger', () => {
  test('one JSON object per line: level, time with microseconds in UTC, extra keys, message last', () => {
    const { lines, stream } = capture();
    const { logger } = createLogger({ logLevel: 'info', logFile: null }, stream);
    logger.info({ status_code: 404 }, 'Not Found: /x/');
    logger.debug('hidden at info');
    assert.equal(lines.length, 1);
    const line = JSON.parse(lines[0] ?? '');
    assert.deepEqual(Object.keys(line), ['level', 'time', 'status_code', 'message']);
    assert.equal(line.level, 'info');
    assert.equal(line.message, 'Not Found: /x/');
    assert.match(line.time, TIME);
    assert.ok(Math.abs(Date.parse(line.time) - Date.now()) < 5000);
  });

  test('the log file (folder created) receives the same lines once flushed', async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'pricebook-log-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const file = join(dir, 'nested', 'logs', 'api.log');
    const { lines, stream } = capture();
    const { logger, flush } = createLogger({ logLevel: 'debug', logFile: file }, stream);
    logger.debug({ method: 'GET' }, '[REQUEST] GET /api/items/');
    await flush();
    const fileLines = readFileSync(file, 'utf8').split('\n').filter(Boolean);
    assert.deepEqual(fileLines, lines);
    assert.equal(JSON.parse(fileLines[0] ?? '').message, '[REQUEST] GET /api/items/');
  });

  test('lines are batched: held until 64 KB gather, 200 ms pass or flush, then written in order', async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'pricebook-log-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const file = join(dir, 'batch.log');
    const { logger, flush } = createLogger({ logLevel: 'info', logFile: file }, capture().stream);
    const read = () => readFileSync(file, 'utf8').split('\n').filter(Boolean);
    logger.info('first');
    // Turns of the event loop, not time: the 200 ms timer cannot have fired, any write of its own would have.
    for (let turn = 0; turn < 5; turn++) await setImmediate();
    assert.deepEqual(read(), [], 'one line is not a write of its own');
    const padding = 'x'.repeat(1000);
    for (let i = 0; i < 70; i++) logger.info({ i, padding }, 'bulk');
    // 64 KB gathered: written without a flush (the rest may follow with the 200 ms timer).
    await waitFor(() => read().length >= 60, 1000, 'the first 64 KB written without a flush');
    assert.ok(read().length >= 60, `the first 64 KB were written without a flush (${read().length} lines)`);
    await waitFor(() => read().length === 71, 1000, 'the rest, within 200 ms');
    assert.equal(read().length, 71, 'the rest within 200 ms');
    logger.info('last');
    await flush();
    const lines = read().map((line) => JSON.parse(line));
    assert.deepEqual(
      lines.map((line) => line.message),
      ['first', ...Array(70).fill('bulk'), 'last'],
    );
    assert.deepEqual(
      lines.slice(1, -1).map((line) => line.i),
      Array.from({ length: 70 }, (_, i) => i),
    );
  });

  test('a log file that cannot be opened leaves console logging on, and says why', async () => {
    const { lines, stream } = capture();
    const { logger, flush } = createLogger({ logLevel: 'info', logFile: '/dev/null/api.log' }, stream);
    logger.info('still logged');
    await flush();
    assert.equal(JSON.parse(lines[0] ?? '').message, 'Cannot open the log file; logging to the console only');
    assert.match(JSON.parse(lines[0] ?? '').err_message, /EEXIST.*\/dev\/null/);
    assert.equal(JSON.parse(lines[1] ?? '').message, 'still logged');
  });
});

describe('isoTimeWithMicroseconds', () => {
  test('the clock in UTC to the microsecond, never going back across milliseconds and seconds', async () => {
    const read = () => JSON.parse(`{${isoTimeWithMicroseconds().slice(1)}}`).time as string;
    await setTimeout(Math.max(0, 990 - (Date.now() % 1000))); // to just before a second begins
    const times = [read()];
    const second = (time: string) => time.slice(0, 19);
    // Until the next second has begun (a busy machine may wake the timer late), and a little after.
    const deadline = performance.now() + 2000;
    const crossed = () => second(times.at(-1) as string) !== second(times[0] as string);
    while (!crossed() && performance.now() < deadline) times.push(read());
    assert.ok(crossed(), `a second boundary crossed: ${times[0]} to ${times.at(-1)}`);
    const until = performance.now() + 5;
    while (performance.now() < until) times.push(read());
    const now = Date.now();
    for (const [index, time] of times.entries()) {
      assert.match(time, TIME);
      if (index > 0) assert.ok(time >= (times[index - 1] as string), `${times[index - 1]} then ${time}`);
    }
    const last = times.at(-1) as string;
    assert.ok(Math.abs(Date.parse(last) - now) < 50, `${last} is now`);
  });
});
