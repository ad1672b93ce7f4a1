import { detail } from '../http/errors.js';

// The feature's own error answers (the generic ones are in http/errors.ts).

/** An id that is an integer but names no item (or one outside the URL's filters). */
export const noItem = () => detail(404, 'No Item matches the given query.');

/** If-Match named a version the item no longer has. */
export const preconditionFailed = () =>
  detail(412, 'The item has changed since it was read: its ETag no longer matches If-Match.');
