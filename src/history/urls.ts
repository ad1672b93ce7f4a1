import { notAcceptable } from '../http/errors.js';
import { defineResource } from '../http/resources.js';

// The history feature's URLs and the methods each allows.

export const ITEM_HISTORY = defineResource('/api/items/:id/history/', 'GET, HEAD');
export const ITEM_LOWEST_PRICE = defineResource('/api/items/:id/lowest-price/', 'GET, HEAD');

/** The feed renders one type: any Accept that allows text/event-stream (or none) is fine; `format` is ignored. */
const acceptsEventStream = (_format: string | undefined, accept: string | undefined) => {
  if (!accept) return;
  const allowed = accept.split(',').some((part) => {
    const range = (part.split(';', 1)[0] ?? '').trim().toLowerCase();
    return range === '*/*' || range === 'text/*' || range === 'text/event-stream';
  });
  if (!allowed) throw notAcceptable();
};

export const EVENTS = defineResource('/api/events/', 'GET, HEAD', acceptsEventStream);
