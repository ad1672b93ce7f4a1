import type pg from 'pg';
import { serialize } from 'pg-protocol';
import type { Deadlines } from './deadlines.js';

// Reads of the change token (postgres.ts) on a connection of their own. The token is read for
// nearly every request (one read shared by those that arrive together), so its read takes the
// shortest path there is: no checkout from the pool, and the same bytes sent every time (bind,
// execute, sync of a statement prepared once per connection), nothing serialized per read.

const NAME = 'pb_snapshot';
const TEXT = 'select pg_current_snapshot()::text';

const RUN = Buffer.concat([
  serialize.bind({ statement: NAME, values: [] }),
  serialize.execute({ portal: '' }),
  serialize.sync(),
]);
const PREPARE_AND_RUN = Buffer.concat([serialize.parse({ name: NAME, text: TEXT, types: [] }), RUN]);

/** pg's connection as this statement sees it. */
interface Connection {
  parsedStatements: Record<string, string | undefined>;
  submittedNamedStatements: Record<string, string | undefined>;
  stream: { write(bytes: Buffer): unknown };
}

type Answer = (error: Error | undefined, snapshot?: string) => void;

/** One read of the current snapshot, as a pg Submittable (pg calls a handler per message). */
class SnapshotRead implements pg.Submittable {
  readonly name = NAME;
  readonly text = TEXT;
  #snapshot: string | undefined;
  #answer: Answer | undefined;

  constructor(answer: Answer) {
    this.#answer = answer;
  }

  submit(connection: pg.Connection): Error | null {
    const con = connection as unknown as Connection;
    const prepared = con.parsedStatements[NAME] !== undefined || con.submittedNamedStatements[NAME] !== undefined;
    if (!prepared) con.submittedNamedStatements[NAME] = TEXT;
    con.stream.write(prepared ? RUN : PREPARE_AND_RUN);
    return null;
  }

  handleDataRow(message: { fields: Array<string | null> }): void {
    this.#snapshot = message.fields[0] ?? undefined;
  }

  handleRowDescription(): void {}
  handleCommandComplete(): void {}
  handleEmptyQuery(): void {}
  handlePortalSuspended(): void {}
  handleCopyInResponse(): void {}
  handleCopyData(): void {}

  handleError(error: Error): void {
    this.#settle(error);
  }

  handleReadyForQuery(): void {
    if (this.#snapshot === undefined) this.#settle(new Error('The snapshot read returned no row'));
    else this.#settle(undefined, this.#snapshot);
  }

  /** Answers once: an error is followed by the server's readyForQuery, which then says nothing. */
  #settle(error: Error | undefined, snapshot?: string): void {
    const answer = this.#answer;
    this.#answer = undefined;
    answer?.(error, snapshot);
  }
}

export interface SnapshotReader {
  /** The current snapshot (xmin:xmax:in-progress ids), as text. */
  read(): Promise<string>;
  close(): Promise<void>;
}

/**
 * Reads the snapshot on a client made by `open`, connected on the first read and again after it
 * is lost; a read past its deadline fails, and its connection is thrown away.
 */
export function snapshotReader(open: () => pg.Client, deadline: Deadlines | undefined): SnapshotReader {
  let held: { client: pg.Client; ready: Promise<pg.Client> } | undefined;
  let closed = false;

  const connection = (): Promise<pg.Client> => {
    if (held) return held.ready;
    const client = open();
    const entry = { client, ready: client.connect().then(() => client) };
    const drop = () => {
      if (held === entry) held = undefined;
    };
    // A lost connection fails the read under way (pg tells the statement); the next connects again.
    client.on('error', drop);
    client.on('end', drop);
    entry.ready.catch(drop);
    held = entry;
    return entry.ready;
  };

  const throwAway = (client: pg.Client) => {
    if (held?.client === client) held = undefined;
    client.end().catch(() => {});
  };

  return {
    async read() {
      if (closed) throw new Error('The database is closed');
      const client = await connection();
      const snapshot = new Promise<string>((resolve, reject) => {
        client.query(new SnapshotRead((error, value) => (error ? reject(error) : resolve(value as string))));
      });
      return deadline ? deadline.guard(snapshot, () => throwAway(client)) : snapshot;
    },
    async close() {
      closed = true;
      const client = held?.client;
      held = undefined;
      await client?.end().catch(() => {});
    },
  };
}
