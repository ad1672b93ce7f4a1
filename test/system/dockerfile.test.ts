// Fast checks of the Dockerfile (the image itself is built and run by scripts/docker-image-test.sh).
// dockerfile-utils is the linter; its CLI's exit code is not trusted, its diagnostics are read.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { validate } from 'dockerfile-utils';
import { withoutCoverage } from '../helpers/coverage.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
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
    output = execFileSync(process.execPath, [bin, 'lint', dockerfilePath], {
      encoding: 'utf8',
      stdio: 'pipe',
      env: withoutCoverage(),
    });
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

const froms = all.filter((i) => i.keyword === 'FROM').map((i) => i.args.split(/\s+/));
const imageOf = (from: string[]) => from[0] ?? '';
const stageOf = (from: string[]) => (from[1]?.toUpperCase() === 'AS' ? from[2] : undefined);

test('one external base image, an official Node LTS -slim, pinned by digest', () => {
  const external = froms.filter((f) => !imageOf(f).startsWith('$') && !stageNames().has(imageOf(f)));
  assert.equal(external.length, 1, external.map(imageOf).join(', '));
  const [image] = external.map(imageOf);
  assert.match(
    image ?? '',
    /^node:(22|24)-[a-z]+-slim@sha256:[0-9a-f]{64}$/,
    'node:<LTS>-<debian>-slim@sha256:<digest>',
  );
});

test('build and runtime stages both start from NODE_IMAGE, whose default is the pinned stage (native better-sqlite3)', () => {
  const arg = all.find((i) => i.keyword === 'ARG' && i.args.startsWith('NODE_IMAGE='));
  assert.ok(arg, 'ARG NODE_IMAGE=… before the first FROM');
  assert.ok(all.indexOf(arg) < all.findIndex((i) => i.keyword === 'FROM'), 'a global ARG, usable in FROM');
  const pinnedStage = stageOf(froms.find((f) => imageOf(f).includes('@sha256:')) ?? []);
  assert.equal(arg.args, `NODE_IMAGE=${pinnedStage}`);
  const fromNodeImage = froms.filter((f) => /^\$\{?NODE_IMAGE\}?$/.test(imageOf(f))).map(stageOf);
  assert.deepEqual(fromNodeImage, ['build', 'runtime']);
  assert.equal(froms.length, 3, 'the pinned base, build, runtime');
});

function stageNames(): Set<string> {
  return new Set(froms.map(stageOf).filter((s): s is string => Boolean(s)));
}

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

/** The Dockerfile's dependency install: the RUN that holds `npm ci`. */
const installRun = all.find((i) => i.keyword === 'RUN' && /\bnpm ci\b/.test(i.args))?.args ?? '';

test('every npm install in the image skips install scripts, then rebuilds better-sqlite3 and esbuild only', () => {
  for (const i of all.filter((x) => x.keyword === 'RUN' && /\bnpm (ci|install|i)\b/.test(x.args))) {
    for (const command of i.args.split(/&&|;/).filter((c) => /\bnpm (ci|install|i)\b/.test(c))) {
      assert.match(command, /--ignore-scripts\b/, command);
    }
  }
  assert.match(installRun, /^npm ci --ignore-scripts --no-audit --no-fund && npm rebuild better-sqlite3 esbuild$/);
});

test('that install, run for real: only better-sqlite3 and esbuild run their scripts, not @scarf/scarf', () => {
  // Three local packages named like the real ones, each with a postinstall that leaves a file behind.
  const dir = mkdtempSync(join(tmpdir(), 'pricebook-install-scripts-'));
  try {
    const names = ['better-sqlite3', 'esbuild', '@scarf/scarf'];
    const dependencies: Record<string, string> = {};
    for (const [n, name] of names.entries()) {
      // An npm tarball is a gzipped tar of package/…
      const src = join(dir, `src${n}`);
      mkdirSync(join(src, 'package'), { recursive: true });
      const postinstall = `node -e "require('fs').writeFileSync('postinstall-ran', '')"`;
      const manifest = { name, version: '1.0.0', scripts: { postinstall } };
      writeFileSync(join(src, 'package', 'package.json'), JSON.stringify(manifest));
      execFileSync('tar', ['-czf', join(dir, `pkg${n}.tgz`), '-C', src, 'package']);
      dependencies[name] = `file:./pkg${n}.tgz`;
    }
    // The project's own script policy (npm 11 reads allowScripts; npm 10 ignores it).
    const { allowScripts } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
    writeFileSync(
      join(dir, 'package.json'),
      JSON.stringify({ name: 'scratch', version: '1.0.0', private: true, dependencies, allowScripts }),
    );
    const env = { ...withoutCoverage(), npm_config_offline: 'true', npm_config_update_notifier: 'false' };
    const quiet = { cwd: dir, stdio: 'pipe' as const, env };
    execFileSync('npm', ['install', '--package-lock-only', '--ignore-scripts', '--no-audit', '--no-fund'], quiet);
    execFileSync('sh', ['-c', installRun], quiet);
    const ran = names.filter((name) => existsSync(join(dir, 'node_modules', name, 'postinstall-ran')));
    assert.deepEqual(ran, ['better-sqlite3', 'esbuild']);
    // Negative control: without --ignore-scripts, @scarf/scarf's script would have run.
    execFileSync('sh', ['-c', 'rm -rf node_modules && npm ci --no-audit --no-fund'], quiet);
    assert.ok(existsSync(join(dir, 'node_modules', '@scarf/scarf', 'postinstall-ran')));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
