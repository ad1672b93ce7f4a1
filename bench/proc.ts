import { readdirSync, readFileSync, writeFileSync } from 'node:fs';

// Linux /proc readings for a process tree: every descendant of a pid (via task/*/children, so
// children forked by any thread count), CPU time (utime+stime; a process's stat already sums its
// threads, e.g. the pino/libuv/V8 worker threads), resident memory now and at its peak.

const CLK_TCK = 100; // USER_HZ; Linux reports /proc times in these ticks on every mainstream arch

function read(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

/** The pid and all its live descendants. */
export function processTree(root: number): number[] {
  const seen: number[] = [];
  const queue = [root];
  while (queue.length > 0) {
    const pid = queue.shift() as number;
    if (seen.includes(pid) || read(`/proc/${pid}/stat`) === undefined) continue;
    seen.push(pid);
    let tasks: string[] = [];
    try {
      tasks = readdirSync(`/proc/${pid}/task`);
    } catch {}
    for (const tid of tasks) {
      const children = read(`/proc/${pid}/task/${tid}/children`) ?? '';
      for (const child of children.split(/\s+/).filter(Boolean)) queue.push(Number(child));
    }
  }
  return seen;
}

/** utime+stime of one process (all its threads), in seconds. */
export function cpuSeconds(pid: number): number {
  const stat = read(`/proc/${pid}/stat`);
  if (!stat) return 0;
  // Field 2 (comm) may hold spaces and parentheses: split after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // fields[0] is field 3 (state); utime is field 14, stime field 15.
  return (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
}

/** CPU seconds per pid of the tree; compare two snapshots with cpuDelta (a pid may appear later). */
export function cpuSnapshot(root: number): Map<number, number> {
  return new Map(processTree(root).map((pid) => [pid, cpuSeconds(pid)]));
}

export function cpuDelta(before: Map<number, number>, after: Map<number, number>): number {
  let total = 0;
  for (const [pid, seconds] of after) total += seconds - (before.get(pid) ?? 0);
  return total;
}

function statusKb(pid: number, key: 'VmRSS' | 'VmHWM'): number {
  const match = read(`/proc/${pid}/status`)?.match(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm'));
  return match ? Number(match[1]) : 0;
}

export const rssKb = (root: number): number => processTree(root).reduce((sum, pid) => sum + statusKb(pid, 'VmRSS'), 0);

/** Resets the peak-RSS mark (VmHWM) of every process of the tree; false when the kernel refuses. */
export function resetPeaks(root: number): boolean {
  let ok = true;
  for (const pid of processTree(root)) {
    try {
      writeFileSync(`/proc/${pid}/clear_refs`, '5');
    } catch {
      ok = false;
    }
  }
  return ok;
}

/** Sum of the peak RSS of every process of the tree since the last resetPeaks. */
export const peakKb = (root: number): number => processTree(root).reduce((sum, pid) => sum + statusKb(pid, 'VmHWM'), 0);

/**
 * Samples the tree's RSS every `everyMs` and tracks the peak; together with the kernel's per-process
 * high-water mark (exact for one process, an upper bound for several) this gives the peak RSS.
 */
export function rssSampler(root: number, everyMs = 50) {
  const peaksReset = resetPeaks(root);
  let sampled = rssKb(root);
  const timer = setInterval(() => {
    sampled = Math.max(sampled, rssKb(root));
  }, everyMs);
  return {
    /** Peak RSS in MB. */
    stop(): number {
      clearInterval(timer);
      sampled = Math.max(sampled, rssKb(root));
      const kb = peaksReset ? Math.max(sampled, peakKb(root)) : sampled;
      return kb / 1024;
    },
  };
}

/** CPU seconds of every process named `name` (e.g. the PostgreSQL server), for information. */
/** The pids of every running process named `name` (its comm, e.g. `postgres`). */
export function pidsOf(name: string): number[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry) && read(`/proc/${entry}/comm`)?.trim() === name)
    .map(Number);
}

export function cpuOfCommand(name: string): number {
  return pidsOf(name).reduce((total, pid) => total + cpuSeconds(pid), 0);
}
