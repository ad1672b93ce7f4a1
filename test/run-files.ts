import { run } from 'node:test';
import { spec, tap } from 'node:test/reporters';

// Runs the test files given as arguments, TEST_CONCURRENCY at a time, in the order given
// (`node --test` sorts its files by name, whatever order test/run.ts chose), each in a process of
// its own. Started by test/run.ts as plain node: run() gives its test processes this process's
// flags, and tsx's loader would slow every one of them.

const stream = run({ files: process.argv.slice(2), concurrency: Number(process.env.TEST_CONCURRENCY) });
stream.on('test:fail', (failed) => {
  if (!failed.todo) process.exitCode = 1;
});
// The reporters `node --test` picks: spec on a terminal, TAP otherwise.
(process.stdout.isTTY ? stream.compose(new spec()) : stream.compose(tap)).pipe(process.stdout);
