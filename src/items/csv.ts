import { setImmediate } from 'node:timers/promises';
import type { CsvRecord } from '../http/csv.js';
import { csvRecord } from '../http/csv.js';
import { ApiError, detail } from '../http/errors.js';
import { pythonInt } from '../http/text.js';
import { isOperation, type Operation, readOperation } from './bulk.js';
import type { FieldTable } from './fields.js';
import type { ItemRecord } from './repository/tables.js';

// Items as CSV, for spreadsheets: the columns are the id and the declared fields (id,product,price).
//
// Export: UTF-8 with a byte order mark (Excel reads a CSV file as the system's ANSI code page
// unless it starts with one; LibreOffice and Numbers recognise it too), CRLF line ends, and
// formula neutralising: a text value that starts with = + - @, a tab or a CR (after any number of
// apostrophes) gets one apostrophe in front, so that a spreadsheet shows it as text instead of
// running it as a formula. Import strips exactly that apostrophe again, so every value
// round-trips unchanged.

/** Text a spreadsheet would take for a formula: a trigger character, after any apostrophes. */
const FORMULA_LIKE = /^'*[=+\-@\t\r]/;
const NEUTRALISED = /^'+[=+\-@\t\r]/;

export const neutralise = (text: string): string => (FORMULA_LIKE.test(text) ? `'${text}` : text);
export const restore = (text: string): string => (NEUTRALISED.test(text) ? text.slice(1) : text);

export const BOM = '\ufeff';

export const csvColumns = (fields: FieldTable): string[] => ['id', ...Object.keys(fields)];

/** One item as a CSV record (CRLF-terminated). */
export function itemRecord(fields: FieldTable, item: ItemRecord): string {
  const values = [String(item.id)];
  for (const name of Object.keys(fields)) {
    const value = (item as Record<string, unknown>)[name];
    values.push(typeof value === 'string' ? neutralise(value) : String(value));
  }
  return csvRecord(values);
}

/**
 * The whole CSV, a chunk of items at a time with a turn of the event loop between chunks (as the
 * JSON list streams): the memory it holds is one chunk, whatever the list's size.
 */
export async function* itemsCsv(fields: FieldTable, chunks: AsyncIterable<ItemRecord[]>): AsyncGenerator<string> {
  yield `${BOM}${csvRecord(csvColumns(fields))}`;
  for await (const chunk of chunks) {
    let text = '';
    for (const item of chunk) text += itemRecord(fields, item);
    yield text;
    await setImmediate();
  }
}

// --- Import ---------------------------------------------------------------------------------

/** A problem of an imported file: its line, the column (from 1) and the column's name when known. */
export interface ImportError {
  line: number;
  column: number | null;
  field: string | null;
  messages: string[];
}

export const importFailure = (status: number, message: string, errors: ImportError[]) =>
  new ApiError(status, { detail: message, errors });

const invalidFile = (errors: ImportError[]) =>
  importFailure(400, 'The CSV file has errors (line and column of each below); nothing was written.', errors);

/** Reads the header: the columns, in any order, each once; their positions by name. */
function readHeader(fields: FieldTable, header: CsvRecord | undefined): Map<string, number> {
  const columns = csvColumns(fields);
  const expected = columns.join(',');
  if (!header) {
    throw invalidFile([{ line: 1, column: null, field: null, messages: [`The header row ${expected} is missing.`] }]);
  }
  const positions = new Map<string, number>();
  const errors: ImportError[] = [];
  header.fields.forEach((raw, index) => {
    const name = raw.trim().toLowerCase();
    const at = { line: header.line, column: index + 1, field: name || null };
    if (!columns.includes(name))
      errors.push({ ...at, messages: [`Unknown column "${raw}": the header is ${expected}.`] });
    else if (positions.has(name)) errors.push({ ...at, messages: [`The column "${name}" appears twice.`] });
    else positions.set(name, index);
  });
  for (const name of columns) {
    if (!positions.has(name)) {
      errors.push({ line: header.line, column: null, field: name, messages: [`The column "${name}" is missing.`] });
    }
  }
  if (errors.length > 0) throw invalidFile(errors);
  return positions;
}

export interface ImportPlan {
  operations: Operation[];
  /** The line each operation comes from. */
  lines: number[];
  /** The column of each name, from 1. */
  columns: Map<string, number>;
}

/**
 * The rows of a CSV file as bulk operations: an empty id creates, an id replaces that item's
 * fields. Every row is checked before anything is written; the errors name their line and column.
 */
export function readImport(fields: FieldTable, records: CsvRecord[], maxRows: number): ImportPlan {
  const rows = records.length - 1;
  if (rows > maxRows) {
    throw detail(413, `A CSV import may hold at most ${maxRows} rows; this one holds ${rows}. Split the file.`);
  }
  const positions = readHeader(fields, records[0]);
  const columns = new Map([...positions].map(([name, index]) => [name, index + 1]));
  const width = positions.size;
  const operations: Operation[] = [];
  const lines: number[] = [];
  const errors: ImportError[] = [];
  for (const record of records.slice(1)) {
    if (record.fields.length !== width) {
      errors.push({
        line: record.line,
        column: null,
        field: null,
        messages: [`Expected ${width} values, as the header has, but got ${record.fields.length}.`],
      });
      continue;
    }
    const data: Record<string, unknown> = {};
    for (const [name, index] of positions) {
      const value = record.fields[index] as string;
      data[name] = name === 'id' ? value : restore(value);
    }
    const id = String(data.id).trim();
    delete data.id;
    const operation = readOperation(
      fields,
      id === '' ? { op: 'create', ...data } : { op: 'update', id: idOf(id), ...data },
    );
    if (isOperation(operation)) {
      operations.push(operation);
      lines.push(record.line);
      continue;
    }
    for (const [name, messages] of Object.entries(operation)) {
      const column = columns.get(name) ?? null;
      errors.push({ line: record.line, column, field: column === null ? null : name, messages });
    }
  }
  if (errors.length > 0) throw invalidFile(errors);
  return { operations, lines, columns };
}

/** An id cell as the bulk operation reads it (a number when it is one, else the text, which fails there). */
const idOf = (text: string): unknown => pythonInt(text) ?? text;
