import { availableParallelism } from 'node:os';
import { run } from 'node:test';
import { spec, tap } from 'node:test/reporters';

// Runs the test files given as arguments, TEST_CONCURRENCY at a time, in the order given
// (`node --test` sorts its files by name, whatever order test/run.ts chose), each in a process of
// its own. Started by test/run.ts as plain node: run() gives its test processes this process's
// flags, and tsx's loader would slow every one of them.

// Two more files than cores (TEST_CONCURRENCY to change it): test files spend much of their time
// waiting (for a server to start, a timeout to pass, the browser), and the cores stay busy meanwhile.
const concurrency = Number(process.env.TEST_CONCURRENCY) || availableParallelism() + 2;

const stream = run({ files: process.argv.slice(2), concurrency });
stream.on('test:fail', (failed) => {
  if (!failed.todo) process.exitCode = 1;
});
// The reporters `node --test` picks: spec on a terminal, TAP otherwise.
(process.stdout.isTTY ? stream.compose(new spec()) : stream.compose(tap)).pipe(process.stdout);
