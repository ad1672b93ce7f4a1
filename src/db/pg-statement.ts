import { LRUCache } from 'lru-cache';
import type pg from 'pg';
import pgUtils from 'pg/lib/utils.js';

// Runs of a named (prepared) statement on a pg client, as pg's own Query runs one (parse once per
// connection, then bind, describe, execute, sync in one write), without what a general query
// carries: an event emitter, a result object, and the row parsers and row template that pg builds
// anew for every result. A statement's row shape (its columns' names and types) is kept by name,
// and used again while the server describes the same columns.
//
// Several runs of the statement (each with its own values) go in the same write, one bind and
// execute each, before one sync: one round trip for all (PostgreSQL's pipelining). Until that sync
// they form one implicit transaction: all are committed, or, on any error, none.

type TypeParsers = (oid: number, format: 'text') => (value: string) => unknown;

interface Field {
  name: string;
  dataTypeID: number;
  format: string;
}

/** How the rows of one statement are read: its columns and a parser for each. */
interface RowShape {
  fields: Field[];
  names: string[];
  parsers: Array<(value: string) => unknown>;
}

export interface StatementResult<R> {
  rows: R[];
  /** Rows written or read, from the server's command tag; null when it names none. */
  rowCount: number | null;
}

export type StatementCallback<R> = (error: Error | undefined, results?: Array<StatementResult<R>>) => void;

const NOT_SENT = Symbol('not sent');

/**
 * True when a failed statement changed nothing: the server refused it (any error it reports
 * before the runs' sync rolls all of them back), or pg could not send its values. False for a lost
 * connection or a timeout, after which a write may or may not have been committed.
 */
export const changedNothing = (error: unknown): boolean =>
  typeof error === 'object' &&
  error !== null &&
  (NOT_SENT in error || (typeof (error as { code?: unknown }).code === 'string' && 'severity' in error));

/** A command tag: `SELECT 5`, `UPDATE 1`, `INSERT 0 1` (the last number is the row count). */
const COMMAND_TAG = /^[A-Za-z]+(?: (\d+))?(?: (\d+))?/;

/** Row shapes by statement name, one set per type configuration; at most `max` (the least recently used go). */
export class RowShapes {
  readonly #byName: LRUCache<string, RowShape>;
  readonly #parserOf: TypeParsers;

  constructor(parserOf: TypeParsers, max: number) {
    this.#parserOf = parserOf;
    this.#byName = new LRUCache({ max });
  }

  of(name: string, fields: Field[]): RowShape {
    const known = this.#byName.get(name);
    if (known && sameFields(known.fields, fields)) return known;
    const shape: RowShape = {
      fields,
      names: fields.map((field) => field.name),
      parsers: fields.map((field) => this.#parserOf(field.dataTypeID, 'text')),
    };
    this.#byName.set(name, shape);
    return shape;
  }
}

const sameFields = (a: Field[], b: Field[]) =>
  a.length === b.length &&
  a.every((field, i) => field.name === b[i]?.name && field.dataTypeID === b[i]?.dataTypeID && b[i]?.format === 'text');

/** pg's client as a statement sees it: the connection pg passes to a submitted query. */
interface Connection {
  parsedStatements: Record<string, string | undefined>;
  submittedNamedStatements: Record<string, string | undefined>;
  stream: { cork?: () => void; uncork?: () => void };
  parse(query: { text: string; name: string }): void;
  bind(config: { statement: string; values: readonly unknown[]; valueMapper?: (value: unknown) => unknown }): void;
  describe(message: { type: 'P'; name: string }): void;
  execute(config: { portal: string }): void;
  sync(): void;
  sendCopyFail(message: string): void;
}

/** A pg Submittable: pg calls submit() when the connection is free, then a handler per message. */
export class NamedStatement<R> implements pg.Submittable {
  readonly #results: Array<StatementResult<R>>;
  /** The run whose answer the server is sending. */
  #current = 0;
  #shape: RowShape | undefined;
  #callback: StatementCallback<R> | undefined;
  #failed: Error | undefined;

  constructor(
    readonly name: string,
    readonly text: string,
    /** Each run's values. */
    readonly runs: ReadonlyArray<readonly unknown[]>,
    private readonly shapes: RowShapes,
    callback: StatementCallback<R>,
  ) {
    this.#callback = callback;
    this.#results = runs.map(() => ({ rows: [], rowCount: null }));
  }

  submit(connection: pg.Connection): Error | null {
    const con = connection as unknown as Connection;
    const previous = con.parsedStatements[this.name] ?? con.submittedNamedStatements[this.name];
    if (previous !== undefined && previous !== this.text) {
      return new Error(`Prepared statement ${this.name} was used for a different statement`);
    }
    con.stream.cork?.();
    try {
      if (previous === undefined) {
        con.parse({ text: this.text, name: this.name });
        con.submittedNamedStatements[this.name] = this.text;
      }
      // Values are mapped before anything is sent: one pg cannot send fails every run, and none is
      // sent (the statement, if just parsed, stays prepared).
      let mapped: unknown[][];
      try {
        mapped = this.runs.map((values) => values.map(pgUtils.prepareValue));
      } catch (error) {
        con.sync();
        this.handleError(Object.assign(error as Error, { [NOT_SENT]: true }));
        return null;
      }
      for (const [i, values] of mapped.entries()) {
        con.bind({ statement: this.name, values });
        // The runs share the statement's row shape: the server describes it once.
        if (i === 0) con.describe({ type: 'P', name: '' });
        con.execute({ portal: '' });
      }
      con.sync();
    } finally {
      con.stream.uncork?.();
    }
    return null;
  }

  handleRowDescription(message: { fields: Field[] }): void {
    this.#shape = this.shapes.of(this.name, message.fields);
  }

  handleDataRow(message: { fields: Array<string | null> }): void {
    const result = this.#results[this.#current];
    if (this.#failed || !result) return;
    const { names, parsers } = this.#shape as RowShape;
    const values = message.fields;
    const row: Record<string, unknown> = {};
    try {
      for (let i = 0; i < values.length; i++) {
        const value = values[i];
        row[names[i] as string] = value == null ? null : (parsers[i] as (v: string) => unknown)(value);
      }
    } catch (error) {
      // A value its parser refuses fails this run once the server is done with it; thrown from
      // here, it would be thrown out of pg's socket handler and end the process.
      this.#failed = error as Error;
      return;
    }
    result.rows.push(row as R);
  }

  handleCommandComplete(message: { text: string }): void {
    const result = this.#results[this.#current++];
    if (!result) return;
    const tag = COMMAND_TAG.exec(message.text);
    const count = tag?.[2] ?? tag?.[1];
    result.rowCount = count === undefined ? null : Number(count);
  }

  handleEmptyQuery(): void {}

  handlePortalSuspended(): void {}

  handleCopyInResponse(connection: pg.Connection): void {
    (connection as unknown as Connection).sendCopyFail('No source stream defined');
  }

  handleCopyData(): void {}

  handleError(error: Error): void {
    this.#answer(error);
  }

  handleReadyForQuery(): void {
    if (this.#failed) this.#answer(this.#failed);
    else this.#answer(undefined, this.#results);
  }

  /** Answers once: an error is followed by the server's readyForQuery, which then says nothing. */
  #answer(error: Error | undefined, results?: Array<StatementResult<R>>): void {
    const callback = this.#callback;
    this.#callback = undefined;
    callback?.(error, results);
  }
}
