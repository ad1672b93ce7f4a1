import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { lstatSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { build } from '../helpers/build.js';
import { PROJECT } from '../helpers/compiled.js';
import { withoutCoverage } from '../helpers/coverage.js';
import { listen } from '../helpers/http.js';

// The typed client as a user meets it: a scratch project outside the repository installs
// client/ the way its README says, type-checks the README's example with tsc and runs it against
// a server; and the mistakes the client's types exist to catch do not compile.

const root = PROJECT;
const clientDir = join(root, 'client');
const tsc = join(root, 'node_modules/.bin/tsc');
const readme = readFileSync(join(clientDir, 'README.md'), 'utf8');

/** The README's shell line that installs the client, with the path of this checkout. */
function installCommand(): string[] {
  const line = readme.split('\n').find((text) => text.startsWith('npm install '));
  assert.ok(line, 'the README says how to install');
  return line.replace('/path/to/pricebook/client', clientDir).split(' ').slice(1);
}

/** The README's example: the TypeScript block under "## Example". */
function readmeExample(): string {
  const section = readme.slice(readme.indexOf('## Example'));
  const code = /```ts\n([\s\S]*?)```/.exec(section)?.[1];
  assert.ok(code, 'the README has an example');
  return code;
}

const TSCONFIG = {
  compilerOptions: {
    strict: true,
    module: 'nodenext',
    moduleResolution: 'nodenext',
    target: 'es2022',
    lib: ['es2022', 'dom'],
    types: [],
    noEmit: true,
  },
};

/** Mistakes, each with the error tsc must give for it. */
const WRONG: Record<string, { code: string; error: RegExp }> = {
  'misspelt-field.ts': {
    code: "await api.POST('/api/items', { body: { prize: 1 } });",
    error: /TS2561: .*'prize' does not exist.*Did you mean to write 'price'\?/,
  },
  'extra-field.ts': {
    code: "await api.POST('/api/items', { body: { product: 'Apple', price: 1, colour: 'red' } });",
    error: /TS2353: .*'colour' does not exist in type/,
  },
  'extra-field-patch.ts': {
    code: "await api.PATCH('/api/items/{id}', { params: { path: { id: 1 } }, body: { price: 1, colour: 'red' } });",
    error: /TS2353: .*'colour' does not exist in type/,
  },
  'numeric-product.ts': {
    code: "await api.POST('/api/items', { body: { product: 123, price: 1 } });",
    error: /TS2322: Type 'number' is not assignable to type 'string'/,
  },
  'string-price.ts': {
    code: "await api.PUT('/api/items/{id}', { params: { path: { id: 1 } }, body: { product: 'Apple', price: '1' } });",
    error: /TS2322: Type 'string' is not assignable to type 'number'/,
  },
  'string-id.ts': {
    code: "await api.GET('/api/items/{id}', { params: { path: { id: '1' } } });",
    error: /TS2322: Type 'string' is not assignable to type 'number'/,
  },
};

/** Runs a command to its end; asynchronously, so that the server in this process keeps answering. */
function run(command: string, args: string[], cwd: string): Promise<{ status: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd,
      env: withoutCoverage(),
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 180_000,
    });
    let output = '';
    child.stdout.on('data', (chunk) => {
      output += chunk;
    });
    child.stderr.on('data', (chunk) => {
      output += chunk;
    });
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, output }));
  });
}

describe('the typed client package, installed in a project of its own', () => {
  test('installs as its README says; the README example type-checks and runs; mistakes do not compile', async (t) => {
    const project = mkdtempSync(join(tmpdir(), 'pricebook-client-user-'));
    t.after(() => rmSync(project, { recursive: true, force: true }));
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'shop-front', private: true, type: 'module' }));

    // The npm cache has openapi-fetch since the repository's own install: no download needed.
    const install = await run('npm', [...installCommand(), '--prefer-offline', '--no-audit', '--no-fund'], project);
    assert.equal(install.status, 0, install.output);
    const installed = JSON.parse(readFileSync(join(project, 'node_modules/pricebook-client/package.json'), 'utf8'));
    assert.equal(installed.name, 'pricebook-client');
    // A copy, not a link into the repository, with its dependency beside it.
    assert.equal(lstatSync(join(project, 'node_modules/pricebook-client')).isSymbolicLink(), false);
    assert.ok(readFileSync(join(project, 'node_modules/openapi-fetch/package.json'), 'utf8'));

    // One tsc run for the example and the mistakes (each run costs seconds, loading TypeScript and
    // its DOM types): the example must have no error, each mistake its own one.
    const header =
      "import { createPricebookClient } from 'pricebook-client';\n\nconst api = createPricebookClient('http://localhost:8000');\n";
    for (const [file, { code }] of Object.entries(WRONG)) writeFileSync(join(project, file), `${header}${code}\n`);
    writeFileSync(join(project, 'example.ts'), readmeExample());
    writeFileSync(
      join(project, 'tsconfig.json'),
      JSON.stringify({ ...TSCONFIG, files: ['example.ts', ...Object.keys(WRONG)] }),
    );
    const checked = await run(tsc, ['-p', 'tsconfig.json'], project);
    assert.notEqual(checked.status, 0, `tsc fails on type errors:\n${checked.output}`);
    assert.notEqual(checked.status, null, 'tsc ran to its end');
    const errors = checked.output.split('\n').filter((line) => line.includes('error TS'));
    assert.deepEqual(
      errors.filter((line) => line.startsWith('example.ts')),
      [],
      `the README example does not compile:\n${checked.output}`,
    );
    for (const [file, { error }] of Object.entries(WRONG)) {
      const own = errors.filter((line) => line.startsWith(file));
      assert.equal(own.length, 1, `${file}: one error\n${checked.output}`);
      assert.match(own[0] as string, error, file);
    }

    // It runs, too: against a server, it creates, reads, changes and lists.
    const { app, store } = await build(t, 'sqlite');
    const port = await listen(app);
    writeFileSync(
      join(project, 'example.ts'),
      readmeExample().replace('http://localhost:8000', `http://127.0.0.1:${port}`),
    );
    const ran = await run(
      process.execPath,
      ['--import', join(root, 'node_modules/tsx/dist/esm/index.mjs'), 'example.ts'],
      project,
    );
    assert.equal(ran.status, 0, ran.output);
    assert.match(ran.output, /id: 1, product: 'Apple', price: 100/);
    assert.match(ran.output, /count: 1/);
    assert.deepEqual(
      (await store.list()).map(({ id, product, price }) => ({ id, product, price })),
      [{ id: 1, product: 'Apple', price: 120 }],
    );
  });
});
