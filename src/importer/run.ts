import { createHash } from 'node:crypto';
import type { FieldTable } from '../items/fields.js';
import {
  type HeldItem,
  heldBetween,
  type ImportedRow,
  importedIdsBetween,
  itemsBetween,
  reserveIdsUpTo,
  writeImport,
} from '../items/repository/imports.js';
import type { ItemStore } from '../items/repository/items.js';
import { checkRow, type ImportRow, type Problem } from './rows.js';
import type { Source, SourceRow } from './source.js';

// The import of the Django service's items, in two passes over the source in id order, a batch at
// a time: plan (check every row, compare it with what pricebook holds), then write (each batch in
// one transaction, then read back: the count and checksum of the source's valid rows against
// pricebook's items with those ids verify it).
// Nothing is written when the plan finds a row pricebook cannot hold as it is (unless told to
// skip those) or an item here that differs from its source row and was not imported from it
// (unless told to overwrite).

export interface ImportOptions {
  dryRun: boolean;
  skipInvalid: boolean;
  mirror: boolean;
  overwrite: boolean;
  batchSize: number;
  /** Called after each batch of each pass with the rows done so far. */
  progress?: (pass: 'plan' | 'write', rows: number) => void;
}

export interface Conflict {
  id: number;
  here: ImportedRow;
  source: ImportedRow;
}

export interface Counts {
  imported: number;
  updated: number;
  unchanged: number;
  skipped: number;
  /** Imported earlier, gone from the source since: deleted here only with --mirror. */
  deleted: number;
}

export interface Checksum {
  count: number;
  checksum: string;
}

export interface ImportReport {
  counts: Counts;
  problems: Problem[];
  conflicts: Conflict[];
  /** Ids imported earlier that the source no longer has. */
  goneFromSource: number[];
  /** Why nothing was written, when nothing was. */
  refused?: string;
  verification?: { source: Checksum; target: Checksum };
}

type Action = 'insert' | 'update' | 'unchanged' | 'conflict';

const same = (a: ImportedRow, b: ImportedRow) => a.product === b.product && a.price === b.price;

/** What the import does with a valid source row, given what pricebook holds under its id. */
function actionFor(row: ImportRow, held: HeldItem | undefined): Action {
  if (!held) return 'insert';
  if (same(held, row)) return 'unchanged';
  // Changed in the source since the last import, and not here: the source wins.
  if (held.asImported) return 'update';
  return 'conflict';
}

interface Batch {
  rows: SourceRow[];
  valid: ImportRow[];
  problems: Problem[];
  held: Map<number, HeldItem>;
  /** Ids imported earlier in this batch's range that the source no longer has. */
  gone: number[];
}

/** The source in batches, each with what pricebook holds for its ids. */
async function* batches(source: Source, store: ItemStore, fields: FieldTable, size: number): AsyncGenerator<Batch> {
  let after = 0;
  for (;;) {
    const rows = await source.batch(after, size);
    const last = rows.length < size;
    const upTo = last ? undefined : Number(rows.at(-1)?.id);
    const valid: ImportRow[] = [];
    const problems: Problem[] = [];
    for (const row of rows) {
      const checked = checkRow(row, fields);
      if (Array.isArray(checked)) problems.push(...checked);
      else valid.push(checked);
    }
    const ids = new Set(rows.map((row) => Number(row.id)));
    const gone = (await importedIdsBetween(store, after, upTo)).filter((id) => !ids.has(id));
    const held =
      valid.length > 0 ? await heldBetween(store, valid[0]?.id as number, valid.at(-1)?.id as number) : new Map();
    yield { rows, valid, problems, held, gone };
    if (last) return;
    after = upTo as number;
  }
}

const emptyCounts = (): Counts => ({ imported: 0, updated: 0, unchanged: 0, skipped: 0, deleted: 0 });

export async function runImport(source: Source, store: ItemStore, options: ImportOptions): Promise<ImportReport> {
  const plan = await planImport(source, store, options);
  if (plan.problems.length > 0 && !options.skipInvalid) {
    return {
      ...plan,
      refused: `${plan.problems.length} row(s) break pricebook's rules (--skip-invalid imports the rest)`,
    };
  }
  if (plan.conflicts.length > 0 && !options.overwrite) {
    return {
      ...plan,
      refused: `${plan.conflicts.length} item(s) here differ from their source rows and were not imported from them (--overwrite replaces them)`,
    };
  }
  if (options.dryRun) return plan;
  const written = await applyImport(source, store, options);
  await reserveIdsUpTo(store, await source.lastIssuedId());
  return written;
}

/** The count and checksum of rows, in the order given (id order). */
class Tally {
  readonly #hash = createHash('sha256');
  #count = 0;

  add(rows: ImportedRow[]): void {
    for (const row of rows) this.#hash.update(`${row.id}\t${row.product}\t${row.price}\n`);
    this.#count += rows.length;
  }

  result(): Checksum {
    return { count: this.#count, checksum: this.#hash.digest('hex').slice(0, 16) };
  }
}

/** pricebook's items with the ids of these rows, as they are now. */
async function held(store: ItemStore, rows: ImportRow[]): Promise<ImportedRow[]> {
  if (rows.length === 0) return [];
  const ids = new Set(rows.map((row) => row.id));
  const between = await itemsBetween(store, rows[0]?.id as number, rows.at(-1)?.id as number);
  return between.filter((item) => ids.has(item.id));
}

/** The first pass: what the import would do, and what stops it. Writes nothing. */
async function planImport(source: Source, store: ItemStore, options: ImportOptions): Promise<ImportReport> {
  const counts = emptyCounts();
  const problems: Problem[] = [];
  const conflicts: Conflict[] = [];
  const goneFromSource: number[] = [];
  const [sourceTally, targetTally] = [new Tally(), new Tally()];
  let done = 0;
  for await (const batch of batches(source, store, store.fields, options.batchSize)) {
    problems.push(...batch.problems);
    counts.skipped += new Set(batch.problems.map((problem) => problem.id)).size;
    goneFromSource.push(...batch.gone);
    sourceTally.add(batch.valid);
    if (options.dryRun) targetTally.add(await held(store, batch.valid));
    for (const row of batch.valid) {
      const action = actionFor(row, batch.held.get(row.id));
      if (action === 'insert') counts.imported++;
      else if (action === 'unchanged') counts.unchanged++;
      else counts.updated++;
      const here = batch.held.get(row.id);
      if (action === 'conflict' && here) {
        conflicts.push({ id: row.id, here: { id: here.id, product: here.product, price: here.price }, source: row });
      }
    }
    done += batch.rows.length;
    options.progress?.('plan', done);
  }
  counts.deleted = options.mirror ? goneFromSource.length : 0;
  const verification = options.dryRun ? { source: sourceTally.result(), target: targetTally.result() } : undefined;
  return { counts, problems, conflicts, goneFromSource, verification };
}

/** The second pass: each batch written in one transaction. */
async function applyImport(source: Source, store: ItemStore, options: ImportOptions): Promise<ImportReport> {
  const counts = emptyCounts();
  const problems: Problem[] = [];
  const goneFromSource: number[] = [];
  const [sourceTally, targetTally] = [new Tally(), new Tally()];
  let done = 0;
  for await (const batch of batches(source, store, store.fields, options.batchSize)) {
    problems.push(...batch.problems);
    counts.skipped += new Set(batch.problems.map((problem) => problem.id)).size;
    goneFromSource.push(...batch.gone);
    const insert: ImportedRow[] = [];
    const update: ImportedRow[] = [];
    const mark: number[] = [];
    for (const row of batch.valid) {
      const item = batch.held.get(row.id);
      const action = actionFor(row, item);
      if (action === 'insert') insert.push(row);
      else if (action === 'unchanged') {
        counts.unchanged++;
        if (!item?.asImported) mark.push(row.id);
      } else update.push(row);
    }
    const remove = options.mirror ? batch.gone : [];
    await writeImport(store, { insert, update, mark, remove });
    sourceTally.add(batch.valid);
    targetTally.add(await held(store, batch.valid));
    counts.imported += insert.length;
    counts.updated += update.length;
    counts.deleted += remove.length;
    done += batch.rows.length;
    options.progress?.('write', done);
  }
  return {
    counts,
    problems,
    conflicts: [],
    goneFromSource,
    verification: { source: sourceTally.result(), target: targetTally.result() },
  };
}
