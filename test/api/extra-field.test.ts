import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { sql } from 'kysely';
import { ITEM_FIELDS, text } from '../../src/items/fields.js';
import { itemDb } from '../../src/items/repository/tables.js';
import { backends } from '../helpers/backends.js';
import { build, call } from '../helpers/build.js';
import { outsideTheApi } from '../helpers/openapi.js';

// Adding a field to the item is a migration, one entry in the field table (items/fields.ts), and
// tests: everything else derives from the table. Here a `currency` field (three letters) is
// added the way a migration would, and the app is built from the table with it: the field must
// validate, be stored, be changed alone by a PATCH, be listed, and appear in OPTIONS and in the
// OpenAPI document (every answer below is also checked against the document the app serves).

const FIELDS = { ...ITEM_FIELDS, currency: text({ label: 'Currency', maxLength: 3 }) };

const addCurrency = async (database: Parameters<typeof itemDb>[0]) => {
  await sql`alter table items add column currency text not null default 'EUR'`.execute(itemDb(database));
};

for (const backend of backends) {
  describe(`a field added to the declaration (${backend})`, () => {
    test('validates, stores, patches alone, lists, and shows in OPTIONS and the document', async (t) => {
      const { app, database } = await build(t, backend, {}, { fields: FIELDS, afterMigrations: addCurrency });
      const stored = async (id: number) =>
        itemDb(database)
          .selectFrom('items')
          .select(['product', 'price', 'currency', 'version'])
          .where('id', '=', id)
          .executeTakeFirst();

      const created = await call(app, 'POST', '/api/items/', { product: 'Apple', price: 100, currency: ' USD ' });
      assert.equal(created.status, 201, created.body);
      assert.equal(created.body, '{"id":1,"product":"Apple","price":100,"currency":"USD"}', 'in declaration order');
      assert.deepEqual(await stored(1), { product: 'Apple', price: 100, currency: 'USD', version: 1 });

      const invalid = await call(app, 'POST', '/api/items/', { product: 'Pear', price: 1, currency: 'DOLLAR' });
      assert.equal(invalid.status, 400);
      assert.deepEqual(invalid.json(), { currency: ['Ensure this field has no more than 3 characters.'] });
      const missing = await call(app, 'POST', '/api/items/', { product: 'Pear', price: 1 });
      assert.equal(missing.status, 400);
      assert.deepEqual(missing.json(), { currency: ['This field is required.'] });
      const putMissing = await call(app, 'PUT', '/api/items/1/', { product: 'Apple', price: 100 });
      assert.deepEqual(putMissing.json(), { currency: ['This field is required.'] });
      const blank = await call(app, 'PATCH', '/api/items/1/', { currency: ' ' });
      assert.deepEqual(blank.json(), { currency: ['This field may not be blank.'] });
      assert.deepEqual(
        await stored(1),
        { product: 'Apple', price: 100, currency: 'USD', version: 1 },
        'nothing stored',
      );

      const patched = await call(app, 'PATCH', '/api/items/1/', { currency: 'CHF' });
      assert.equal(patched.status, 200);
      assert.equal(patched.body, '{"id":1,"product":"Apple","price":100,"currency":"CHF"}');
      assert.equal(patched.headers.etag, '"1-2"', 'a PATCH of only the new field is a change: a new version');
      const same = await call(app, 'PATCH', '/api/items/1/', { currency: 'CHF' });
      assert.equal(same.headers.etag, '"1-2"', 'and the same value again is none');
      assert.deepEqual(await stored(1), { product: 'Apple', price: 100, currency: 'CHF', version: 2 });

      assert.equal(
        (await call(app, 'GET', '/api/items/')).body,
        '[{"id":1,"product":"Apple","price":100,"currency":"CHF"}]',
      );
      assert.deepEqual((await call(app, 'GET', '/api/items/?ordering=-currency&limit=1')).json().results, [
        { id: 1, product: 'Apple', price: 100, currency: 'CHF' },
      ]);

      const options = await call(app, 'OPTIONS', '/api/items/');
      assert.deepEqual(options.json().actions.POST.currency, {
        type: 'string',
        required: true,
        read_only: false,
        label: 'Currency',
        max_length: 3,
      });
      const document = (await outsideTheApi(() => call(app, 'GET', '/api/schema/'))).json();
      const { Item, ItemInput, ItemPatch, FieldErrors } = document.components.schemas;
      assert.deepEqual(Object.keys(Item.properties), ['id', 'product', 'price', 'currency']);
      assert.deepEqual(ItemInput.required, ['product', 'price', 'currency']);
      assert.equal(ItemPatch.properties.currency.maxLength, 3);
      assert.ok(FieldErrors.properties.currency, 'the field-error map names it');
    });
  });
}
