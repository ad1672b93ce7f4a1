import { defineResource } from '../http/resources.js';

// The feature's URLs and the methods each allows (contract §2).

export const API_ROOT = defineResource('/api/', 'GET, HEAD, OPTIONS');
export const ITEM_LIST = defineResource('/api/items/', 'GET, POST, HEAD, OPTIONS');
export const ITEM_DETAIL = defineResource('/api/items/:id/', 'GET, PUT, PATCH, DELETE, HEAD, OPTIONS');
/** Many writes in one transaction (bulk.ts), and a CSV file applied as one (csv.ts). */
export const ITEM_BULK = defineResource('/api/items/bulk/', 'POST, OPTIONS');
export const ITEM_IMPORT = defineResource('/api/items/import/', 'POST, OPTIONS');
