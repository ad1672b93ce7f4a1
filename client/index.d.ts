import type { Client, ClientOptions, ClientPathsWithMethod, FetchResponse, MaybeOptionalInit } from 'openapi-fetch';
import type { components, paths } from './schema.js';

// The pricebook API's types (schema.d.ts, generated from openapi.json by `npm run client:generate`)
// on openapi-fetch's client. Its methods are declared here so that a request is checked against
// the operation as it is written: openapi-fetch infers the request options from the call itself,
// which lets a body with unknown fields through; here they are a compile error.

export type { components, paths };

type Method = 'get' | 'put' | 'post' | 'delete' | 'options' | 'patch';
type PathWith<M extends Method> = ClientPathsWithMethod<Client<paths>, M>;
type Options<P extends keyof paths, M extends Method> = MaybeOptionalInit<paths[P], M & keyof paths[P]>;
/** The options argument: optional when the operation needs no parameter and no body. */
type OptionsArgument<T> = undefined extends T ? [options?: T] : [options: T];

/**
 * One HTTP method of the client: the path names the operation, and its parameters and body are checked as written.
 * `data` is typed as the JSON answer where an operation has one besides others (the list's CSV: ask for it with
 * `parseAs: 'text'`, which types `data` as a string).
 */
export type Call<M extends Method> = <P extends PathWith<M>>(
  url: P,
  ...options: OptionsArgument<Options<P, M>>
) => Promise<
  FetchResponse<paths[P][M & keyof paths[P]] & Record<string | number, unknown>, Options<P, M>, 'application/json'>
>;

export interface PricebookClient {
  GET: Call<'get'>;
  POST: Call<'post'>;
  PUT: Call<'put'>;
  PATCH: Call<'patch'>;
  DELETE: Call<'delete'>;
  OPTIONS: Call<'options'>;
  /** openapi-fetch middleware (e.g. to add the Authorization header to every request). */
  use: Client<paths>['use'];
  eject: Client<paths>['eject'];
}

type Schemas = components['schemas'];
/** An item as the API answers it. */
export type Item = Schemas['Item'];
/** A new item, or both fields of an existing one (POST, PUT). */
export type ItemInput = Schemas['ItemInput'];
/** The fields to change (PATCH). */
export type ItemPatch = Schemas['ItemPatch'];
/** A page of the list (`?limit=`). */
export type ItemPage = Schemas['ItemPage'];
/** A 400 of a body: the fields with their messages. */
export type FieldErrors = Schemas['FieldErrors'];
/** A 400 of the query string's filters. */
export type FilterErrors = Schemas['FilterErrors'];
/** Any other error: `{"detail": "…"}`. */
export type Detail = Schemas['Detail'];

/** A client for the pricebook API at `baseUrl` (e.g. `http://localhost:8000`). */
export function createPricebookClient(baseUrl: string, options?: ClientOptions): PricebookClient;

/** One change of an item in the price history (GET /api/items/{id}/history). */
export type HistoryEntry = Schemas['HistoryEntry'];
/** The lowest price of the last days (GET /api/items/{id}/lowest-price). */
export type LowestPrice = Schemas['LowestPrice'];
/** The `data:` of an event of /api/events/: the item after the change, with its version. */
export type ChangeEvent = Schemas['ChangeEvent'];

/** An event of the feed: its id (the change's `seq`), its kind, and the item. */
export interface Change {
  id: number;
  kind: Schemas['HistoryEntry']['kind'];
  item: ChangeEvent;
}

export interface ChangesOptions {
  /** Start after this event id (else: from now). */
  after?: number;
  /** Only changes of this product (exact). */
  product?: string;
  /** Stops the iteration. */
  signal?: AbortSignal;
  fetch?: typeof fetch;
  headers?: Record<string, string>;
}

/**
 * The changes of /api/events/ as they happen. Reconnects after a lost or ended stream with
 * Last-Event-ID (nothing missed, nothing twice); stop it with `signal` or by leaving the loop.
 */
export function changes(baseUrl: string, options?: ChangesOptions): AsyncGenerator<Change, void, undefined>;
