import { PARSED_MEDIA_TYPES } from '../http/body.js';
import { PRICE_MAX, PRICE_MIN, PRODUCT_MAX_LENGTH } from './schema.js';

// DRF's SimpleMetadata answers to OPTIONS (contract §9).

const RENDERS = ['application/json', 'text/html'];

const FIELDS = {
  id: { type: 'integer', required: false, read_only: true, label: 'ID' },
  product: { type: 'string', required: true, read_only: false, label: 'Product', max_length: PRODUCT_MAX_LENGTH },
  price: {
    type: 'integer',
    required: true,
    read_only: false,
    label: 'Price',
    min_value: PRICE_MIN,
    max_value: PRICE_MAX,
  },
};

const describe = (name: string, description = '') => ({
  name,
  description,
  renders: RENDERS,
  parses: PARSED_MEDIA_TYPES,
});

export const rootMetadata = describe('Api Root', 'The default basic root view for DefaultRouter');
export const listMetadata = { ...describe('Item List'), actions: { POST: FIELDS } };
export const detailMetadata = { ...describe('Item Instance'), actions: { PUT: FIELDS } };
/** An item URL whose item does not exist: no actions. */
export const missingDetailMetadata = describe('Item Instance');
