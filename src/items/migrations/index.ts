import type { Migration } from 'kysely';
import type { DatabaseKind } from '../../db/database.js';
import { createItems } from './001_create_items.js';
import { createIdempotencyKeys } from './002_create_idempotency_keys.js';
import { addProductSearch } from './003_add_product_search.js';
import { addOrderIndexes } from './004_add_order_indexes.js';
import { addImportedVersion } from './005_add_imported_version.js';
import { createItemChanges } from './006_create_item_changes.js';
import { itemChangesWithoutAutoincrement } from './007_item_changes_without_autoincrement.js';
import { productIdIndexOnPostgres } from './008_product_id_index_on_postgres.js';

/** The feature's migrations, in order. Names are never changed once released. */
export const itemMigrations = (kind: DatabaseKind): Record<string, Migration> => ({
  '001_create_items': createItems(kind),
  '002_create_idempotency_keys': createIdempotencyKeys(),
  '003_add_product_search': addProductSearch(kind),
  '004_add_order_indexes': addOrderIndexes(kind),
  '005_add_imported_version': addImportedVersion(),
  '006_create_item_changes': createItemChanges(kind),
  '007_item_changes_without_autoincrement': itemChangesWithoutAutoincrement(kind),
  '008_product_id_index_on_postgres': productIdIndexOnPostgres(kind),
});
