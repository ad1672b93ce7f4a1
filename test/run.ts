import { spawn } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { compileForTests, PROJECT } from './helpers/compiled.js';

// `npm test`: src/ and test/ compiled into dist-test/ (see helpers/compiled.ts), then every test
// file, several processes at a time. Each test makes its own databases and picks free ports, so
// any two can run together. The slow kinds (the API files' few processes, system, browser,
// reliability) are interleaved and start first, the largest of each kind first, so that the quick
// ones fill the gaps at the end rather than leave a long one running alone. test/run-files.ts
// runs them in that order.

const SLOW_FIRST = ['api', 'system', 'web', 'reliability', 'client', 'unit'];
// Most files share a few processes rather than take one each: a process of its own costs a file
// about a second of CPU, its own PostgreSQL databases and, for the browser tests, its own Chromium.
// The system files watch processes, ports and signals, and keep a process each.
const PROCESSES_PER_KIND: Record<string, number> = { web: 3, reliability: 3, api: 4, unit: 1 };
/** The kinds named as arguments (`npm run test:unit` names `unit`), else all. */
const kinds = process.argv.length > 2 ? SLOW_FIRST.filter((kind) => process.argv.includes(kind)) : SLOW_FIRST;
if (kinds.length === 0) {
  console.error(`test/run.ts takes kinds of tests to run (${SLOW_FIRST.join(', ')}), or none for all`);
  process.exit(2);
}

interface TestFile {
  path: string;
  size: number;
}

/** The test files under dir, the largest first: a larger file holds more tests. */
function testFiles(dir: string): TestFile[] {
  const files = (under: string): string[] =>
    readdirSync(under, { withFileTypes: true }).flatMap((entry) => {
      const path = join(under, entry.name);
      if (entry.isDirectory()) return files(path);
      return entry.name.endsWith('.test.js') ? [path] : [];
    });
  return files(dir)
    .map((path) => ({ path, size: statSync(path).size }))
    .sort((a, b) => b.size - a.size || a.path.localeCompare(b.path));
}

/** One file of each kind in turn, slow kinds first, until every kind is used up. */
function interleaved(groups: string[][]): string[] {
  const order: string[] = [];
  for (let index = 0; groups.some((group) => index < group.length); index++) {
    for (const group of groups) if (index < group.length) order.push(group[index] as string);
  }
  return order;
}

const GROUPS = join(PROJECT, 'dist-test', 'groups');

/**
 * The files of a kind shared out among `count` test processes, the largest file first to the
 * process with the least so far: each process an entry file in dist-test/groups that imports its
 * share.
 */
function grouped(kind: string, files: TestFile[], count: number): string[] {
  const groups = Array.from({ length: Math.min(count, files.length) }, () => ({ size: 0, files: [] as string[] }));
  for (const file of files) {
    const smallest = groups.reduce((least, group) => (group.size < least.size ? group : least));
    smallest.files.push(file.path);
    smallest.size += file.size;
  }
  return groups.map((group, index) => {
    const entry = join(GROUPS, `${kind}-${index + 1}-of-${groups.length}.test.js`);
    const imports = group.files.map((file) => `import ${JSON.stringify(relative(GROUPS, file))};\n`);
    writeFileSync(entry, imports.join(''));
    return entry;
  });
}

await compileForTests();
rmSync(GROUPS, { recursive: true, force: true });
mkdirSync(GROUPS);
const compiledTests = join(PROJECT, 'dist-test', 'test');
const files = interleaved(
  kinds.map((kind) => {
    const ofKind = testFiles(join(compiledTests, kind));
    const processes = PROCESSES_PER_KIND[kind];
    return processes ? grouped(kind, ofKind, processes) : ofKind.map((file) => file.path);
  }),
);
const runner = spawn(
  process.execPath,
  [join(compiledTests, 'run-files.js'), ...files.map((file) => relative(process.cwd(), file))],
  { stdio: 'inherit' },
);
runner.on('exit', (code, signal) => {
  process.exitCode = code ?? (signal ? 1 : 0);
});
