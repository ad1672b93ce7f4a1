import { type TSchema, Type } from 'typebox';
import type { FieldTable } from './fields.js';

// The schemas of the item feature. The item's own shapes (answers, requests, the field-error map)
// derive from a field table (fields.ts); they drive the response serializers, the OpenAPI
// document and so the typed client. The query strings' and the other errors' shapes follow.

const PRICE_MAX = 2147483647;

const map = (fields: FieldTable, schema: (name: string) => TSchema) =>
  Object.fromEntries(Object.keys(fields).map((name) => [name, schema(name)]));

const messages = Type.Array(Type.String(), { minItems: 1 });

const INPUT_NOTE = (fields: FieldTable) =>
  ` Fields other than ${Object.keys(fields).join(' and ')} are ignored by the server; the typed client rejects them.`;

/**
 * `make`, called once per source object: schemas made once are shared by every app of a process,
 * and so are the serializers compiled from them (http/json.ts keeps one per schema object).
 */
export function oncePer<Source extends object, Made>(make: (source: Source) => Made): (source: Source) => Made {
  const made = new WeakMap<Source, Made>();
  return (source) => {
    if (!made.has(source)) made.set(source, make(source));
    return made.get(source) as Made;
  };
}

/** The item's shapes for a field table: what the routes serialize and the document describes. */
export const itemSchemas = oncePer((fields: FieldTable) => {
  const Item = Type.Object(
    {
      id: Type.Integer({ minimum: 1, description: 'Assigned by the server; increasing, never reused.' }),
      ...map(fields, (name) => (fields[name] as FieldTable[string]).schema),
    },
    { additionalProperties: false },
  );
  const ItemList = Type.Array(Item);
  /** The envelope of DRF's paginations, answered when `?page_size=` or `?limit=` is given. */
  const ItemPage = Type.Object({
    count: Type.Integer({ minimum: 0 }),
    next: Type.Union([Type.String({ format: 'uri' }), Type.Null()]),
    previous: Type.Union([Type.String({ format: 'uri' }), Type.Null()]),
    results: ItemList,
  });
  // What a client sends, in the strict view the document and the typed client take. The server
  // itself is as lenient as DRF (numbers for text, numeric strings for integers, unknown fields
  // ignored); the descriptions say so.
  const input = (name: string) => (fields[name] as FieldTable[string]).input;
  const ItemInput = Type.Object(map(fields, input), {
    additionalProperties: false,
    description: `A new item, or all fields of an existing one.${INPUT_NOTE(fields)}`,
  });
  const ItemPatch = Type.Object(
    map(fields, (name) => Type.Optional(input(name))),
    {
      additionalProperties: false,
      description: `The fields to change; those left out keep their value.${INPUT_NOTE(fields)}`,
    },
  );
  /** DRF's field-error map of an invalid body: every failing field at once. */
  const FieldErrors = Type.Object(
    { ...map(fields, () => Type.Optional(messages)), non_field_errors: Type.Optional(messages) },
    { additionalProperties: false, minProperties: 1 },
  );
  return { Item, ItemList, ItemPage, ItemInput, ItemPatch, FieldErrors };
});

export type ItemSchemas = ReturnType<typeof itemSchemas>;

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
    Type.Union([Type.Literal('json'), Type.Literal('api'), Type.Literal('csv')], {
      description:
        'DRF’s format override: `json`, or `api` (the browsable API’s name), both JSON; `csv`: the list as CSV ' +
        '(as `Accept: text/csv`); any other value is a 404.',
    }),
  ),
});

/** What every /api URL reads of the query string: DRF's format override (CSV is the list's alone). */
export const FormatQuery = Type.Object({
  format: Type.Optional(
    Type.Union([Type.Literal('json'), Type.Literal('api')], {
      description:
        'DRF’s format override: `json`, or `api` (the browsable API’s name), both JSON; any other value is a 404.',
    }),
  ),
});

/** The filters item URLs honour too (an item outside the filter is a 404). */
export const ItemQuery = Type.Object({
  ...Type.Pick(ItemListQuery, ['product', 'search', 'price_min', 'price_max']).properties,
  ...FormatQuery.properties,
});

export const ItemParams = Type.Object({
  id: Type.Integer({ minimum: 1, description: 'The item’s id. Anything that is not an integer is a 404.' }),
});

export const Detail = Type.Object({ detail: Type.String() }, { additionalProperties: false });

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
