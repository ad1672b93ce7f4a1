import { compileSerializer } from '../http/json.js';
import { Item, ItemList, ItemPage } from './schema.js';

// The item shapes as JSON text, compiled once from their schemas (fast-json-stringify).
export const renderItem = compileSerializer({ schema: Item });
export const renderList = compileSerializer({ schema: ItemList });
export const renderPage = compileSerializer({ schema: ItemPage });
