import { Readable } from 'node:stream';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Database } from '../db/database.js';
import { nowMicros } from '../db/sqlite-driver.js';
import { ApiError, detail } from '../http/errors.js';
import { routeOn } from '../http/resources.js';
import { pythonInt, trimWhitespace } from '../http/text.js';
import { originOf, queryOf } from '../items/context.js';
import { noItem } from '../items/errors.js';
import { parseItemId } from '../items/item-id.js';
import { paginationOf, windowOf } from '../items/pagination.js';
import { filterOf } from '../items/query.js';
import { historyDocs } from './docs.js';
import { type ChangeFeed, FeedFull, type Sink, type Subscription } from './feed.js';
import { lowestPrice } from './lowest-price.js';
import { type Change, countHistory, entriesFrom, historyOf, itemSeen, type Period } from './repository.js';
import { isoOfMicros, MICROS_PER_DAY, microsOfIso } from './time.js';
import { EVENTS, ITEM_HISTORY, ITEM_LOWEST_PRICE } from './urls.js';

// GET /api/items/{id}/history/, /api/items/{id}/lowest-price/ and /api/events/ (the feed, feed.ts).

export interface HistorySettings {
  retentionDays: number;
  pageMaxLimit: number;
  maxClients: number;
}

/** A subscriber further behind than this many bytes is disconnected (it resumes with Last-Event-ID). */
const SUBSCRIBER_BUFFER_BYTES = 256 * 1024;
/** Catching up from the log waits until the buffer is below this. */
const SUBSCRIBER_LOW_WATER = 64 * 1024;
/** Sent first: EventSource reconnects after this many ms (after SIGTERM, to another replica). */
const RECONNECT_MS = 1000;
const FULL_RETRY_AFTER_S = 5;

const entryOf = (change: Change) => ({
  seq: change.seq,
  kind: change.kind,
  version: change.version,
  product: change.product,
  price: change.price,
  at: isoOfMicros(change.at),
});

/** ?since= and ?until=, as microseconds; a bad one is a 400 in the filters' error shape. */
function periodOf(query: Record<string, string | undefined>): Period {
  const errors: Record<string, string[]> = {};
  const period: Period = {};
  for (const name of ['since', 'until'] as const) {
    const raw = trimWhitespace(query[name] ?? '');
    if (raw === '') continue;
    const micros = microsOfIso(raw);
    if (micros === undefined) errors[name] = ['Enter a valid ISO 8601 date or date-time.'];
    else period[name] = micros;
  }
  if (Object.keys(errors).length > 0) throw new ApiError(400, errors);
  return period;
}

export function historyRoutes(
  app: FastifyInstance,
  database: Database,
  feed: ChangeFeed,
  settings: HistorySettings,
): void {
  const idOf = (request: FastifyRequest) => parseItemId((request.params as { id: string }).id);

  routeOn(app, ITEM_HISTORY, 'GET', {
    schema: historyDocs.history,
    handler: async (request, reply) => {
      const id = idOf(request);
      const query = queryOf(request);
      const period = periodOf(query);
      const pagination = paginationOf(query, settings.pageMaxLimit);
      let body: string;
      if (pagination) {
        const count = await countHistory(database, id, period);
        if (count === 0 && !(await itemSeen(database, id))) throw noItem();
        const window = windowOf(pagination, count);
        const results = (await historyOf(database, id, period, window)).map(entryOf);
        body = JSON.stringify({ count, ...window.links(new URL(request.url, originOf(request))), results });
      } else {
        const entries = await historyOf(database, id, period);
        if (entries.length === 0 && !(await itemSeen(database, id))) throw noItem();
        body = JSON.stringify(entries.map(entryOf));
      }
      return reply.type('application/json').send(body);
    },
  });

  routeOn(app, ITEM_LOWEST_PRICE, 'GET', {
    schema: historyDocs.lowestPrice,
    handler: async (request, reply) => {
      const id = idOf(request);
      const days = daysOf(queryOf(request).days, settings.retentionDays);
      const now = nowMicros();
      const from = now - days * MICROS_PER_DAY;
      const entries = await entriesFrom(database, id, from);
      if (entries.length === 0) throw noItem();
      const lowest = lowestPrice(entries, from);
      if (!lowest) throw detail(404, `The item had no price in the last ${days} days.`);
      return reply
        .type('application/json')
        .send(JSON.stringify({ price: lowest.price, at: isoOfMicros(lowest.at), days }));
    },
  });

  routeOn(app, EVENTS, 'GET', {
    schema: historyDocs.events,
    handler: async (request, reply) => {
      const query = queryOf(request);
      const { product } = filterOf({ product: query.product });
      const after = positionOf(request.headers['last-event-id'], query.after);
      reply
        .header('content-type', 'text/event-stream')
        .header('cache-control', 'no-cache')
        .header('x-accel-buffering', 'no')
        // When the server ends a stream (a stop, a subscriber dropped) the connection goes with
        // it: kept alive, it would be an idle connection that a stopping server waits out.
        .header('connection', 'close');
      if (request.method === 'HEAD') return reply.send('');
      if (feed.clients >= settings.maxClients) throw full();
      const stream = new Readable({ read() {} });
      const sink = streamSink(stream, reply);
      stream.push(`retry: ${RECONNECT_MS}\n\n`);
      // Answered once the subscriber's place in the log is fixed: a write acknowledged after the
      // client has this answer is then always on the stream.
      let subscription: Subscription;
      try {
        subscription = await feed.subscribe(sink, after, product);
      } catch (error) {
        if (error instanceof FeedFull) throw full();
        // A 200 that ends at once: EventSource tries again after `retry`, where a 5xx would stop it for good.
        cannotRead(request, error);
        sink.end();
        return reply.send(stream);
      }
      reply.send(stream);
      if (reply.raw.destroyed) subscription.remove();
      else reply.raw.once('close', subscription.remove);
      subscription.caughtUp.catch((error: unknown) => {
        cannotRead(request, error);
        sink.end();
      });
      return reply;
    },
  });
}

const cannotRead = (request: FastifyRequest, error: unknown) =>
  request.log.warn({ err_message: (error as Error).message }, 'Could not read the change log for a subscriber');

const full = () =>
  detail(503, 'Too many event stream connections on this server. Try again shortly.', {
    'retry-after': String(FULL_RETRY_AFTER_S),
  });

/** The Readable the reply streams, as the feed's sink: bounded by what the connection has not taken yet. */
function streamSink(stream: Readable, reply: FastifyReply): Sink {
  const buffered = () => stream.readableLength + reply.raw.writableLength;
  let ended = false;
  return {
    write(frame) {
      if (ended || reply.raw.destroyed) return false;
      if (buffered() > SUBSCRIBER_BUFFER_BYTES) return false;
      stream.push(frame);
      return true;
    },
    drained: () =>
      new Promise<void>((resolve) => {
        const check = () => {
          if (ended || reply.raw.destroyed || buffered() <= SUBSCRIBER_LOW_WATER) {
            reply.raw.off('drain', check);
            reply.raw.off('close', check);
            resolve();
          }
        };
        reply.raw.on('drain', check);
        reply.raw.on('close', check);
        check();
      }),
    end() {
      if (ended) return;
      ended = true;
      stream.push(null);
    },
  };
}

/** Last-Event-ID (a reconnecting EventSource sends it), else ?after=: a whole number ≥ 0, or 400. */
function positionOf(header: string | string[] | undefined, after: string | undefined): number | undefined {
  const [name, raw] = header !== undefined ? ['Last-Event-ID', String(header)] : ['after', after];
  if (raw === undefined || raw.trim() === '') return undefined;
  const value = pythonInt(raw);
  if (value === undefined || value < 0 || !Number.isSafeInteger(value)) {
    throw new ApiError(400, {
      [name === 'after' ? 'after' : 'last_event_id']: ['A valid event id (a whole number) is required.'],
    });
  }
  return value;
}

/** ?days=, from 1 to the retention (default 30, as the directive's window). */
function daysOf(raw: string | undefined, retentionDays: number): number {
  if (raw === undefined || raw.trim() === '') return Math.min(30, retentionDays);
  const days = pythonInt(raw);
  if (days === undefined || days < 1 || days > retentionDays) {
    throw new ApiError(400, { days: [`Ensure this value is a whole number from 1 to ${retentionDays}.`] });
  }
  return days;
}
