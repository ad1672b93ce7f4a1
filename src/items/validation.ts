import { ApiError } from '../http/errors.js';
import { type FieldTable, type FieldValues, isInvalid } from './fields.js';

// DRF's validation of a body against the field table (fields.ts), with DRF's messages and order
// (contract §5): every failing field is reported at once, in the table's order. A field the table
// declares is always checked: none can be forgotten, and a failing one always fails the request.

const REQUIRED = 'This field is required.';
const NULL = 'This field may not be null.';

/** The body's field values, or a 400 with every failing field; `partial` (PATCH): only those present. */
export function validateFields<F extends FieldTable>(
  fields: F,
  data: Record<string, unknown>,
  partial: boolean,
): Partial<FieldValues<F>> {
  const errors: Record<string, string[]> = {};
  const values: Record<string, unknown> = {};
  for (const [name, field] of Object.entries(fields)) {
    if (!Object.hasOwn(data, name)) {
      if (!partial) errors[name] = [REQUIRED];
      continue;
    }
    const value = data[name];
    const parsed = value === null ? { errors: [NULL] } : field.parse(value);
    if (isInvalid(parsed)) errors[name] = parsed.errors;
    else values[name] = parsed;
  }
  if (Object.keys(errors).length > 0) throw new ApiError(400, errors);
  return values as Partial<FieldValues<F>>;
}
