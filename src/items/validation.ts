import { ApiError } from '../http/errors.js';
import { firstLoneSurrogate, hasMoreCodePoints, trimWhitespace, WHITESPACE_CLASS } from '../http/text.js';
import { type ItemFields, PRICE_MAX, PRICE_MIN, PRODUCT_MAX_LENGTH } from './schema.js';

// The field rules of DRF's CharField and IntegerField, with DRF's exact messages and order
// (contract §5). Every failing field is reported at once, product before price.

const REQUIRED = 'This field is required.';
const NULL = 'This field may not be null.';

export function validateItem(data: Record<string, unknown>, partial: boolean): Partial<ItemFields> {
  const errors: Record<string, string[]> = {};
  const fields: Partial<ItemFields> = {};
  if ('product' in data) {
    const result = toProduct(data.product);
    if (typeof result === 'string') fields.product = result;
    else errors.product = result.errors;
  } else if (!partial) errors.product = [REQUIRED];

  if ('price' in data) {
    const result = toPrice(data.price);
    if (typeof result === 'number') fields.price = result;
    else errors.price = result.errors;
  } else if (!partial) errors.price = [REQUIRED];

  if (errors.product || errors.price) throw new ApiError(400, errors);
  return fields;
}

type Invalid = { errors: string[] };

export function toProduct(value: unknown): string | Invalid {
  if (value === null) return { errors: [NULL] };
  if (typeof value !== 'string' && typeof value !== 'number') return { errors: ['Not a valid string.'] };
  const text = trimWhitespace(String(value));
  if (text === '') return { errors: ['This field may not be blank.'] };
  const errors: string[] = [];
  if (hasMoreCodePoints(text, PRODUCT_MAX_LENGTH))
    errors.push(`Ensure this field has no more than ${PRODUCT_MAX_LENGTH} characters.`);
  if (text.includes('\0')) errors.push('Null characters are not allowed.');
  const surrogate = firstLoneSurrogate(text);
  if (surrogate !== undefined) {
    errors.push(`Surrogate characters are not allowed: U+${surrogate.toString(16).toUpperCase().padStart(4, '0')}.`);
  }
  return errors.length > 0 ? { errors } : text;
}

const DECIMAL_ZEROS = new RegExp(`\\.0*[${WHITESPACE_CLASS}]*$`);
const INTEGER_TEXT = /^[+-]?\d+(?:_\d+)*$/;

export function toPrice(value: unknown): number | Invalid {
  if (value === null) return { errors: [NULL] };
  if (typeof value === 'string' && value.length > 1000) return { errors: ['String value too large.'] };
  let number: number;
  if (typeof value === 'number' && Number.isInteger(value)) number = value;
  else if (typeof value === 'string') {
    const text = trimWhitespace(value.replace(DECIMAL_ZEROS, ''));
    if (!INTEGER_TEXT.test(text)) return { errors: ['A valid integer is required.'] };
    number = Number(text.replaceAll('_', ''));
  } else return { errors: ['A valid integer is required.'] };
  if (number < PRICE_MIN) return { errors: [`Ensure this value is greater than or equal to ${PRICE_MIN}.`] };
  if (number > PRICE_MAX) return { errors: [`Ensure this value is less than or equal to ${PRICE_MAX}.`] };
  return number === 0 ? 0 : number; // -0 → 0
}
