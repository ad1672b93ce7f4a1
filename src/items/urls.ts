import { defineResource } from '../http/resources.js';

// The feature's URLs and the methods each allows (contract §2).

export const API_ROOT = defineResource('/api/', 'GET, HEAD, OPTIONS');
export const ITEM_LIST = defineResource('/api/items/', 'GET, POST, HEAD, OPTIONS');
export const ITEM_DETAIL = defineResource('/api/items/:id/', 'GET, PUT, PATCH, DELETE, HEAD, OPTIONS');
