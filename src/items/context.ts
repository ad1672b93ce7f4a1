import type { FastifyRequest } from 'fastify';
import type { Database } from '../db/database.js';
import { type FieldTable, ITEM_FIELDS } from './fields.js';
import { itemMetadata } from './metadata.js';
import { itemRenderers } from './render.js';
import { type ItemStore, itemStore } from './repository/items.js';
import { itemSchemas } from './schema.js';

// Everything the item routes share, made once from the field table and the settings.

export interface ItemsSettings {
  idempotencyTtlSeconds: number;
  pageMaxLimit: number;
  bulkMaxOperations: number;
  importMaxRows: number;
}

/** The feature's context: made once per app, from the database, the settings and the field table. */

export function itemsContext(database: Database, settings: ItemsSettings, fields: FieldTable = ITEM_FIELDS) {
  const schemas = itemSchemas(fields);
  return {
    fields,
    store: itemStore(database, fields) as ItemStore,
    schemas,
    render: itemRenderers(schemas),
    metadata: itemMetadata(fields),
    /** `?ordering=` may name the id and every declared field. */
    orderable: new Set(['id', ...Object.keys(fields)]),
    /** The body fields a write reads. */
    inputFields: Object.keys(fields),
    pageMaxLimit: settings.pageMaxLimit,
    bulkMaxOperations: settings.bulkMaxOperations,
    importMaxRows: settings.importMaxRows,
    idempotencyTtlMs: settings.idempotencyTtlSeconds * 1000,
  };
}

export type ItemsContext = ReturnType<typeof itemsContext>;

/** Absolute URLs are built from the request's Host header, as Django does (ALLOWED_HOSTS is `*`). */
export const originOf = (request: FastifyRequest) => `${request.protocol}://${request.headers.host ?? 'localhost'}`;

/** The query string as the router parses it (http/app: last value of a repeated key wins). */
export const queryOf = (request: FastifyRequest) => request.query as Record<string, string | undefined>;
