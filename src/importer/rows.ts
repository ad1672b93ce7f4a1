import { type FieldTable, isInvalid } from '../items/fields.js';
import type { SourceRow } from './source.js';

// Which source rows pricebook can hold as they are. The importer never changes a value: a row
// that the API would store differently (a product with spaces at its ends, a price given as
// text), or could not store at all (a price past 2147483647, a product longer than 20
// characters or blank), is reported, never silently fixed or dropped.

export interface ImportRow {
  id: number;
  product: string;
  price: number;
}

export interface Problem {
  id: unknown;
  field: string;
  value: unknown;
  why: string;
}

/** The row as pricebook will hold it, or what is wrong with it (every field, as the API reports). */
export function checkRow(row: SourceRow, fields: FieldTable): ImportRow | Problem[] {
  const problems: Problem[] = [];
  const problem = (field: string, why: string) =>
    problems.push({ id: row.id, field, value: row[field as keyof SourceRow], why });
  if (typeof row.id !== 'number' || !Number.isSafeInteger(row.id) || row.id < 1)
    problem('id', 'not a positive integer');
  for (const name of ['product', 'price'] as const) {
    const value = row[name];
    const expected = name === 'price' ? 'number' : 'string';
    if (value === null || value === undefined) {
      problem(name, 'empty (NULL)');
      continue;
    }
    if (typeof value !== expected) {
      problem(name, `stored as ${typeof value}, not ${expected === 'number' ? 'an integer' : 'text'}`);
      continue;
    }
    const parsed = (fields[name] as FieldTable[string]).parse(value);
    if (isInvalid(parsed)) problem(name, parsed.errors.join(' '));
    else if (parsed !== value) problem(name, 'the API would store it changed (pricebook trims products)');
  }
  return problems.length > 0 ? problems : (row as ImportRow);
}

/** One line per problem: the row, the field, the value and why. */
export const describeProblem = ({ id, field, value, why }: Problem): string =>
  `id ${String(id)}: ${field} ${JSON.stringify(value)}: ${why}`;
