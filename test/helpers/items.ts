import type { Database } from '../../src/db/database.js';
import type { ItemFields } from '../../src/items/fields.js';
import type { ItemFilter, ItemOrder } from '../../src/items/repository/filters.js';
import {
  createItem,
  getItem,
  type ItemStore,
  itemStore,
  listItems,
  listItemsInChunks,
  updateItem,
} from '../../src/items/repository/items.js';
import type { Item } from '../../src/items/repository/tables.js';

// The items a test database holds, read and written through the repository (not the API): to
// seed a test and to check what the API stored.

export type { Item };

export interface TestItems {
  store: ItemStore;
  create(fields: ItemFields): Promise<Item>;
  list(filter?: ItemFilter, order?: ItemOrder): Promise<Item[]>;
  get(id: number, filter?: ItemFilter): Promise<Item | undefined>;
  update(id: number, changes: Partial<ItemFields>, expectedVersion?: number): ReturnType<typeof updateItem>;
  listInChunks(filter: ItemFilter, order: ItemOrder, size: number): AsyncGenerator<Item[]>;
}

export function itemsIn(database: Database): TestItems {
  const store = itemStore(database) as ItemStore;
  return {
    store,
    create: (fields) => createItem(store, fields) as Promise<Item>,
    list: (filter, order) => listItems(store, filter, order) as Promise<Item[]>,
    get: (id, filter) => getItem(store, id, filter) as Promise<Item | undefined>,
    update: (id, changes, expectedVersion) => updateItem(store, id, changes, { expectedVersion }),
    listInChunks: (filter, order, size) => listItemsInChunks(store, filter, order, size) as AsyncGenerator<Item[]>,
  };
}
