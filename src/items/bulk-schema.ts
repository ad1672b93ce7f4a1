import { type TSchema, Type } from 'typebox';
import { FormatQuery, type ItemSchemas, oncePer } from './schema.js';

// The shapes of bulk writes and of the CSV import, from the item's own (schema.ts, and so from the
// field table): what the routes serialize, the OpenAPI document describes and the typed client types.

const messages = Type.Array(Type.String(), { minItems: 1 });
const map = (names: string[], schema: (name: string) => TSchema) =>
  Object.fromEntries(names.map((name) => [name, schema(name)]));

export const DESCRIPTIONS = {
  BulkResults: 'Aligned with the operations: the created or updated item, `null` for a delete.',
  BulkErrors: 'Aligned with the operations: the errors of each, `{}` for the valid ones. Nothing was written.',
  ImportErrors: 'What is wrong with the file, by line and column. Nothing was written.',
};

const ETAG = 'The item’s ETag now, as GET answers it in its ETag header: send it back as `if_match`.';

export const bulkSchemas = oncePer(({ Item, ItemInput }: ItemSchemas) => {
  const fields = Object.keys(Item.properties).filter((name) => name !== 'id');
  const input = (name: string) => (ItemInput.properties as Record<string, TSchema>)[name] as TSchema;
  const id = Type.Integer({ minimum: 1, description: 'The item’s id.' });
  const ifMatch = Type.String({
    minLength: 1,
    description: 'A precondition, compared as If-Match is: the ETag read earlier (or `*`: the item must exist).',
  });
  const BulkCreate = Type.Object(
    { op: Type.Literal('create'), ...map(fields, input) },
    { additionalProperties: false, description: 'Creates an item.' },
  );
  const BulkUpdate = Type.Object(
    {
      op: Type.Literal('update'),
      id,
      if_match: Type.Optional(ifMatch),
      ...map(fields, (n) => Type.Optional(input(n))),
    },
    { additionalProperties: false, description: 'Changes the fields given of an item (as PATCH).' },
  );
  const BulkDelete = Type.Object(
    { op: Type.Literal('delete'), id, if_match: Type.Optional(ifMatch) },
    { additionalProperties: false, description: 'Deletes an item.' },
  );
  const BulkItem = Type.Object(
    { ...Item.properties, etag: Type.String({ pattern: '^"[0-9]+-[0-9]+"$', description: ETAG }) },
    { additionalProperties: false },
  );
  const BulkResults = Type.Array(Type.Union([BulkItem, Type.Null()]), { description: DESCRIPTIONS.BulkResults });
  const OperationErrors = Type.Object(
    {
      op: Type.Optional(messages),
      id: Type.Optional(messages),
      if_match: Type.Optional(messages),
      ...map(fields, () => Type.Optional(messages)),
      non_field_errors: Type.Optional(messages),
    },
    { additionalProperties: false, description: 'DRF’s field-error map of one operation; `{}` when it is valid.' },
  );
  const BulkErrors = Type.Array(OperationErrors, { description: DESCRIPTIONS.BulkErrors });
  const BulkFailure = Type.Object(
    {
      detail: Type.String(),
      operations: Type.Array(Type.Integer({ minimum: 0 }), {
        minItems: 1,
        description: 'The indexes (from 0) of the operations that failed.',
      }),
      ids: Type.Array(Type.Integer(), { minItems: 1, description: 'Their ids, in the same order.' }),
    },
    { additionalProperties: false },
  );
  const fieldValues = map(fields, (name) => (Item.properties as Record<string, TSchema>)[name] as TSchema);
  const ImportRow = Type.Object(
    {
      line: Type.Integer({ minimum: 2, description: 'The row’s line in the file (the header is line 1).' }),
      action: Type.Union([Type.Literal('create'), Type.Literal('update'), Type.Literal('unchanged')]),
      id: Type.Union([Type.Integer({ minimum: 1 }), Type.Null()], {
        description: 'The item’s id; `null` for an item a dry run would create.',
      }),
      ...fieldValues,
      before: Type.Optional(
        Type.Object(fieldValues, { additionalProperties: false, description: 'An updated item’s values before.' }),
      ),
    },
    { additionalProperties: false },
  );
  const ImportSummary = Type.Object(
    {
      dry_run: Type.Boolean({ description: 'True: nothing was written; this is what the import would do.' }),
      created: Type.Integer({ minimum: 0 }),
      updated: Type.Integer({ minimum: 0 }),
      unchanged: Type.Integer({ minimum: 0 }),
      rows: Type.Array(ImportRow, { description: 'Every row, in the file’s order.' }),
    },
    { additionalProperties: false },
  );
  const ImportError = Type.Object(
    {
      line: Type.Integer({ minimum: 1 }),
      column: Type.Union([Type.Integer({ minimum: 1 }), Type.Null()], {
        description: 'The column, from 1 (A = 1); null for the whole row.',
      }),
      field: Type.Union([Type.String(), Type.Null()], { description: 'The column’s name, when it has one.' }),
      messages,
    },
    { additionalProperties: false },
  );
  const ImportErrors = Type.Object(
    { detail: Type.String(), errors: Type.Array(ImportError, { minItems: 1 }) },
    {
      additionalProperties: false,
      description: 'What is wrong with the file, by line and column. Nothing was written.',
    },
  );
  return {
    BulkCreate,
    BulkUpdate,
    BulkDelete,
    BulkItem,
    BulkResults,
    OperationErrors,
    BulkErrors,
    BulkFailure,
    ImportRow,
    ImportSummary,
    ImportError,
    ImportErrors,
  };
});

export type BulkSchemas = ReturnType<typeof bulkSchemas>;

export const BulkQuery = Type.Object({
  dry_run: Type.Optional(
    Type.Boolean({
      description:
        '`true`: apply everything in a transaction, answer what it did, and roll it back: nothing is written ' +
        '(an Idempotency-Key is then ignored).',
    }),
  ),
  ...FormatQuery.properties,
});
