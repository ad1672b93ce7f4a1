import { PARSED_MEDIA_TYPES } from '../http/body.js';
import type { FieldTable } from './fields.js';

// DRF's SimpleMetadata answers to OPTIONS (contract §9), from the field table (fields.ts).

const RENDERS = ['application/json', 'text/html'];

const ID = { type: 'integer', required: false, read_only: true, label: 'ID' };

/** The fields as DRF describes a serializer's: type, required, read_only, label, then the limits. */
function fieldsMetadata(fields: FieldTable) {
  const described: Record<string, unknown> = { id: ID };
  for (const [name, field] of Object.entries(fields)) {
    const { type, ...limits } = field.metadata;
    described[name] = { type, required: true, read_only: false, label: field.label, ...limits };
  }
  return described;
}

const describe = (name: string, description = '') => ({
  name,
  description,
  renders: RENDERS,
  parses: PARSED_MEDIA_TYPES,
});

export const rootMetadata = describe('Api Root', 'The default basic root view for DefaultRouter');

/** The metadata of the collection and of an item URL (without actions when the item is missing). */
export function itemMetadata(fields: FieldTable) {
  const described = fieldsMetadata(fields);
  return {
    list: { ...describe('Item List'), actions: { POST: described } },
    detail: { ...describe('Item Instance'), actions: { PUT: described } },
    missingDetail: describe('Item Instance'),
  };
}
