import { type Static, Type } from 'typebox';
import { WHITESPACE_CLASS } from '../http/text.js';

// One schema per shape: it drives the response serializer, the TypeScript types, the OpenAPI
// document, and (through the limits read in validation.ts) the field rules.

export const PRODUCT_MAX_LENGTH = 20;
export const PRICE_MIN = 0;
export const PRICE_MAX = 2147483647;

const price = (description?: string) =>
  Type.Integer({ minimum: PRICE_MIN, maximum: PRICE_MAX, ...(description ? { description } : {}) });

export const Item = Type.Object(
  {
    id: Type.Integer({ minimum: 1, description: 'Assigned by the server; increasing, never reused.' }),
    product: Type.String({
      minLength: 1,
      maxLength: PRODUCT_MAX_LENGTH,
      description: 'Trimmed; 1–20 Unicode code points.',
    }),
    price: price(),
  },
  { additionalProperties: false },
);
export type Item = Static<typeof Item>;

export const ItemList = Type.Array(Item);

/** The envelope of DRF's paginations, answered when `?page_size=` or `?limit=` is given. */
export const ItemPage = Type.Object({
  count: Type.Integer({ minimum: 0 }),
  next: Type.Union([Type.String({ format: 'uri' }), Type.Null()]),
  previous: Type.Union([Type.String({ format: 'uri' }), Type.Null()]),
  results: ItemList,
});

// What a client sends, in the strict view the OpenAPI document and the typed client take: a
// string product, an integer price, no other field. The server itself is as lenient as DRF
// (numbers for product, numeric strings for price, unknown fields ignored); the descriptions say so.

/** Some character that is not whitespace (Python's notion, as the server trims): "blank" is a 400. */
const NOT_BLANK = `[^${WHITESPACE_CLASS}]`;
const INPUT_PRODUCT = Type.String({
  minLength: 1,
  maxLength: PRODUCT_MAX_LENGTH,
  pattern: NOT_BLANK,
  description:
    'Trimmed by the server, then 1–20 Unicode code points; not blank, no NUL character. ' +
    '(The server also takes a number and stores its text.)',
});
const INPUT_PRICE = price('An integer. (The server also takes a string of digits, as DRF does.)');
const INPUT_NOTE = ' Fields other than product and price are ignored by the server; the typed client rejects them.';

export const ItemInput = Type.Object(
  { product: INPUT_PRODUCT, price: INPUT_PRICE },
  { additionalProperties: false, description: `A new item, or all fields of an existing one.${INPUT_NOTE}` },
);
export const ItemPatch = Type.Object(
  { product: Type.Optional(INPUT_PRODUCT), price: Type.Optional(INPUT_PRICE) },
  { additionalProperties: false, description: `The fields to change; those left out keep their value.${INPUT_NOTE}` },
);

export type ItemFields = { product: string; price: number };

/** A price bound: an integer in the price column's range (PostgreSQL's `integer`), else a 400. */
const filterInteger = (description: string) =>
  Type.Integer({ minimum: -PRICE_MAX - 1, maximum: PRICE_MAX, description });

/**
 * limit and offset, as DRF reads them: a value that is not a positive integer (`0`, `abc`) is not
 * an error but no value, so anything is accepted here; contract-testing tools must expect no 400.
 */
const lenientInteger = (minimum: number, description: string) =>
  Type.Union([Type.Integer({ minimum }), Type.String()], { description });

export const ItemListQuery = Type.Object({
  product: Type.Optional(
    Type.String({ description: 'Exact, case-sensitive product name (trimmed); empty = no filter.' }),
  ),
  search: Type.Optional(
    Type.String({
      description:
        'Words that must all occur in the product, case-insensitively (split on spaces and commas; a quoted phrase ' +
        'is one word). At most 10 distinct words: more is a 400.',
    }),
  ),
  price_min: Type.Optional(filterInteger('Lowest price, inclusive.')),
  price_max: Type.Optional(filterInteger('Highest price, inclusive.')),
  ordering: Type.Optional(
    Type.String({
      description:
        'Comma-separated fields of id, product, price; `-` for descending. Unknown fields are ignored. Default: id.',
    }),
  ),
  limit: Type.Optional(
    lenientInteger(
      1,
      'A positive integer turns pagination on: the answer is the page envelope, with at most this many items ' +
        '(capped by the server’s PAGE_MAX_LIMIT). Any other value (`0`, `abc`) is ignored: the bare list.',
    ),
  ),
  offset: Type.Optional(
    lenientInteger(0, 'With limit: how many items to skip. Any value that is not a whole number counts as 0.'),
  ),
  page_size: Type.Optional(
    lenientInteger(
      1,
      'A positive integer turns DRF’s page-number pagination on (it wins over `limit`): the page envelope with at ' +
        'most this many items (capped by PAGE_MAX_LIMIT). Any other value is ignored: the bare list.',
    ),
  ),
  page: Type.Optional(
    Type.Union([Type.Integer({ minimum: 1 }), Type.Literal('last')], {
      description:
        'With page_size: the page, from 1 (the default) or `last`. `0`, a non-number or a page past the end is ' +
        '404 `{"detail": "Invalid page."}`; without page_size it is ignored.',
    }),
  ),
  format: Type.Optional(
    Type.Union([Type.Literal('json'), Type.Literal('api')], {
      description:
        'DRF’s format override: `json`, or `api` (the browsable API’s name), both JSON; any other value is a 404.',
    }),
  ),
});

/** What every /api URL reads of the query string: DRF's format override. */
export const FormatQuery = Type.Pick(ItemListQuery, ['format']);

/** The filters item URLs honour too (an item outside the filter is a 404). */
export const ItemQuery = Type.Pick(ItemListQuery, ['product', 'search', 'price_min', 'price_max', 'format']);

export const ItemParams = Type.Object({
  id: Type.Integer({ minimum: 1, description: 'The item’s id. Anything that is not an integer is a 404.' }),
});

export const Detail = Type.Object({ detail: Type.String() }, { additionalProperties: false });

const messages = Type.Array(Type.String(), { minItems: 1 });

/** DRF's field-error map of an invalid body: every failing field at once. */
export const FieldErrors = Type.Object(
  { product: Type.Optional(messages), price: Type.Optional(messages), non_field_errors: Type.Optional(messages) },
  { additionalProperties: false, minProperties: 1 },
);

/** The same map for the filters of the query string. */
export const FilterErrors = Type.Object(
  {
    product: Type.Optional(messages),
    search: Type.Optional(messages),
    price_min: Type.Optional(messages),
    price_max: Type.Optional(messages),
  },
  { additionalProperties: false, minProperties: 1 },
);
