import { createHash } from 'node:crypto';
import type { FieldTable } from '../items/fields.js';
import {
  type HeldState,
  heldBetween,
  type ImportedRow,
  importedIdsBetween,
  itemsWithIds,
  recordImported,
  reserveIdsUpTo,
  writeImport,
} from '../items/repository/imports.js';
import type { ItemStore } from '../items/repository/items.js';
import { checkRow, type ImportRow, type Problem } from './rows.js';
import type { Source, SourceRow } from './source.js';

// The import of the Django service's items, in three passes over the source in id order, a batch
// at a time: plan (check every row, compare it with what pricebook holds), write (each batch in
// one transaction), verify (count and checksum of the source's valid rows against pricebook's).
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
  progress?: (pass: 'plan' | 'write' | 'verify', rows: number) => void;
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
function actionFor(row: ImportRow, held: HeldState | undefined): Action {
  if (!held?.item) return 'insert';
  if (same(held.item, row)) return 'unchanged';
  // Changed in the source since the last import, and not here: the source wins.
  if (held.imported && same(held.imported, held.item)) return 'update';
  return 'conflict';
}

interface Batch {
  rows: SourceRow[];
  valid: ImportRow[];
  problems: Problem[];
  held: Map<number, HeldState>;
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
  if (options.dryRun) return { ...plan, verification: await verify(source, store, options) };
  const written = await applyImport(source, store, options);
  await reserveIdsUpTo(store, await source.lastIssuedId());
  return { ...written, verification: await verify(source, store, options) };
}

/** The first pass: what the import would do, and what stops it. Writes nothing. */
async function planImport(source: Source, store: ItemStore, options: ImportOptions): Promise<ImportReport> {
  const counts = emptyCounts();
  const problems: Problem[] = [];
  const conflicts: Conflict[] = [];
  const goneFromSource: number[] = [];
  let done = 0;
  for await (const batch of batches(source, store, store.fields, options.batchSize)) {
    problems.push(...batch.problems);
    counts.skipped += new Set(batch.problems.map((problem) => problem.id)).size;
    goneFromSource.push(...batch.gone);
    for (const row of batch.valid) {
      const action = actionFor(row, batch.held.get(row.id));
      if (action === 'insert') counts.imported++;
      else if (action === 'unchanged') counts.unchanged++;
      else counts.updated++;
      if (action === 'conflict')
        conflicts.push({ id: row.id, here: batch.held.get(row.id)?.item as ImportedRow, source: row });
    }
    done += batch.rows.length;
    options.progress?.('plan', done);
  }
  counts.deleted = options.mirror ? goneFromSource.length : 0;
  return { counts, problems, conflicts, goneFromSource };
}

/** The second pass: each batch written in one transaction. */
async function applyImport(source: Source, store: ItemStore, options: ImportOptions): Promise<ImportReport> {
  const counts = emptyCounts();
  const problems: Problem[] = [];
  const goneFromSource: number[] = [];
  const now = Date.now();
  let done = 0;
  for await (const batch of batches(source, store, store.fields, options.batchSize)) {
    problems.push(...batch.problems);
    counts.skipped += new Set(batch.problems.map((problem) => problem.id)).size;
    goneFromSource.push(...batch.gone);
    const insert: ImportedRow[] = [];
    const update: ImportedRow[] = [];
    const unrecorded: ImportedRow[] = [];
    for (const row of batch.valid) {
      const held = batch.held.get(row.id);
      const action = actionFor(row, held);
      if (action === 'insert') insert.push(row);
      else if (action === 'unchanged') {
        counts.unchanged++;
        if (!held?.imported || !same(held.imported, row)) unrecorded.push(row);
      } else update.push(row);
    }
    const remove = options.mirror ? batch.gone : [];
    await writeImport(store, { insert, update, remove }, now);
    await recordImported(store, unrecorded, now);
    counts.imported += insert.length;
    counts.updated += update.length;
    counts.deleted += remove.length;
    done += batch.rows.length;
    options.progress?.('write', done);
  }
  return { counts, problems, conflicts: [], goneFromSource };
}

/** The third pass: count and checksum of the source's valid rows, and of pricebook's items with those ids. */
async function verify(source: Source, store: ItemStore, options: ImportOptions): Promise<ImportReport['verification']> {
  const sourceHash = createHash('sha256');
  const targetHash = createHash('sha256');
  const line = (row: ImportedRow) => `${row.id}\t${row.product}\t${row.price}\n`;
  let sourceCount = 0;
  let targetCount = 0;
  let done = 0;
  for (let after = 0; ; ) {
    const rows = await source.batch(after, options.batchSize);
    const valid = rows.map((row) => checkRow(row, store.fields)).filter((row): row is ImportRow => !Array.isArray(row));
    for (const row of valid) sourceHash.update(line(row));
    sourceCount += valid.length;
    const held = await itemsWithIds(
      store,
      valid.map((row) => row.id),
    );
    for (const row of held) targetHash.update(line(row));
    targetCount += held.length;
    done += rows.length;
    options.progress?.('verify', done);
    if (rows.length < options.batchSize) break;
    after = Number(rows.at(-1)?.id);
  }
  const digest = (hash: ReturnType<typeof createHash>) => hash.digest('hex').slice(0, 16);
  return {
    source: { count: sourceCount, checksum: digest(sourceHash) },
    target: { count: targetCount, checksum: digest(targetHash) },
  };
}
