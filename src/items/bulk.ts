import { ApiError } from '../http/errors.js';
import { pythonInt } from '../http/text.js';
import { expectedVersion, READ_TO_DECIDE, versionNamed } from './etag.js';
import type { FieldTable } from './fields.js';
import { inOneTransaction } from './repository/bulk.js';
import type { StoredResponse } from './repository/idempotency.js';
import { claimKey } from './repository/idempotency.js';
import { deleteItem, getItem, type ItemStore, insertItem, STALE, updateItem } from './repository/items.js';
import type { ItemRecord } from './repository/tables.js';
import { validateFields } from './validation.js';

// Bulk writes (POST /api/items/bulk/, and the CSV import): a list of creates, updates and deletes,
// validated as a whole before anything is written, then applied in input order in one transaction
// through the same repository functions a single write uses. Either every operation applies or
// none does. An operation sees the effects of those before it (two updates of one item apply one
// after the other; an update after a delete of the same id finds nothing).

type Values = Record<string, unknown>;

export type Operation =
  | { op: 'create'; values: Values }
  | { op: 'update'; id: number; values: Values; ifMatch?: string }
  | { op: 'delete'; id: number; ifMatch?: string };

export const OPS = ['create', 'update', 'delete'] as const;

/** The keys an operation may hold, besides the fields: what the body parser keeps of each. */
export const operationKeys = (fields: FieldTable) => ['op', 'id', 'if_match', ...Object.keys(fields)];

export type OperationErrors = Record<string, string[]>;

const REQUIRED = 'This field is required.';

/** Python's name of a JSON value's type, as DRF names it in "Expected a dictionary, but got …". */
const pythonType = (value: unknown) =>
  typeof value === 'string'
    ? 'str'
    : typeof value === 'boolean'
      ? 'bool'
      : typeof value === 'number'
        ? Number.isInteger(value)
          ? 'int'
          : 'float'
        : Array.isArray(value)
          ? 'list'
          : 'dict';

function readId(value: unknown): number | string {
  const id =
    typeof value === 'number' && Number.isInteger(value)
      ? value
      : typeof value === 'string' && value.length <= 100
        ? pythonInt(value)
        : undefined;
  if (id === undefined || !Number.isSafeInteger(id)) return 'A valid integer is required.';
  if (id < 1) return 'Ensure this value is greater than or equal to 1.';
  return id;
}

/**
 * One element of the list as an operation, or its errors: DRF's field-error map, with `op`, `id`
 * and `if_match` checked as fields before the item's own (fields.ts, with DRF's messages).
 */
export function readOperation(fields: FieldTable, element: unknown): Operation | OperationErrors {
  if (element === null) return { non_field_errors: ['No data provided'] };
  if (typeof element !== 'object' || Array.isArray(element)) {
    return { non_field_errors: [`Invalid data. Expected a dictionary, but got ${pythonType(element)}.`] };
  }
  const data = element as Values;
  const errors: OperationErrors = {};
  const op = data.op;
  if (op === undefined) errors.op = [REQUIRED];
  else if (typeof op !== 'string' || !(OPS as readonly string[]).includes(op)) {
    errors.op = [`"${typeof op === 'string' ? op : JSON.stringify(op)}" is not a valid choice.`];
  }
  let id: number | undefined;
  if (op === 'create') {
    if (Object.hasOwn(data, 'id')) errors.id = ['A create takes no id: the server assigns it.'];
  } else if (op === 'update' || op === 'delete') {
    const read = data.id === undefined || data.id === null ? REQUIRED : readId(data.id);
    if (typeof read === 'string') errors.id = [read];
    else id = read;
  }
  let ifMatch: string | undefined;
  if (Object.hasOwn(data, 'if_match')) {
    if (op === 'create') errors.if_match = ['A create has no precondition.'];
    else if (typeof data.if_match !== 'string' || data.if_match.trim() === '') {
      errors.if_match = ['An ETag such as "12-3", or *.'];
    } else ifMatch = data.if_match;
  }
  let values: Values = {};
  if (op === 'create' || op === 'update') {
    try {
      values = validateFields(fields, data, op === 'update');
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      Object.assign(errors, error.body);
    }
  }
  if (Object.keys(errors).length > 0) return errors;
  if (op === 'create') return { op, values };
  if (op === 'update') return { op, id: id as number, values, ...(ifMatch === undefined ? {} : { ifMatch }) };
  return { op: 'delete', id: id as number, ...(ifMatch === undefined ? {} : { ifMatch }) };
}

export const isOperation = (value: Operation | OperationErrors): value is Operation =>
  typeof (value as Operation).op === 'string' && !Array.isArray((value as OperationErrors).op);

/** What one operation did: the item as it is now (null for a delete), and for an update the item before. */
export interface Applied {
  item: ItemRecord | null;
  before?: ItemRecord;
}

export type BulkOutcome =
  | { kind: 'applied'; results: Applied[]; stored?: StoredResponse }
  /** Operations (their indexes) whose id names no item, when they were reached. */
  | { kind: 'missing'; operations: number[] }
  /** Operations whose if_match did not match the item when they were reached. */
  | { kind: 'stale'; operations: number[] }
  /** Another request holds the Idempotency-Key: its answer. */
  | { kind: 'claimed' };

export interface BulkOptions {
  /** Apply, answer, and roll back. */
  dryRun?: boolean;
  /** Read each updated item before it changes (the import's preview). */
  withBefore?: boolean;
  /** Store the answer under an Idempotency-Key, in the same transaction. */
  idempotency?: { key: string; requestHash: string; ttlMs: number; render: (results: Applied[]) => string };
}

/**
 * Applies the (valid) operations in order in one transaction. Every operation is tried, so that an
 * answer lists every missing id and every stale precondition, not only the first; then, if any
 * failed, everything is rolled back. A missing item wins over a stale one, as on a single write.
 */
export function applyOperations(store: ItemStore, operations: Operation[], options: BulkOptions = {}) {
  return inOneTransaction<BulkOutcome>(store, async (runner, trx) => {
    const results: Applied[] = [];
    const missing: number[] = [];
    const stale: number[] = [];
    for (const [index, operation] of operations.entries()) {
      if (operation.op === 'create') {
        results.push({ item: await insertItem(store, operation.values, runner) });
        continue;
      }
      let version = versionNamed(operation.ifMatch, operation.id);
      let before: ItemRecord | undefined;
      if (version === READ_TO_DECIDE || (options.withBefore && operation.op === 'update')) {
        before = await getItem(store, operation.id, {}, runner);
        if (!before) {
          missing.push(index);
          results.push({ item: null });
          continue;
        }
      }
      if (version === READ_TO_DECIDE) {
        try {
          version = expectedVersion(operation.ifMatch, before as ItemRecord);
        } catch {
          stale.push(index);
          results.push({ item: null });
          continue;
        }
      }
      const conditions = { expectedVersion: version };
      const done =
        operation.op === 'update'
          ? await updateItem(store, operation.id, operation.values, conditions, runner)
          : await deleteItem(store, operation.id, conditions, runner);
      if (done === STALE) stale.push(index);
      else if (done === undefined) missing.push(index);
      results.push({ item: done === true || done === STALE || done === undefined ? null : done, before });
    }
    if (missing.length > 0) return { value: { kind: 'missing', operations: missing }, commit: false };
    if (stale.length > 0) return { value: { kind: 'stale', operations: stale }, commit: false };
    if (options.dryRun) return { value: { kind: 'applied', results }, commit: false };
    const { idempotency } = options;
    if (!idempotency) return { value: { kind: 'applied', results }, commit: true };
    const stored = { requestHash: idempotency.requestHash, statusCode: 200, body: idempotency.render(results) };
    if (!(await claimKey(trx, idempotency.key, stored, idempotency.ttlMs))) {
      return { value: { kind: 'claimed' }, commit: false };
    }
    return { value: { kind: 'applied', results, stored }, commit: true };
  });
}
