import { readFileSync } from 'node:fs';

/**
 * The CPU time, in ms, that `work` costs this process (every thread, a body parser's too). Tests
 * that bound how long something takes measure this rather than the time on the clock, which grows
 * with whatever else shares the cores (other test files, CI's neighbours).
 */
export async function cpuTimeOf(work: () => unknown): Promise<number> {
  const before = process.cpuUsage();
  await work();
  const { user, system } = process.cpuUsage(before);
  return (user + system) / 1000;
}

/**
 * The main thread's CPU time while `work` runs (ms, from /proc): an upper bound of how long any
 * one request held up the event loop. CPU time, not wall time: on a shared machine other processes
 * can hold the cores, which is not this code holding the loop.
 */
export async function mainThreadCpu(work: () => Promise<unknown>): Promise<number> {
  const cpuNs = () => Number(readFileSync(`/proc/self/task/${process.pid}/schedstat`, 'utf8').split(' ')[0]);
  const before = cpuNs();
  await work();
  return (cpuNs() - before) / 1e6;
}
