import { type Static, Type } from 'typebox';

// One schema per shape: it drives the response serializer, the TypeScript types, the OpenAPI
// document, and (through the limits read in validation.ts) the field rules.

export const PRODUCT_MAX_LENGTH = 20;
export const PRICE_MIN = 0;
export const PRICE_MAX = 2147483647;

export const Item = Type.Object(
  {
    id: Type.Integer({ minimum: 1, description: 'Assigned by the server; increasing, never reused.' }),
    product: Type.String({
      minLength: 1,
      maxLength: PRODUCT_MAX_LENGTH,
      description: 'Trimmed; 1–20 Unicode code points.',
    }),
    price: Type.Integer({ minimum: PRICE_MIN, maximum: PRICE_MAX }),
  },
  { additionalProperties: false },
);
export type Item = Static<typeof Item>;

export const ItemList = Type.Array(Item);

/** DRF's LimitOffsetPagination envelope, answered when `?limit=` is given. */
export const ItemPage = Type.Object({
  count: Type.Integer({ minimum: 0 }),
  next: Type.Union([Type.String({ format: 'uri' }), Type.Null()]),
  previous: Type.Union([Type.String({ format: 'uri' }), Type.Null()]),
  results: ItemList,
});

/** What a client may send. Numbers are accepted for product and numeric strings for price, as DRF does. */
export const ItemInput = Type.Object({
  product: Type.Union([Type.String(), Type.Number()]),
  price: Type.Union([Type.Integer(), Type.String()]),
});
export const ItemPatch = Type.Partial(ItemInput);

export type ItemFields = { product: string; price: number };

export const ItemListQuery = Type.Object({
  product: Type.Optional(
    Type.String({ description: 'Exact, case-sensitive product name (trimmed); empty = no filter.' }),
  ),
  search: Type.Optional(
    Type.String({
      description: 'Words that must all occur in the product, case-insensitively (split on spaces and commas).',
    }),
  ),
  price_min: Type.Optional(Type.Integer({ description: 'Lowest price, inclusive.' })),
  price_max: Type.Optional(Type.Integer({ description: 'Highest price, inclusive.' })),
  ordering: Type.Optional(
    Type.String({ description: 'Comma-separated fields of id, product, price; `-` for descending. Default: id.' }),
  ),
  limit: Type.Optional(Type.Integer({ minimum: 1, description: 'Turns pagination on: answers the page envelope.' })),
  offset: Type.Optional(Type.Integer({ minimum: 0, description: 'With limit: items to skip.' })),
  format: Type.Optional(Type.Literal('json')),
});

export const ItemParams = Type.Object({ id: Type.String() });

export const Detail = Type.Object({ detail: Type.String() });

export const FieldErrors = Type.Object({
  product: Type.Optional(Type.Array(Type.String())),
  price: Type.Optional(Type.Array(Type.String())),
  non_field_errors: Type.Optional(Type.Array(Type.String())),
});
