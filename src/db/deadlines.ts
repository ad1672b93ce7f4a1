/**
 * Client-side deadlines for database queries. A query past its deadline is failed with a timeout
 * error (its connection is then thrown away by the caller). One sweep, every CHECK_MS while
 * queries are pending, checks them all: no timer is made and cleared per query.
 */
const CHECK_MS = 250;

interface Pending {
  at: number;
  expire: () => void;
}

export interface Deadlines {
  /** `query`'s outcome, or a timeout error once `ms` have passed (after calling `onExpire`). */
  guard<T>(query: Promise<T>, onExpire: () => void): Promise<T>;
  stop(): void;
}

export function deadlines(ms: number): Deadlines {
  const pending = new Set<Pending>();
  let sweeper: NodeJS.Timeout | undefined;
  const sweep = () => {
    const now = performance.now();
    for (const entry of pending) {
      if (entry.at > now) continue;
      pending.delete(entry);
      entry.expire();
    }
    if (pending.size === 0) stop();
  };
  const stop = () => {
    clearInterval(sweeper);
    sweeper = undefined;
  };
  const guard = <T>(query: Promise<T>, onExpire: () => void): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      const entry: Pending = {
        at: performance.now() + ms,
        expire: () => {
          onExpire();
          reject(Object.assign(new Error('Database query timeout'), { code: 'ETIMEDOUT' }));
        },
      };
      pending.add(entry);
      sweeper ??= setInterval(sweep, Math.min(CHECK_MS, ms)).unref();
      query.then(
        (value) => {
          pending.delete(entry);
          resolve(value);
        },
        (error) => {
          pending.delete(entry);
          reject(error);
        },
      );
    });
  return { guard, stop };
}
