import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { LogSink } from '../../src/logging/sink.js';
import { tempDir } from '../helpers/backends.js';

const line = (n: number) => Buffer.from(`${JSON.stringify({ n, pad: 'x'.repeat(80) })}\n`);
const numbers = (path: string) =>
  existsSync(path)
    ? readFileSync(path, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((text) => (JSON.parse(text) as { n: number }).n)
    : [];

test('a file sink rotates by size: no file passes the limit, the newest backups are kept, no line is lost', async (t) => {
  const path = join(tempDir(t), 'logs', 'api.log');
  const sink = LogSink.open(path, { maxBytes: 1000, backups: 2 });
  for (let n = 0; n < 60; n++) {
    sink.write(line(n));
    await sink.drained();
  }
  const files = [path, `${path}.1`, `${path}.2`];
  for (const file of files) assert.ok(readFileSync(file).length <= 1000, file);
  assert.equal(existsSync(`${path}.3`), false, 'two backups kept');
  const kept = [...numbers(`${path}.2`), ...numbers(`${path}.1`), ...numbers(path)];
  assert.deepEqual(
    kept,
    Array.from({ length: kept.length }, (_, i) => 60 - kept.length + i),
    'the newest, in order',
  );
  assert.ok(kept.length >= 20, `${kept.length} lines kept`);
});

test('two processes writing one file: one rotates, the other reopens, every line lands once', async (t) => {
  const path = join(tempDir(t), 'api.log');
  const first = LogSink.open(path, { maxBytes: 2000, backups: 50 });
  const second = LogSink.open(path, { maxBytes: 2000, backups: 50 });
  for (let n = 0; n < 200; n++) {
    const sink = n % 2 === 0 ? first : second;
    sink.write(line(n));
    await sink.drained();
  }
  const logs = readdirSync(join(path, '..')).filter((name) => name.startsWith('api.log'));
  const all = logs.flatMap((name) => numbers(join(path, '..', name))).sort((a, b) => a - b);
  assert.deepEqual(
    all,
    Array.from({ length: 200 }, (_, i) => i),
    'every line once',
  );
  assert.ok(logs.length > 5, 'rotated several times');
  assert.equal(existsSync(`${path}.lock`), false, 'no lock left behind');
});

test('a lock left by a process that died while rotating is taken over once stale', async (t) => {
  const path = join(tempDir(t), 'api.log');
  writeFileSync(`${path}.lock`, '');
  const old = new Date(Date.now() - 60_000);
  utimesSync(`${path}.lock`, old, old);
  const sink = LogSink.open(path, { maxBytes: 500, backups: 1 });
  for (let n = 0; n < 20; n++) {
    sink.write(line(n));
    await sink.drained();
  }
  assert.ok(existsSync(`${path}.1`), 'rotated despite the old lock');
  assert.equal(existsSync(`${path}.lock`), false);
});

test('without a size, the file is never rotated', async (t) => {
  const path = join(tempDir(t), 'api.log');
  const sink = LogSink.open(path);
  for (let n = 0; n < 30; n++) sink.write(line(n));
  await sink.drained();
  assert.equal(numbers(path).length, 30);
  assert.equal(existsSync(`${path}.1`), false);
});
