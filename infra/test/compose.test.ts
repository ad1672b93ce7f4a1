// docker-compose.yml for local use (issue 13 point 20): it must start next to a local PostgreSQL.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

const text = readFileSync(fileURLToPath(new URL('../../docker-compose.yml', import.meta.url)), 'utf8');
const compose = parse(text) as {
  services: Record<string, { ports?: string[]; environment?: Record<string, string>; depends_on?: unknown }>;
};

test('PostgreSQL publishes no port (a local PostgreSQL keeps 5432); pricebook publishes 8000 only', () => {
  const { pricebook, postgres } = compose.services;
  assert.ok(pricebook && postgres);
  assert.equal(postgres.ports, undefined);
  assert.deepEqual(pricebook.ports, ['8000:8000']);
  assert.match(pricebook.environment?.DATABASE_URL ?? '', /@postgres:5432\//, 'reached on the compose network');
});

test('the log file is described as what it is: size-rotated, as the README documents', () => {
  assert.doesNotMatch(text, /rotating/i);
  assert.match(text, /size-rotated, see README/);
});
