import { setImmediate } from 'node:timers';

/**
 * Reads shared by callers, never older than the call. A read is sent a turn of the event loop
 * after the first caller asks, so every request that arrives in that turn shares it; a caller that
 * asks while a read is on its way waits for the next one, sent once that read is answered. At most
 * one read is on its way at a time: under load, one round trip serves every request that arrived
 * during the last.
 */
export function coalesced<T>(read: () => Promise<T>): () => Promise<T> {
  /** Sent, not answered yet. */
  let onItsWay: Promise<T> | undefined;
  /** Not sent yet: every caller until it is sent shares it. */
  let next: Promise<T> | undefined;
  const send = (): Promise<T> => {
    next = undefined;
    const reading = read();
    onItsWay = reading;
    const done = () => {
      if (onItsWay === reading) onItsWay = undefined;
    };
    reading.then(done, done);
    return reading;
  };
  return () => {
    next ??= (onItsWay ? onItsWay.then(ignore, ignore) : Promise.resolve()).then(aTurnLater).then(send);
    return next;
  };
}

const ignore = () => {};
const aTurnLater = () => new Promise<void>((resolve) => setImmediate(resolve));
