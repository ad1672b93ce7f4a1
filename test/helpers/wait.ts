import { setTimeout as sleep } from 'node:timers/promises';

// The one way tests wait for something that happens later (a log line, a file, a process):
// poll for the condition itself, never for a fixed time.

/** Polls `condition` until it holds; fails after `timeoutMs`, naming `what` it waited for. */
export async function waitFor(condition: () => boolean | Promise<boolean>, timeoutMs: number, what: string) {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(20);
  }
}

/** Retries `check` until it stops throwing; after `timeoutMs` its last error is the test's. */
export async function eventually<T>(check: () => Promise<T>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await sleep(50);
    }
  }
}
