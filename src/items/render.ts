import { compileSerializer } from '../http/json.js';
import type { ItemRecord } from './repository/tables.js';
import type { ItemSchemas } from './schema.js';

/** The item shapes as JSON text, compiled once from their schemas (fast-json-stringify). */
export function itemRenderers(schemas: ItemSchemas) {
  return {
    item: compileSerializer({ schema: schemas.Item }) as (item: ItemRecord) => string,
    list: compileSerializer({ schema: schemas.ItemList }) as (items: ItemRecord[]) => string,
    page: compileSerializer({ schema: schemas.ItemPage }) as (page: {
      count: number;
      next: string | null;
      previous: string | null;
      results: ItemRecord[];
    }) => string,
  };
}

export type ItemRenderers = ReturnType<typeof itemRenderers>;
