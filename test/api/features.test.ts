import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { type Backend, backends, postgresAvailable } from '../helpers/backends.js';
import { build, call } from '../helpers/build.js';
import { outsideTheApi } from '../helpers/openapi.js';

// The front-end features of issue 5, on every database: search, price ranges, ordering, opt-in
// pagination, CORS, and the page and documentation mounts. Expected answers are written out here
// (not derived from src/), and every request goes through the HTTP layer.

interface Item {
  id: number;
  product: string;
  price: number;
}

const HOST = 'shop.example';

async function seed(app: FastifyInstance, rows: ReadonlyArray<readonly [string, number]>): Promise<Item[]> {
  const items: Item[] = [];
  for (const [product, price] of rows) {
    const response = await call(app, 'POST', '/api/items/', { product, price });
    assert.equal(response.status, 201, response.body);
    items.push(response.json());
  }
  return items;
}

async function list(app: FastifyInstance, query: string): Promise<Item[]> {
  const response = await call(app, 'GET', `/api/items/?${query}`);
  assert.equal(response.status, 200, `${query}: ${response.body}`);
  return response.json();
}

const products = (items: Item[]) => items.map((item) => item.product);

/** Code-point order (not JavaScript's UTF-16 order): how both databases must order text. */
const byCodePoint = (a: string, b: string) => {
  const [x, y] = [[...a].map((c) => c.codePointAt(0) ?? 0), [...b].map((c) => c.codePointAt(0) ?? 0)];
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return (x[i] ?? 0) - (y[i] ?? 0);
  return x.length - y.length;
};

// --- Search ---------------------------------------------------------------------------------

const SEARCH_ROWS = [
  ['äpfel', 1],
  ['Äpfel rot', 2],
  ['Birnen rot', 3],
  ['éclair', 4],
  ['ÉCLAIR au café', 5],
  ['Молоко', 6],
  ['молоко свежее', 7],
  ['Σοφία', 8],
  ['100% Saft', 9],
  ['a_b', 10],
  ['axb', 11],
  ["O'Brien", 12],
  ['12" Pizza', 13],
  ['back\\slash', 14],
  ['Straße', 15],
] as const;

/** search → the products found, in ascending id. */
const SEARCHES: Array<[string, string[]]> = [
  ['ÄPFEL', ['äpfel', 'Äpfel rot']],
  ['äpfel', ['äpfel', 'Äpfel rot']],
  ['ÄpFeL', ['äpfel', 'Äpfel rot']],
  ['ÉCLAIR', ['éclair', 'ÉCLAIR au café']],
  ['éclair', ['éclair', 'ÉCLAIR au café']],
  ['CAFÉ', ['ÉCLAIR au café']],
  ['МОЛОКО', ['Молоко', 'молоко свежее']],
  ['молоко', ['Молоко', 'молоко свежее']],
  ['СВЕЖЕЕ', ['молоко свежее']],
  ['ΣΟΦΊΑ', ['Σοφία']],
  ['σοφία', ['Σοφία']],
  ['STRASSE', []],
  ['STRAßE', ['Straße']],
  // Several words: all must occur (AND), split on spaces and commas.
  ['äpfel rot', ['Äpfel rot']],
  ['rot äpfel', ['Äpfel rot']],
  ['rot,äpfel', ['Äpfel rot']],
  ['rot, ÄPFEL', ['Äpfel rot']],
  [' rot ', ['Äpfel rot', 'Birnen rot']],
  ['rot birnen äpfel', []],
  // LIKE's wildcards and quotes are plain characters.
  ['%', ['100% Saft']],
  ['0%', ['100% Saft']],
  ['_', ['a_b']],
  ['a_b', ['a_b']],
  ["'", ["O'Brien"]],
  ["o'b", ["O'Brien"]],
  ['"', ['12" Pizza']],
  ['\\', ['back\\slash']],
  ['k\\s', ['back\\slash']],
  ['zzz', []],
];

describe('search', () => {
  for (const backend of backends) {
    test(`?search= is Unicode case-insensitive, ANDs words, and takes %, _ and quotes literally (${backend})`, async (t) => {
      const { app } = await build(t, backend);
      const items = await seed(app, SEARCH_ROWS);
      for (const [search, expected] of SEARCHES) {
        assert.deepEqual(products(await list(app, `search=${encodeURIComponent(search)}`)), expected, search);
      }
      // `+` is a space in a query string, as Django reads it.
      assert.deepEqual(products(await list(app, 'search=rot+%C3%A4pfel')), ['Äpfel rot']);
      // No words: no filter.
      for (const empty of ['', '%20', ',', '%20,%20']) {
        assert.equal((await list(app, `search=${empty}`)).length, items.length, `search=${empty}`);
      }
      // The other filters apply too.
      assert.deepEqual(products(await list(app, 'search=rot&product=Birnen%20rot')), ['Birnen rot']);
      // Item URLs are filtered too, as DRF's get_object filters its queryset.
      assert.equal((await call(app, 'GET', `/api/items/${items[0]?.id}/?search=%C3%84PFEL`)).status, 200);
      assert.equal((await call(app, 'GET', `/api/items/${items[0]?.id}/?search=zzz`)).status, 404);
    });

    test(`?search= with NUL is a 400 in the field-error shape (${backend})`, async (t) => {
      const { app } = await build(t, backend);
      await seed(app, [['a', 1]]);
      for (const search of ['%00', 'a%00b', 'a%20%00']) {
        const response = await call(app, 'GET', `/api/items/?search=${search}`);
        assert.equal(response.status, 400, search);
        assert.equal(response.body, '{"search":["Null characters are not allowed."]}');
      }
    });

    test(`?search= finds upper-case Greek across a final sigma (${backend})`, async (t) => {
      const { app } = await build(t, backend);
      await seed(app, [
        ['ΚΑΣΤΑΝΑ', 1],
        ['ΟΔΟΣ', 2],
      ]);
      assert.deepEqual(products(await list(app, `search=${encodeURIComponent('ΚΑΣ')}`)), ['ΚΑΣΤΑΝΑ']);
      assert.deepEqual(products(await list(app, `search=${encodeURIComponent('Σ')}`)), ['ΚΑΣΤΑΝΑ', 'ΟΔΟΣ']);
      assert.deepEqual(products(await list(app, `search=${encodeURIComponent('οδοσ')}`)), ['ΟΔΟΣ']);
    });

    test(`?search= keeps a quoted phrase together, as DRF 3.16's SearchFilter (${backend})`, async (t) => {
      const { app } = await build(t, backend);
      await seed(app, [
        ['red apple', 1],
        ['apple red', 2],
      ]);
      assert.deepEqual(products(await list(app, `search=${encodeURIComponent('"red apple"')}`)), ['red apple']);
    });
  }

  test('search answers the same on SQLite and PostgreSQL', {
    skip: !postgresAvailable && 'no PostgreSQL',
  }, async (t) => {
    const answers: Record<string, string[]> = {};
    for (const backend of ['sqlite', 'postgres'] as Backend[]) {
      const { app } = await build(t, backend);
      await seed(app, SEARCH_ROWS);
      const extra = ['a', 'E', 'o', 'Ä', 'é', 'О', 'σ', 'ß', 'SS', 'ı', 'İ', ' ', '.', '-', '1', '0%', 'A_', "O'"];
      for (const search of [...SEARCHES.map(([s]) => s), ...extra]) {
        const found = products(await list(app, `search=${encodeURIComponent(search)}&ordering=-product`));
        if (backend === 'sqlite') answers[search] = found;
        else assert.deepEqual(found, answers[search], `search=${search}`);
      }
    }
  });
});

// --- Price range ----------------------------------------------------------------------------

describe('price range', () => {
  for (const backend of backends) {
    test(`?price_min= and ?price_max= are inclusive integers; a bad one is a 400 (${backend})`, async (t) => {
      const { app } = await build(t, backend);
      await seed(app, [
        ['a', 0],
        ['b', 10],
        ['c', 20],
        ['d', 30],
        ['e', 2147483647],
      ]);
      const prices = async (query: string) => (await list(app, query)).map((item) => item.price);
      assert.deepEqual(await prices('price_min=10'), [10, 20, 30, 2147483647]);
      assert.deepEqual(await prices('price_max=20'), [0, 10, 20]);
      assert.deepEqual(await prices('price_min=10&price_max=20'), [10, 20]);
      assert.deepEqual(await prices('price_min=20&price_max=20'), [20]);
      assert.deepEqual(await prices('price_min=21&price_max=20'), []);
      assert.deepEqual(await prices('price_min=-5&price_max=0'), [0]);
      assert.deepEqual(await prices('price_min=2147483647'), [2147483647]);
      assert.deepEqual(await prices('price_min=%2B10&price_max=%2020%20'), [10, 20]);
      assert.deepEqual(await prices('price_min=&price_max='), [0, 10, 20, 30, 2147483647]);
      assert.deepEqual(await prices('price_min=10&price_max=30&ordering=-price'), [30, 20, 10]);

      for (const bad of ['abc', '1.5', '1e3', '0x10', '--1', '1,000']) {
        const min = await call(app, 'GET', `/api/items/?price_min=${encodeURIComponent(bad)}`);
        assert.equal(min.status, 400, bad);
        assert.equal(min.body, '{"price_min":["A valid integer is required."]}', bad);
        const max = await call(app, 'GET', `/api/items/?price_max=${encodeURIComponent(bad)}`);
        assert.equal(max.body, '{"price_max":["A valid integer is required."]}', bad);
      }
      const both = await call(app, 'GET', '/api/items/?price_min=x&price_max=y&limit=2');
      assert.equal(both.status, 400);
      assert.deepEqual(both.json(), {
        price_min: ['A valid integer is required.'],
        price_max: ['A valid integer is required.'],
      });
      assert.match(String(both.headers['content-type']), /^application\/json/);
    });
  }
});

// --- Ordering -------------------------------------------------------------------------------

const ORDER_ROWS = [
  ['Zebra', 50],
  ['apple', 50],
  ['Äpfel', 10],
  ['éclair', 30],
  ['ﬀ ligature', 30],
  ['😀 smile', 10],
  ['Banana', 20],
] as const;

describe('ordering', () => {
  for (const backend of backends) {
    test(`?ordering= sorts by id, product (code points) and price, with id breaking ties (${backend})`, async (t) => {
      const { app } = await build(t, backend);
      const items = await seed(app, ORDER_ROWS);
      const ids = (rows: Item[]) => rows.map((item) => item.id);
      const expect = (compare: (a: Item, b: Item) => number) => ids([...items].sort(compare));
      const byProduct = (a: Item, b: Item) => byCodePoint(a.product, b.product);
      const byPrice = (a: Item, b: Item) => a.price - b.price;
      const byId = (a: Item, b: Item) => a.id - b.id;
      const cases: Array<[string, number[]]> = [
        ['', ids(items)],
        ['id', ids(items)],
        ['-id', ids(items).reverse()],
        ['product', expect(byProduct)],
        ['-product', expect((a, b) => byProduct(b, a))],
        ['price', expect((a, b) => byPrice(a, b) || byId(a, b))],
        ['-price', expect((a, b) => byPrice(b, a) || byId(a, b))],
        ['price,-id', expect((a, b) => byPrice(a, b) || byId(b, a))],
        ['-price,product', expect((a, b) => byPrice(b, a) || byProduct(a, b))],
        ['price,product', expect((a, b) => byPrice(a, b) || byProduct(a, b))],
        // Unknown fields are dropped, as DRF does; spaces around fields are trimmed.
        ['nope', ids(items)],
        ['Price', ids(items)],
        ['--price', ids(items)],
        ['nope,-price', expect((a, b) => byPrice(b, a) || byId(a, b))],
        [' price , -product ', expect((a, b) => byPrice(a, b) || byProduct(b, a))],
        [',,', ids(items)],
      ];
      for (const [ordering, expected] of cases) {
        assert.deepEqual(ids(await list(app, `ordering=${encodeURIComponent(ordering)}`)), expected, ordering);
      }
      // Product order is by code point: upper case, lower case, Latin-1, then the rest of the BMP, then astral.
      assert.deepEqual(products(await list(app, 'ordering=product')), [
        'Banana',
        'Zebra',
        'apple',
        'Äpfel',
        'éclair',
        'ﬀ ligature',
        '😀 smile',
      ]);
    });
  }
});

// --- Pagination -----------------------------------------------------------------------------

describe('pagination', () => {
  for (const backend of backends) {
    test(`?limit= and ?offset= answer DRF's LimitOffsetPagination envelope (${backend})`, async (t) => {
      const { app } = await build(t, backend);
      const items = await seed(app, [
        ['a1', 5],
        ['b2', 4],
        ['a3', 3],
        ['b4', 2],
        ['a5', 1],
      ]);
      const page = (query: string) => call(app, 'GET', `/api/items/?${query}`, undefined, { host: HOST });
      const envelope = (next: string | null, previous: string | null, results: Item[], count = 5) =>
        JSON.stringify({ count, next, previous, results });
      const url = (query: string) => `http://${HOST}/api/items/?${query}`;

      const first = await page('limit=2');
      assert.equal(first.status, 200);
      assert.ok(first.headers.etag, 'a page has an ETag');
      assert.equal(first.body, envelope(url('limit=2&offset=2'), null, items.slice(0, 2)));
      assert.equal(
        (await page('limit=2&offset=2')).body,
        envelope(url('limit=2&offset=4'), url('limit=2'), items.slice(2, 4)),
      );
      assert.equal((await page('limit=2&offset=4')).body, envelope(null, url('limit=2&offset=2'), items.slice(4)));
      assert.equal((await page('limit=2&offset=3')).body, envelope(null, url('limit=2&offset=1'), items.slice(3, 5)));
      assert.equal(
        (await page('limit=2&offset=1')).body,
        envelope(url('limit=2&offset=3'), url('limit=2'), items.slice(1, 3)),
      );
      assert.equal((await page('limit=5')).body, envelope(null, null, items));
      // Past the end: no results, and a way back.
      assert.equal((await page('limit=2&offset=10')).body, envelope(null, url('limit=2&offset=8'), []));
      // A bad offset is 0, as DRF reads it.
      assert.equal((await page('limit=2&offset=abc')).body, (await page('limit=2')).body);
      assert.equal((await page('limit=2&offset=-3')).body, (await page('limit=2')).body);

      // Without a valid limit the bare array is unchanged (DRF falls back to no pagination).
      const bare = (await call(app, 'GET', '/api/items/')).body;
      assert.equal(bare, JSON.stringify(items));
      for (const query of ['offset=2', 'limit=', 'limit=0', 'limit=-1', 'limit=abc', 'limit=1.5']) {
        assert.equal((await page(query)).body, bare, query);
      }

      // The default cap (1000) shows in the links.
      assert.equal((await page('limit=5000&offset=1')).body, envelope(null, url('limit=1000'), items.slice(1)));

      // With filters, search and ordering: count is of the filtered items and links keep every
      // parameter, sorted by name and encoded as DRF writes them (Python's urlencode).
      const combined = await page('search=A&price_max=4&ordering=-price&limit=1');
      const a3 = items[2] as Item;
      const a5 = items[4] as Item;
      assert.equal(
        combined.body,
        envelope(url('limit=1&offset=1&ordering=-price&price_max=4&search=A'), null, [a3], 2),
      );
      const next = (combined.json() as { next: string }).next;
      const second = await call(app, 'GET', next.slice(`http://${HOST}`.length), undefined, { host: HOST });
      assert.equal(second.body, envelope(null, url('limit=1&ordering=-price&price_max=4&search=A'), [a5], 2));
      const encoded = await page('q=a%20b%2Fc%7E%2A&limit=1&x=1&x=2&empty');
      assert.equal(
        encoded.json().next,
        url('empty=&limit=1&offset=1&q=a+b%2Fc~%2A&x=1&x=2'),
        'spaces as +, / and * escaped, ~ kept, repeated and blank parameters kept',
      );
      // A forwarded-by-proxy host is used as given (absolute links follow the Host header).
      const other = await call(app, 'GET', '/api/items/?limit=4', undefined, { host: 'api.example:8443' });
      assert.equal(other.json().next, 'http://api.example:8443/api/items/?limit=4&offset=4');
    });

    test(`a page is application/json like the bare list (${backend})`, async (t) => {
      const { app } = await build(t, backend);
      await seed(app, [['a', 1]]);
      const response = await call(app, 'GET', '/api/items/?limit=1');
      assert.equal(response.status, 200);
      assert.match(String(response.headers['content-type']), /^application\/json$/);
    });

    test(`PAGE_MAX_LIMIT caps ?limit= (${backend})`, async (t) => {
      const { app } = await build(t, backend, { PAGE_MAX_LIMIT: '2' });
      const items = await seed(app, [
        ['a', 1],
        ['b', 2],
        ['c', 3],
      ]);
      const response = await call(app, 'GET', '/api/items/?limit=100', undefined, { host: HOST });
      assert.equal(
        response.body,
        JSON.stringify({
          count: 3,
          next: `http://${HOST}/api/items/?limit=2&offset=2`,
          previous: null,
          results: items.slice(0, 2),
        }),
      );
      // The cap applies to pages only: the bare list is still all items.
      assert.equal((await list(app, '')).length, 3);
    });
  }
});

// --- CORS -----------------------------------------------------------------------------------

const ALLOWED = 'https://a.example';

function corsHeaders(headers: Record<string, unknown>): string[] {
  return Object.keys(headers).filter((name) => name.startsWith('access-control-'));
}

describe('CORS', () => {
  for (const backend of backends) {
    test(`off by default: no CORS headers, no Vary: Origin (${backend})`, async (t) => {
      const { app } = await build(t, backend);
      const [item] = await seed(app, [['a', 1]]);
      for (const [method, url, headers] of [
        ['GET', '/api/items/', {}],
        ['GET', `/api/items/${item?.id}/`, {}],
        ['OPTIONS', '/api/items/', { 'access-control-request-method': 'POST' }],
        ['GET', '/', {}],
      ] as const) {
        const request = () => call(app, method, url, undefined, { origin: ALLOWED, ...headers });
        const response = url === '/' ? await outsideTheApi(request) : await request();
        assert.deepEqual(corsHeaders(response.headers), [], `${method} ${url}`);
        assert.doesNotMatch(String(response.headers.vary ?? ''), /Origin/, `${method} ${url}`);
      }
      // A preflight without CORS is an ordinary OPTIONS: DRF's metadata.
      const options = await call(app, 'OPTIONS', '/api/items/', undefined, {
        origin: ALLOWED,
        'access-control-request-method': 'POST',
      });
      assert.equal(options.status, 200);
      assert.equal(options.json().name, 'Item List');
    });

    test(`CORS_ORIGINS allows the listed origins only, with preflight (${backend})`, async (t) => {
      const { app } = await build(t, backend, { CORS_ORIGINS: `${ALLOWED}, https://b.example:8443` });
      const [item] = await seed(app, [['a', 1]]);
      const detail = `/api/items/${item?.id}/`;

      // Simple requests from an allowed origin: allowed, with the headers a front end reads exposed.
      for (const origin of [ALLOWED, 'https://b.example:8443']) {
        const response = await call(app, 'GET', detail, undefined, { origin });
        assert.equal(response.status, 200);
        assert.equal(response.headers['access-control-allow-origin'], origin);
        const exposed = String(response.headers['access-control-expose-headers'])
          .split(',')
          .map((name) => name.trim().toLowerCase());
        for (const name of ['etag', 'x-request-id', 'idempotent-replayed', 'retry-after']) {
          assert.ok(exposed.includes(name), `${name} exposed`);
        }
        assert.match(String(response.headers.vary), /\bOrigin\b/);
        assert.match(String(response.headers.vary), /\bAccept\b/);
      }
      // Errors too, so that a front end can read the field errors and the 412.
      const invalid = await call(app, 'POST', '/api/items/', { product: 'x', price: 'abc' }, { origin: ALLOWED });
      assert.equal(invalid.status, 400);
      assert.equal(invalid.headers['access-control-allow-origin'], ALLOWED);
      const stale = await call(app, 'PATCH', detail, { price: 2 }, { origin: ALLOWED, 'if-match': '"0-0"' });
      assert.equal(stale.status, 412);
      assert.equal(stale.headers['access-control-allow-origin'], ALLOWED);
      const missing = await call(app, 'GET', '/api/items/999999/', undefined, { origin: ALLOWED });
      assert.equal(missing.status, 404);
      assert.equal(missing.headers['access-control-allow-origin'], ALLOWED);

      // Another origin, or a look-alike: no CORS headers (the browser blocks the read), same answer.
      for (const origin of ['https://evil.example', 'http://a.example', 'https://a.example:443', 'null']) {
        const response = await call(app, 'GET', detail, undefined, { origin });
        assert.equal(response.status, 200);
        assert.deepEqual(corsHeaders(response.headers), [], origin);
        assert.match(String(response.headers.vary), /\bOrigin\b/, origin);
      }
      // No Origin (not a cross-origin browser request): no CORS headers either.
      assert.deepEqual(corsHeaders((await call(app, 'GET', detail)).headers), []);

      // Preflight: 204, the methods and headers the API takes, cacheable; nothing else happens.
      // (A preflight is the CORS layer's answer, not one of the API's operations.)
      const preflight = await outsideTheApi(() =>
        call(app, 'OPTIONS', detail, undefined, {
          origin: ALLOWED,
          'access-control-request-method': 'PATCH',
          'access-control-request-headers': 'content-type, if-match',
        }),
      );
      assert.equal(preflight.status, 204);
      assert.equal(preflight.body, '');
      assert.equal(preflight.headers['access-control-allow-origin'], ALLOWED);
      const methods = String(preflight.headers['access-control-allow-methods']);
      for (const method of ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'])
        assert.match(methods, new RegExp(`\\b${method}\\b`));
      const allowedHeaders = String(preflight.headers['access-control-allow-headers']).toLowerCase();
      for (const name of ['content-type', 'if-match', 'if-none-match', 'idempotency-key', 'authorization']) {
        assert.ok(allowedHeaders.includes(name), `${name} allowed`);
      }
      assert.ok(Number(preflight.headers['access-control-max-age']) > 0);
      assert.match(String(preflight.headers.vary), /\bOrigin\b/);
      const post = await outsideTheApi(() =>
        call(app, 'OPTIONS', '/api/items/', undefined, { origin: ALLOWED, 'access-control-request-method': 'POST' }),
      );
      assert.equal(post.status, 204);

      // A preflight from another origin is not answered as one.
      const foreign = await call(app, 'OPTIONS', detail, undefined, {
        origin: 'https://evil.example',
        'access-control-request-method': 'DELETE',
      });
      assert.equal(foreign.status, 200);
      assert.deepEqual(corsHeaders(foreign.headers), []);

      // A plain OPTIONS (no Access-Control-Request-Method) is still DRF's metadata.
      const metadata = await call(app, 'OPTIONS', detail, undefined, { origin: ALLOWED });
      assert.equal(metadata.status, 200);
      assert.equal(metadata.json().name, 'Item Instance');
      assert.equal(metadata.headers['access-control-allow-origin'], ALLOWED);
      assert.equal(metadata.headers['access-control-allow-methods'], undefined);

      // The stored item is untouched by all of this.
      assert.deepEqual((await call(app, 'GET', detail)).json(), item);
    });

    test(`CORS_ORIGINS=* allows any origin (${backend})`, async (t) => {
      const { app } = await build(t, backend, { CORS_ORIGINS: '*' });
      const response = await call(app, 'GET', '/api/items/', undefined, { origin: 'https://anything.example' });
      assert.equal(response.headers['access-control-allow-origin'], '*');
      const preflight = await outsideTheApi(() =>
        call(app, 'OPTIONS', '/api/items/', undefined, {
          origin: 'https://anything.example',
          'access-control-request-method': 'POST',
        }),
      );
      assert.equal(preflight.status, 204);
    });
  }
});

// --- The page and the documentation ---------------------------------------------------------

describe('page and documentation mounts', () => {
  for (const backend of backends) {
    test(`/ serves the item manager, /api/docs/ the documentation (${backend})`, async (t) => {
      const { app } = await build(t, backend);
      // The page, the documentation and the document itself are not operations of the API.
      await outsideTheApi(async () => {
        const page = await call(app, 'GET', '/');
        assert.equal(page.status, 200);
        assert.match(String(page.headers['content-type']), /^text\/html/);
        assert.match(page.body, /<script type="module" src="\/app\.js"><\/script>/);
        assert.equal(page.headers['x-frame-options'], 'DENY');
        assert.match(String((await call(app, 'GET', '/app.js')).headers['content-type']), /javascript/);
        assert.match(String((await call(app, 'GET', '/style.css')).headers['content-type']), /^text\/css/);
        assert.equal((await call(app, 'GET', '/index.html')).status, 200);
        // Anything else outside the API is still Django's 404 page.
        const missing = await call(app, 'GET', '/nope.js');
        assert.equal(missing.status, 404);
        assert.match(missing.body, /<h1>Not Found<\/h1>/);

        const docs = await call(app, 'GET', '/api/docs/');
        assert.equal(docs.status, 200);
        assert.match(String(docs.headers['content-type']), /^text\/html/);
        assert.match(docs.body, /<script src="\/api\/docs\/static\/swagger-ui-bundle\.js"><\/script>/);
        const init = await call(app, 'GET', '/api/docs/init.js');
        assert.match(init.body, /SwaggerUIBundle\(\{ url: '\/api\/schema\/'/);
        const bundle = await call(app, 'GET', '/api/docs/static/swagger-ui-bundle.js');
        assert.equal(bundle.status, 200);
        assert.match(String(bundle.headers['content-type']), /javascript/);
        assert.ok(bundle.body.length > 100_000, 'Swagger UI itself is served');
        assert.equal((await call(app, 'GET', '/api/docs/static/nope.js')).status, 404);
        assert.equal((await call(app, 'GET', '/api/docs/static/swagger-ui.css')).status, 200);
        // Only the files the page loads: not the package's demo page, which loads a remote pet store.
        for (const file of ['index.html', '', 'swagger-initializer.js', 'package.json', 'swagger-ui.js']) {
          assert.equal((await call(app, 'GET', `/api/docs/static/${file}`)).status, 404, file);
        }
        const schema = await call(app, 'GET', '/api/schema/');
        assert.equal(schema.status, 200);
        assert.equal(schema.json().openapi, '3.1.0');
      });
    });
  }
});
