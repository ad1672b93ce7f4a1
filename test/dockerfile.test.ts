// Fast checks of the Dockerfile (the image itself is built and run by scripts/docker-image-test.sh).
// dockerfile-utils is the linter; its CLI's exit code is not trusted, its diagnostics are read.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { validate } from 'dockerfile-utils';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dockerfilePath = join(root, 'Dockerfile');
const dockerfile = readFileSync(dockerfilePath, 'utf8');

/** Instructions with their arguments, continuation lines joined, comments dropped. */
function instructions(text: string): Array<{ keyword: string; args: string }> {
  const joined = text
    .split('\n')
    .filter((line) => !/^\s*#/.test(line))
    .join('\n')
    .replace(/\\\n/g, ' ');
  return joined
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean)
    .map((line) => {
      const [keyword = '', ...rest] = line.split(/\s+/);
      return { keyword: keyword.toUpperCase(), args: rest.join(' ') };
    });
}

const all = instructions(dockerfile);
const stages: Array<Array<{ keyword: string; args: string }>> = [];
for (const instruction of all) {
  if (instruction.keyword === 'FROM') stages.push([]);
  stages.at(-1)?.push(instruction);
}
const finalStage = stages.at(-1) ?? [];
const inFinal = (keyword: string) => finalStage.filter((i) => i.keyword === keyword);

test('dockerfile-utils API reports no problem', () => {
  const problems = validate(dockerfile).map((d) => `line ${d.range.start.line + 1}: ${d.message}`);
  assert.deepEqual(problems, []);
});

test('dockerfile-utils CLI prints no problem (its exit code is not relied on)', () => {
  const pkg = createRequire(import.meta.url).resolve('dockerfile-utils/package.json');
  const bin = join(dirname(pkg), 'bin', 'dockerfile-utils');
  let output: string;
  try {
    output = execFileSync(process.execPath, [bin, 'lint', dockerfilePath], { encoding: 'utf8', stdio: 'pipe' });
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string };
    output = `${e.stdout ?? ''}${e.stderr ?? ''}`;
  }
  assert.doesNotMatch(output, /Error:|Warning:/);
  assert.equal(output.trim(), '');
});

test('the linter does find problems (negative control)', () => {
  const bad = validate('FROM node:22-bookworm-slim\nEXPOSE 8000/udpx\nfrobnicate\n');
  assert.ok(bad.length >= 2, JSON.stringify(bad));
});

test('no "# syntax=" directive (it would fetch a frontend image)', () => {
  assert.doesNotMatch(dockerfile, /^\s*#\s*syntax\s*=/im);
});

test('multi-stage, every FROM on the same official Node major (native better-sqlite3)', () => {
  const froms = all.filter((i) => i.keyword === 'FROM').map((i) => i.args.split(/\s+/)[0] ?? '');
  assert.ok(froms.length >= 2, 'build and runtime stages');
  const majors = new Set(froms.map((image) => image.match(/^node:(\d+)-/)?.[1]));
  assert.equal(majors.size, 1, froms.join(', '));
  const [major] = [...majors];
  assert.ok(major === '22' || major === '24', `Node LTS 22 or 24, got ${major}`);
  for (const image of froms) assert.match(image, /-slim$/);
});

test('final stage: production dependencies only, dist/ from the build stage', () => {
  const build = stages.slice(0, -1).flat();
  assert.ok(build.some((i) => i.keyword === 'RUN' && /npm ci\b/.test(i.args)));
  assert.ok(build.some((i) => i.keyword === 'RUN' && /(npm prune --omit=dev|npm ci --omit=dev)/.test(i.args)));
  assert.ok(inFinal('COPY').some((i) => /--from=\w+ .*\/app\/dist/.test(i.args)));
  assert.ok(!finalStage.some((i) => i.keyword === 'RUN' && /npm (ci|install)(?!.*--omit=dev)/.test(i.args)));
});

test('final stage runs as a non-root user', () => {
  const user = inFinal('USER').at(-1)?.args;
  assert.ok(user, 'USER in the final stage');
  assert.doesNotMatch(user, /^(root|0)(:|$)/);
});

test('EXPOSE 8000, volumes for data/ and logs/, node as PID 1 in exec form', () => {
  assert.ok(inFinal('EXPOSE').some((i) => i.args.split(/\s+/).includes('8000')));
  const volumes = inFinal('VOLUME')
    .map((i) => i.args)
    .join(' ');
  assert.match(volumes, /\/app\/data/);
  assert.match(volumes, /\/app\/logs/);
  const cmd = inFinal('CMD').at(-1)?.args ?? '';
  assert.match(cmd, /^\[\s*"node",\s*"dist\/server\.js"\s*\]$/);
  assert.equal(inFinal('ENTRYPOINT').length, 0, 'no shell wrapper between docker and node');
});

test('HEALTHCHECK on /healthz with node itself (no curl/wget)', () => {
  const [healthcheck, ...more] = inFinal('HEALTHCHECK');
  assert.ok(healthcheck);
  assert.equal(more.length, 0);
  assert.match(healthcheck.args, /CMD \["node",/);
  assert.match(healthcheck.args, /\/healthz/);
  for (const i of all.filter((x) => x.keyword === 'RUN' || x.keyword === 'HEALTHCHECK')) {
    assert.doesNotMatch(i.args, /\b(curl|wget)\b/, `${i.keyword} ${i.args}`);
  }
});

test('containers log to stdout and do not set DATABASE_URL (ECS passes PG* parts)', () => {
  const env = inFinal('ENV')
    .map((i) => i.args)
    .join(' ');
  assert.match(env, /LOG_FILE=""/);
  assert.doesNotMatch(env, /DATABASE_URL/);
});
