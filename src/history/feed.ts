import { setImmediate } from 'node:timers/promises';
import type { FastifyBaseLogger } from 'fastify';
import type { Database } from '../db/database.js';
import { type Change, changesAfter, changesAfterWithSnapshot, lastSeq } from './repository.js';
import { isoOfMicros } from './time.js';

// The live feed behind GET /api/events/: one reader per process follows the change log and fans
// each entry out, in memory, to every subscriber of this process. The log is the truth; what wakes
// the reader differs:
// - PostgreSQL: the database's write signal (db/write-signal.ts: LISTEN/NOTIFY, each replica
//   announcing its own writes), so a write on any replica wakes every replica; and a slow poll in
//   case a notification was lost while reconnecting.
// - SQLite: the database's change token (data_version: a commit by another process, such as
//   another worker; and this process's own writes), read every few milliseconds. Cheap: a pragma.
//
// The reader delivers sequence numbers in order. On PostgreSQL a transaction may take seq 9 and
// commit after seq 10 (or roll back, and 9 never appears): at such a gap the reader holds. The
// gap is known to be permanent once every transaction that was running when it was first seen
// has ended: the snapshot it was first seen in is kept, and the gap is skipped once the oldest
// transaction still running (a later snapshot's xmin) is at or past that snapshot's xmax. This is
// sound because the log is written by AFTER triggers: a transaction has its xid before it takes a
// seq, so the one that took the missing seq was running (or done) when a later seq was seen.
// SQLite has one writer at a time and no gaps.
//
// Each subscriber has a bounded buffer: one whose connection does not drain is disconnected, and
// resumes with Last-Event-ID from the log. Heartbeats keep idle connections under load balancers'
// idle timeouts.

/** Where a subscriber's frames go (the HTTP response, routes.ts). */
export interface Sink {
  /** Queues a frame; false when the subscriber is too far behind (it is then dropped). */
  write(frame: string): boolean;
  /** Resolves once the sink's buffer is low again (or it closed). */
  drained(): Promise<void>;
  /** Ends the stream cleanly. */
  end(): void;
}

interface Subscriber {
  sink: Sink;
  /** The last seq this subscriber has been given (or skipped by its filter). */
  position: number;
  product: string | undefined;
  /** Catching up from the log (false) or following the reader (true). */
  live: boolean;
  closed: boolean;
}

export interface FeedOptions {
  maxClients: number;
  heartbeatMs?: number;
  log: FastifyBaseLogger;
}

export class FeedFull extends Error {}

export interface Subscription {
  /** Stops delivering to the subscriber (its connection closed). */
  remove(): void;
  /** Settles once the subscriber has caught up and follows the log live; rejects when it could not. */
  caughtUp: Promise<void>;
}

const READ_BATCH = 1000;
const CATCH_UP_BATCH = 500;
const SQLITE_POLL_MS = 20;
const POSTGRES_POLL_MS = 1000;
const GAP_RETRY_MS = 20;
/** At start, the reader looks this far back for transactions still in flight (PostgreSQL). */
const START_LOOKBACK = 1000;
const HEARTBEAT_MS = 15_000;

/** The SSE frame of one entry: id, event (the kind), data (the item with its version, and when). */
export function frameOf(change: Change): string {
  const data = JSON.stringify({
    id: change.item_id,
    product: change.product,
    price: change.price,
    version: change.version,
    at: isoOfMicros(change.at),
  });
  return `id: ${change.seq}\nevent: ${change.kind}\ndata: ${data}\n\n`;
}

/** `xmin:xmax:xip,…` (pg_snapshot's text form) → xmin and xmax. */
function parseSnapshot(text: string): { xmin: bigint; xmax: bigint } {
  const [xmin = '0', xmax = '0'] = text.split(':');
  return { xmin: BigInt(xmin), xmax: BigInt(xmax) };
}

export class ChangeFeed {
  readonly #database: Database;
  readonly #options: FeedOptions;
  readonly #subscribers = new Set<Subscriber>();
  /** The last seq delivered in order: every entry up to it is delivered or known never to come. */
  #head = 0;
  /** The last seq when the reader started: a subscriber without a position starts there at least. */
  #startHead = 0;
  /** A gap held at `seq`, first seen in a snapshot with this xmax. */
  #gap: { seq: number; xmax: bigint } | undefined;
  #reading: Promise<void> | undefined;
  #readAgain = false;
  #token: string | undefined;
  /** The polls and the heartbeat, while anyone subscribes. */
  readonly #timers: NodeJS.Timeout[] = [];
  #gapTimer: NodeJS.Timeout | undefined;
  #unlisten: (() => Promise<void>) | undefined;
  #stopped = false;
  #initialized = false;
  /** Subscribers waiting for a read that begins after they asked (#readFromNow). */
  readonly #waiting: Array<(succeeded: boolean) => void> = [];
  /** Counters for /metrics and the bench. */
  readonly stats = { delivered: 0, dropped: 0 };

  constructor(database: Database, options: FeedOptions) {
    this.#database = database;
    this.#options = options;
  }

  get head(): number {
    return this.#head;
  }

  get clients(): number {
    return this.#subscribers.size;
  }

  /** Starts following the log; a database that does not answer yet is read again by the next subscriber. */
  async start(): Promise<void> {
    if (this.#database.kind === 'postgres') {
      if (this.#database.onWrites) {
        try {
          this.#unlisten = await this.#database.onWrites(() => this.wake());
        } catch (error) {
          this.#options.log.warn(
            { err_message: (error as Error).message },
            'Cannot LISTEN for changes; the feed polls once a second instead',
          );
        }
      }
    }
    this.wake();
    await this.#reading;
  }

  /** Where the reader starts: the end of the log (on PostgreSQL a little before, for transactions still in flight). */
  async #initialize(): Promise<void> {
    const last = await lastSeq(this.#database);
    this.#startHead = last;
    this.#head = this.#database.kind === 'postgres' ? Math.max(0, last - START_LOOKBACK) : last;
    this.#initialized = true;
  }

  /** Reads the log now (or right after the read under way). */
  wake(): void {
    if (this.#stopped) return;
    // Nobody to deliver to: the reader catches up when the next subscriber comes (a read per
    // write would otherwise cost every write a query on every replica).
    if (this.#subscribers.size === 0 && this.#initialized) return;
    if (this.#reading) {
      this.#readAgain = true;
      return;
    }
    this.#reading = this.#readWhileAsked();
  }

  /**
   * Adds a subscriber, from `after` (its entries are read from the log first) or, without it, from
   * now: from the end of the log as seen by a read that began after this call. Resolves once that
   * position is fixed, with the catch-up under way: the caller answers only then, so no write
   * acknowledged after the answer counts as before it. Throws FeedFull past EVENTS_MAX_CLIENTS,
   * and an error when the log cannot be read.
   */
  async subscribe(sink: Sink, after: number | undefined, product: string | undefined): Promise<Subscription> {
    if (this.#subscribers.size >= this.#options.maxClients) throw new FeedFull();
    const subscriber: Subscriber = { sink, position: 0, product, live: false, closed: false };
    if (this.#subscribers.size === 0 && !this.#stopped) this.#startTimers();
    this.#subscribers.add(subscriber);
    const remove = () => this.#remove(subscriber);
    if (!(await this.#readFromNow())) {
      remove();
      throw new Error('The change log could not be read');
    }
    subscriber.position = after ?? Math.max(this.#head, this.#startHead);
    const caughtUp = this.#catchUp(subscriber).catch((error: unknown) => {
      remove();
      throw error;
    });
    return { remove, caughtUp };
  }

  /**
   * Resolves once a read of the log that began after this call has ended: true when it succeeded.
   * With nobody subscribed the reader stops following the log, so the reader's position is only
   * known to be current after such a read.
   */
  #readFromNow(): Promise<boolean> {
    if (this.#stopped) return Promise.resolve(false);
    const read = new Promise<boolean>((resolve) => this.#waiting.push(resolve));
    this.wake();
    return read;
  }

  /** Ends every stream and stops reading. */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#stopTimers();
    clearTimeout(this.#gapTimer);
    for (const subscriber of this.#subscribers) {
      subscriber.closed = true;
      subscriber.sink.end();
    }
    this.#subscribers.clear();
    await this.#unlisten?.();
    await this.#reading;
  }

  async #catchUp(subscriber: Subscriber): Promise<void> {
    // Read from the log up to the reader's head; the head may move while reading, so until the
    // position has reached it (checked with no await in between, so no live entry is missed).
    while (subscriber.position < this.#head && !subscriber.closed) {
      const upTo = this.#head;
      const changes = await changesAfter(this.#database, subscriber.position, CATCH_UP_BATCH, {
        upTo,
        product: subscriber.product,
      });
      for (const change of changes) {
        if (!this.#send(subscriber, frameOf(change))) return;
      }
      subscriber.position = changes.length < CATCH_UP_BATCH ? upTo : (changes.at(-1) as Change).seq;
      this.stats.delivered += changes.length;
      await subscriber.sink.drained();
    }
    subscriber.live = true;
  }

  /**
   * The polls and the heartbeat run only while someone subscribes, so that an idle server sleeps.
   * Changes made meanwhile are caught up by the next subscriber's read (#readFromNow).
   */
  #startTimers(): void {
    const poll =
      this.#database.kind === 'postgres'
        ? this.#every(POSTGRES_POLL_MS, () => this.wake())
        : this.#every(SQLITE_POLL_MS, () => void this.#checkToken());
    this.#timers.push(
      poll,
      this.#every(this.#options.heartbeatMs ?? HEARTBEAT_MS, () => this.#heartbeat()),
    );
  }

  #stopTimers(): void {
    for (const timer of this.#timers.splice(0)) clearInterval(timer);
  }

  #every(ms: number, run: () => void): NodeJS.Timeout {
    return setInterval(run, ms).unref();
  }

  #remove(subscriber: Subscriber): void {
    subscriber.closed = true;
    this.#subscribers.delete(subscriber);
    if (this.#subscribers.size === 0) this.#stopTimers();
  }

  #checking = false;

  async #checkToken(): Promise<void> {
    // One check at a time: a long transaction (an import) makes the token wait for its end.
    if (this.#reading || this.#checking) return;
    this.#checking = true;
    try {
      const token = await this.#database.changeToken();
      if (token === this.#token) return;
      this.#token = token;
      this.wake();
    } catch {
      // the next check tries again
    } finally {
      this.#checking = false;
    }
  }

  /** Reads while asked to; the last step, with no await after it, says that reading has ended. */
  async #readWhileAsked(): Promise<void> {
    try {
      do {
        this.#readAgain = false;
        const waiting = this.#waiting.splice(0);
        try {
          await this.#read();
        } catch (error) {
          for (const resolve of waiting) resolve(false);
          if (!this.#stopped) {
            this.#options.log.warn(
              { err_message: (error as Error).message },
              'Could not read the change log; will retry',
            );
          }
          return;
        }
        for (const resolve of waiting) resolve(true);
      } while ((this.#readAgain || this.#waiting.length > 0) && !this.#stopped);
    } finally {
      for (const resolve of this.#waiting.splice(0)) resolve(false);
      this.#reading = undefined;
    }
  }

  async #read(): Promise<void> {
    if (!this.#initialized) await this.#initialize();
    for (;;) {
      const { changes, snapshot } =
        this.#database.kind === 'postgres'
          ? await changesAfterWithSnapshot(this.#database, this.#head, READ_BATCH)
          : { changes: await changesAfter(this.#database, this.#head, READ_BATCH), snapshot: undefined };
      if (this.#stopped) return;
      const { xmin, xmax } = snapshot ? parseSnapshot(snapshot) : { xmin: 0n, xmax: 0n };
      let held = false;
      for (const change of changes) {
        if (snapshot && change.seq !== this.#head + 1) {
          if (this.#gap?.seq !== this.#head + 1) this.#gap = { seq: this.#head + 1, xmax };
          if (xmin < this.#gap.xmax) {
            held = true;
            break;
          }
        }
        this.#gap = undefined;
        this.#deliver(change);
      }
      if (held) {
        // Look again soon: the transaction that holds the gap is about to commit or roll back.
        clearTimeout(this.#gapTimer);
        this.#gapTimer = setTimeout(() => this.wake(), GAP_RETRY_MS);
        this.#gapTimer.unref();
        return;
      }
      if (changes.length < READ_BATCH) return;
      // A long run of entries (one big transaction): let the connections take this batch first.
      await setImmediate();
    }
  }

  #deliver(change: Change): void {
    this.#head = change.seq;
    let frame: string | undefined;
    for (const subscriber of this.#subscribers) {
      if (!subscriber.live || change.seq <= subscriber.position) continue;
      subscriber.position = change.seq;
      if (subscriber.product !== undefined && subscriber.product !== change.product) continue;
      frame ??= frameOf(change);
      if (this.#send(subscriber, frame)) this.stats.delivered++;
    }
  }

  /** Writes to a subscriber; drops it (ends its stream) when it has fallen too far behind. */
  #send(subscriber: Subscriber, frame: string): boolean {
    if (subscriber.sink.write(frame)) return true;
    this.stats.dropped++;
    this.#remove(subscriber);
    subscriber.sink.end();
    return false;
  }

  #heartbeat(): void {
    for (const subscriber of this.#subscribers) this.#send(subscriber, ': heartbeat\n\n');
  }
}
