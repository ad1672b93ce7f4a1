import type { Migration } from 'kysely';

// Responses to POSTs made with an Idempotency-Key, kept in the database so that a retry reaching
// another replica gets the same answer.
export const createIdempotencyKeys = (): Migration => ({
  async up(db) {
    await db.schema
      .createTable('idempotency_keys')
      .addColumn('key', 'text', (col) => col.primaryKey())
      .addColumn('request_hash', 'text', (col) => col.notNull())
      .addColumn('status_code', 'integer', (col) => col.notNull())
      .addColumn('response_body', 'text', (col) => col.notNull())
      .addColumn('created_at', 'bigint', (col) => col.notNull())
      .execute();
    await db.schema
      .createIndex('idempotency_keys_created_at_idx')
      .on('idempotency_keys')
      .column('created_at')
      .execute();
  },
  async down(db) {
    await db.schema.dropTable('idempotency_keys').execute();
  },
});
