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
