import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { backends } from '../helpers/backends.js';
import { build } from '../helpers/build.js';
import { listen, rows, seed } from '../helpers/http.js';

// Issue 19: react-admin's data provider for DRF (ra-data-django-rest-framework 0.2.1, pinned, run
// unmodified over real HTTP with ra-core's fetchJson) drives every DataProvider method against the
// server; each answer and the rows left behind are checked.

interface Item {
  id: number;
  product: string;
  price: number;
}

type Id = number;
type Page = { pagination: { page: number; perPage: number }; sort: { field: string; order: 'ASC' | 'DESC' } };
type Filter = { filter: Record<string, unknown> };
type HttpClient = (url: string, options?: object) => Promise<unknown>;

/** The part of react-admin's DataProvider this test calls, typed as the items resource answers. */
interface DataProvider {
  getList(resource: string, params: Page & Filter): Promise<{ data: Item[]; total: number }>;
  getOne(resource: string, params: { id: Id }): Promise<{ data: Item }>;
  getMany(resource: string, params: { ids: Id[] }): Promise<{ data: Item[] }>;
  getManyReference(
    resource: string,
    params: Page & Filter & { target: string; id: string | Id },
  ): Promise<{ data: Item[]; total: number }>;
  create(resource: string, params: { data: object }): Promise<{ data: Item }>;
  update(resource: string, params: { id: Id; data: object; previousData: Item }): Promise<{ data: Item }>;
  updateMany(resource: string, params: { ids: Id[]; data: object }): Promise<{ data: Id[] }>;
  delete(resource: string, params: { id: Id; previousData: Item }): Promise<{ data: Item }>;
  deleteMany(resource: string, params: { ids: Id[] }): Promise<{ data: Id[] }>;
}

/** ra-core's HttpError, which every refusal rejects with. */
interface HttpError extends Error {
  status: number;
  body: unknown;
}

interface ProviderPackage {
  default: (apiUrl: string, httpClient?: HttpClient) => DataProvider;
  fetchJsonWithAuthToken: HttpClient;
  tokenAuthProvider: () => {
    checkAuth(params: object): Promise<void>;
    checkError(error: { status: number }): Promise<void>;
  };
}

// A CommonJS package, loaded with require: importing it would bring its declarations, hence
// ra-core's and @types/react's empty global DOM interfaces, into the whole program, where they
// break the DOM types of the browser tests' page-side code.
const require = createRequire(import.meta.url);
const {
  default: drfProvider,
  fetchJsonWithAuthToken,
  tokenAuthProvider,
} = require('ra-data-django-rest-framework') as ProviderPackage;

const TOKEN = 'react-admin-token-0123456789';

const item = ({ id, product, price }: Item): Item => ({ id, product, price });

/** The server on a real port and the provider pointed at it, as `drfProvider('/api')` in a browser. */
async function serve(app: FastifyInstance, httpClient?: HttpClient): Promise<DataProvider> {
  const port = await listen(app);
  return drfProvider(`http://127.0.0.1:${port}/api`, httpClient);
}

/** The HttpError (status, body) ra-core's fetchJson rejects with. */
async function rejection(promise: Promise<unknown>): Promise<Pick<HttpError, 'message' | 'status' | 'body'>> {
  const error = await promise.then(
    () => assert.fail('the provider resolved where the server should have refused'),
    (reason: HttpError) => reason,
  );
  assert.equal(error.name, 'HttpError', String(error));
  return { message: error.message, status: error.status, body: error.body };
}

/**
 * tokenAuthProvider and fetchJsonWithAuthToken keep the token in the browser's `localStorage`,
 * which Node 20 lacks: the test provides that global (what was there before comes back after).
 */
function browserStorage(t: { after: (fn: () => void) => void }): Map<string, string> {
  const values = new Map<string, string>();
  const storage = {
    getItem: (key: string) => values.get(key) ?? null,
    setItem: (key: string, value: string) => void values.set(key, String(value)),
    removeItem: (key: string) => void values.delete(key),
  };
  const before = Object.getOwnPropertyDescriptor(globalThis, 'localStorage');
  Object.defineProperty(globalThis, 'localStorage', { value: storage, configurable: true, writable: true });
  t.after(() => {
    if (before) Object.defineProperty(globalThis, 'localStorage', before);
    else Reflect.deleteProperty(globalThis, 'localStorage');
  });
  return values;
}

const SHOP = [
  { product: 'Apple', price: 100 },
  { product: 'Green apple', price: 250 },
  { product: 'Banana', price: 80 },
  { product: 'apple pie', price: 300 },
  { product: 'Cherry', price: 500 },
  { product: 'Pineapple', price: 120 },
  { product: 'Apple', price: 90 },
];

for (const backend of backends) {
  describe(`react-admin's ra-data-django-rest-framework 0.2.1 (${backend})`, () => {
    test('every DataProvider method: the exact answer, and the rows after each write', async (t) => {
      const { app, store } = await build(t, backend);
      const [apple, green, banana, pie, cherry, pineapple, apple90] = (await seed(store, ...SHOP)).map(item) as [
        Item,
        Item,
        Item,
        Item,
        Item,
        Item,
        Item,
      ];
      const provider = await serve(app);

      // ?ordering=-price&page=2&page_size=2&price_max=250&search=apple
      assert.deepEqual(
        await provider.getList('items', {
          pagination: { page: 2, perPage: 2 },
          sort: { field: 'price', order: 'DESC' },
          filter: { q: 'apple', price_max: 250 },
        }),
        { data: [apple, apple90], total: 4 },
        'search, filter and ordering first (green 250, pineapple 120 | apple 100, apple 90), then page 2',
      );
      assert.deepEqual(
        await provider.getList('items', {
          pagination: { page: 1, perPage: 3 },
          sort: { field: 'product', order: 'ASC' },
          filter: { price_min: 90 },
        }),
        { data: [apple, apple90, cherry], total: 6 },
        'names in code-point order (capitals first), ties by id',
      );
      assert.deepEqual(
        await rejection(
          provider.getList('items', {
            pagination: { page: 3, perPage: 5 },
            sort: { field: 'id', order: 'ASC' },
            filter: {},
          }),
        ),
        { message: 'Not Found', status: 404, body: { detail: 'Invalid page.' } },
        'a page past the end',
      );

      assert.deepEqual(await provider.getOne('items', { id: green.id }), { data: green });
      assert.deepEqual(await rejection(provider.getOne('items', { id: 99 })), {
        message: 'Not Found',
        status: 404,
        body: { detail: 'No Item matches the given query.' },
      });
      assert.deepEqual(await provider.getMany('items', { ids: [cherry.id, apple.id] }), { data: [cherry, apple] });

      // ?ordering=-price&page=1&page_size=10&product=Apple
      assert.deepEqual(
        await provider.getManyReference('items', {
          target: 'product',
          id: 'Apple',
          pagination: { page: 1, perPage: 10 },
          sort: { field: 'price', order: 'DESC' },
          filter: {},
        }),
        { data: [apple, apple90], total: 2 },
      );

      const kiwi = { id: apple90.id + 1, product: 'Kiwi', price: 45 };
      assert.deepEqual(await provider.create('items', { data: { product: ' Kiwi ', price: 45 } }), { data: kiwi });
      assert.deepEqual(await rows(store), [apple, green, banana, pie, cherry, pineapple, apple90, kiwi]);

      assert.deepEqual(
        await rejection(provider.create('items', { data: { product: '', price: 'cheap' } })),
        {
          message: 'Bad Request',
          status: 400,
          body: { product: ['This field may not be blank.'], price: ['A valid integer is required.'] },
        },
        "DRF's field-error map, which react-admin shows next to the fields",
      );
      assert.deepEqual(await rows(store), [apple, green, banana, pie, cherry, pineapple, apple90, kiwi]);

      // react-admin's edit form sends the whole record, id included, and PATCHes it
      const greener = { ...green, product: 'Granny Smith', price: 260 };
      assert.deepEqual(await provider.update('items', { id: green.id, data: greener, previousData: green }), {
        data: greener,
      });
      assert.deepEqual(await provider.updateMany('items', { ids: [apple.id, apple90.id], data: { price: 95 } }), {
        data: [apple.id, apple90.id],
      });
      const apple95 = { ...apple, price: 95 };
      const apple90at95 = { ...apple90, price: 95 };
      assert.deepEqual(await rows(store), [apple95, greener, banana, pie, cherry, pineapple, apple90at95, kiwi]);

      assert.deepEqual(await provider.delete('items', { id: banana.id, previousData: banana }), { data: banana });
      assert.deepEqual(await provider.deleteMany('items', { ids: [cherry.id, pineapple.id] }), { data: [] });
      assert.deepEqual(await rows(store), [apple95, greener, pie, apple90at95, kiwi]);
      assert.deepEqual(
        await provider.getList('items', {
          pagination: { page: 1, perPage: 25 },
          sort: { field: 'id', order: 'ASC' },
          filter: {},
        }),
        { data: [apple95, greener, pie, apple90at95, kiwi], total: 5 },
      );
    });

    test("with API_TOKEN: writes through fetchJsonWithAuthToken (DRF's `Token` scheme) are accepted", async (t) => {
      const { app, store } = await build(t, backend, { API_TOKEN: TOKEN });
      // What each write carried and got, as the server saw it
      const writes: string[] = [];
      app.addHook('onResponse', async (request, reply) => {
        const scheme = request.headers.authorization?.split(' ')[0] ?? '(none)';
        if (request.method !== 'GET') writes.push(`${request.method} ${scheme} ${reply.statusCode}`);
      });
      const storage = browserStorage(t);
      const auth = tokenAuthProvider();
      const provider = await serve(app, fetchJsonWithAuthToken);
      const [apple, banana, cherry, pie] = (
        await seed(
          store,
          { product: 'Apple', price: 100 },
          { product: 'Banana', price: 80 },
          { product: 'Cherry', price: 500 },
          { product: 'apple pie', price: 300 },
        )
      ).map(item) as [Item, Item, Item, Item];

      // Signed out (no token stored): checkAuth refuses, and a write goes without Authorization
      await assert.rejects(auth.checkAuth({}));
      const unsigned = await rejection(provider.create('items', { data: { product: 'Kiwi', price: 45 } }));
      assert.deepEqual(unsigned, {
        message: 'Unauthorized',
        status: 401,
        body: { detail: 'Authentication credentials were not provided.' },
      });

      // A wrong token stored: 401 "Invalid token.", on which checkError forgets it (react-admin then signs out)
      storage.set('token', `${TOKEN}-wrong`);
      const wrong = await rejection(provider.delete('items', { id: apple.id, previousData: apple }));
      assert.deepEqual(wrong, { message: 'Unauthorized', status: 401, body: { detail: 'Invalid token.' } });
      await assert.rejects(auth.checkError(wrong));
      assert.equal(storage.has('token'), false);
      assert.deepEqual(await rows(store), [apple, banana, cherry, pie]);

      // Signed in (what tokenAuthProvider's login stores): every write goes through
      storage.set('token', TOKEN);
      await auth.checkAuth({});
      const kiwi = { id: 5, product: 'Kiwi', price: 45 };
      assert.deepEqual(await provider.create('items', { data: { product: 'Kiwi', price: 45 } }), { data: kiwi });
      const dearApple = { ...apple, price: 110 };
      assert.deepEqual(await provider.update('items', { id: apple.id, data: dearApple, previousData: apple }), {
        data: dearApple,
      });
      assert.deepEqual(await provider.updateMany('items', { ids: [banana.id, kiwi.id], data: { price: 50 } }), {
        data: [banana.id, kiwi.id],
      });
      assert.deepEqual(await provider.delete('items', { id: cherry.id, previousData: cherry }), { data: cherry });
      assert.deepEqual(await provider.deleteMany('items', { ids: [pie.id] }), { data: [] });
      assert.deepEqual(await rows(store), [dearApple, { ...banana, price: 50 }, { ...kiwi, price: 50 }]);
      assert.deepEqual(
        await provider.getList('items', {
          pagination: { page: 1, perPage: 2 },
          sort: { field: 'price', order: 'ASC' },
          filter: {},
        }),
        {
          data: [
            { ...banana, price: 50 },
            { ...kiwi, price: 50 },
          ],
          total: 3,
        },
      );
      assert.deepEqual(writes, [
        'POST (none) 401',
        'DELETE Token 401',
        'POST Token 201',
        'PATCH Token 200',
        'PATCH Token 200',
        'PATCH Token 200',
        'DELETE Token 204',
        'DELETE Token 204',
      ]);
    });
  });
}
