import { type TSchema, Type } from 'typebox';
import { firstLoneSurrogate, hasMoreCodePoints, pythonInt, trimWhitespace, WHITESPACE_CLASS } from '../http/text.js';

// The item's fields, declared once. Everything else about them derives from this table:
// the TypeBox schemas (answers, requests, the OpenAPI document and so the typed client),
// validation with DRF's messages, the OPTIONS metadata, the stored columns, and what a PUT or
// PATCH changes. Adding a field is a migration (migrations/), one entry here, and tests.

/** What a field of some kind knows. `T` is its value as stored and answered. */
export interface Field<T = unknown> {
  /** DRF's label, shown by OPTIONS. */
  label: string;
  /** The value as the API answers it. */
  schema: TSchema;
  /** What a client sends, in the strict view of the document and the typed client. */
  input: TSchema;
  /** DRF's to_internal_value, with its messages; `null` and absent are handled for every kind. */
  parse(value: unknown): T | Invalid;
  /** DRF's SimpleMetadata entry, beyond type, required, read_only and label. */
  metadata: Record<string, unknown> & { type: string };
  /** Text stored beside the value for case-insensitive `?search=` (a column `<name>_search`). */
  searchForm?: (value: T) => string;
  /**
   * An update usually sends this value unchanged (a product's name, while its price changes). On
   * a database that rewrites index entries for every column an update sets, an update first
   * tries to leave it out (repository/items.ts).
   */
  usuallyUnchanged?: true;
}

export interface Invalid {
  errors: string[];
}

export const isInvalid = (value: unknown): value is Invalid =>
  typeof value === 'object' && value !== null && 'errors' in value;

const describe = (description: string | undefined) => (description ? { description } : {});

/** Some character that is not whitespace (Python's notion, as the server trims): blank is a 400. */
const NOT_BLANK = `[^${WHITESPACE_CLASS}]`;

/**
 * DRF's CharField: trimmed, not blank, at most `maxLength` code points, no NUL and no lone
 * surrogate; a number is taken as its text.
 */
export function text(options: {
  label: string;
  maxLength: number;
  description?: string;
  /** Stored in a search form beside the value, so that `?search=` finds it (search.ts). */
  searchForm?: (value: string) => string;
  usuallyUnchanged?: true;
}): Field<string> {
  const { label, maxLength } = options;
  return {
    label,
    schema: Type.String({ minLength: 1, maxLength, ...describe(options.description) }),
    input: Type.String({
      minLength: 1,
      maxLength,
      pattern: NOT_BLANK,
      description: `Trimmed by the server, then 1–${maxLength} Unicode code points; not blank, no NUL character. (The server also takes a number and stores its text.)`,
    }),
    parse(value) {
      if (typeof value !== 'string' && typeof value !== 'number') return { errors: ['Not a valid string.'] };
      const text = trimWhitespace(String(value));
      if (text === '') return { errors: ['This field may not be blank.'] };
      const errors: string[] = [];
      if (hasMoreCodePoints(text, maxLength))
        errors.push(`Ensure this field has no more than ${maxLength} characters.`);
      if (text.includes('\0')) errors.push('Null characters are not allowed.');
      const surrogate = firstLoneSurrogate(text);
      if (surrogate !== undefined) {
        const hex = surrogate.toString(16).toUpperCase().padStart(4, '0');
        errors.push(`Surrogate characters are not allowed: U+${hex}.`);
      }
      return errors.length > 0 ? { errors } : text;
    },
    metadata: { type: 'string', max_length: maxLength },
    ...(options.searchForm ? { searchForm: options.searchForm } : {}),
    ...(options.usuallyUnchanged ? { usuallyUnchanged: true } : {}),
  };
}

const DECIMAL_ZEROS = new RegExp(`\\.0*[${WHITESPACE_CLASS}]*$`);

/**
 * DRF's IntegerField from `min` to `max`: an integral JSON number, or a string holding one
 * (surrounding whitespace, a sign, and `.0…` allowed, as Python's int() after DRF's trimming).
 */
export function integer(options: { label: string; min: number; max: number; description?: string }): Field<number> {
  const { label, min, max } = options;
  return {
    label,
    schema: Type.Integer({ minimum: min, maximum: max, ...describe(options.description) }),
    input: Type.Integer({
      minimum: min,
      maximum: max,
      description: 'An integer. (The server also takes a string of digits, as DRF does.)',
    }),
    parse(value) {
      if (typeof value === 'string' && value.length > 1000) return { errors: ['String value too large.'] };
      const number =
        typeof value === 'number' && Number.isInteger(value)
          ? value
          : typeof value === 'string'
            ? pythonInt(value.replace(DECIMAL_ZEROS, ''))
            : undefined;
      if (number === undefined) return { errors: ['A valid integer is required.'] };
      if (number < min) return { errors: [`Ensure this value is greater than or equal to ${min}.`] };
      if (number > max) return { errors: [`Ensure this value is less than or equal to ${max}.`] };
      return number === 0 ? 0 : number; // -0 → 0
    },
    metadata: { type: 'integer', min_value: min, max_value: max },
  };
}

/**
 * The form of a product that `?search=` compares: lower case by JavaScript's full Unicode
 * mapping, with the Greek final sigma folded to σ (toLowerCase writes ς at the end of a word,
 * so "ΚΑΣ" would otherwise miss "ΚΑΣΤΑΝΑ"). Stored beside the product and applied to the search
 * terms alike.
 */
export const searchForm = (text: string): string => text.toLowerCase().replaceAll('ς', 'σ');

/** The item's fields, in the order of the JSON answers and of DRF's error maps. */
export const ITEM_FIELDS = {
  product: text({
    label: 'Product',
    maxLength: 20,
    description: 'Trimmed; 1–20 Unicode code points.',
    searchForm,
    usuallyUnchanged: true,
  }),
  price: integer({ label: 'Price', min: 0, max: 2147483647 }),
};

// biome-ignore lint/suspicious/noExplicitAny: a table holds fields of every value type
export type FieldTable = Record<string, Field<any>>;
export type ItemFieldTable = typeof ITEM_FIELDS;

/** The values of a field table: what an item holds besides its id and version. */
export type FieldValues<F extends FieldTable> = {
  [K in keyof F]: F[K] extends Field<infer T> ? T : never;
};

export type ItemFields = FieldValues<ItemFieldTable>;
