import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join, relative } from 'node:path';
import { compileForTests, PROJECT } from './helpers/compiled.js';

// `npm test`: src/ and test/ compiled into dist-test/ (see helpers/compiled.ts), then every test
// file, several at a time. Each file makes its own databases and picks free ports, so any two can
// run together. The slow kinds (system, browser, reliability) are interleaved and start first, so
// that the quick unit files fill the gaps at the end rather than leave a long file running alone.

const SLOW_FIRST = ['system', 'web', 'reliability', 'api', 'client', 'unit'];
const concurrency = Number(process.env.TEST_CONCURRENCY) || availableParallelism();

function testFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((entry) => {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) return testFiles(path);
      return entry.name.endsWith('.test.js') ? [path] : [];
    })
    .sort();
}

/** One file of each kind in turn, slow kinds first, until every kind is used up. */
function interleaved(groups: string[][]): string[] {
  const order: string[] = [];
  for (let index = 0; groups.some((group) => index < group.length); index++) {
    for (const group of groups) if (index < group.length) order.push(group[index] as string);
  }
  return order;
}

await compileForTests();
const compiledTests = join(PROJECT, 'dist-test', 'test');
const files = interleaved(SLOW_FIRST.map((kind) => testFiles(join(compiledTests, kind))));
const runner = spawn(
  process.execPath,
  ['--test', `--test-concurrency=${concurrency}`, ...files.map((file) => relative(process.cwd(), file))],
  { stdio: 'inherit' },
);
runner.on('exit', (code, signal) => {
  process.exitCode = code ?? (signal ? 1 : 0);
});
