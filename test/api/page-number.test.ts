import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { backends } from '../helpers/backends.js';
import { build, call } from '../helpers/build.js';

// Issue 19: DRF's PageNumberPagination, as the Django service answers with `PAGE_SIZE` unset and
// `page_size_query_param = 'page_size'`: opt-in by `?page_size=`, `?page=` (or `last`), links with
// `page` replaced (dropped for page 1), `404 {"detail": "Invalid page."}` past the ends.

const HOST = 'shop.example';
const url = (query: string) => `http://${HOST}/api/items/${query ? `?${query}` : ''}`;

interface Item {
  id: number;
  product: string;
  price: number;
}

async function seed(app: FastifyInstance, count: number): Promise<Item[]> {
  const items: Item[] = [];
  for (let i = 1; i <= count; i++) {
    const response = await call(app, 'POST', '/api/items/', { product: i % 2 ? `odd ${i}` : `even ${i}`, price: i });
    assert.equal(response.status, 201);
    items.push(response.json());
  }
  return items;
}

const get = (app: FastifyInstance, query: string) =>
  call(app, 'GET', `/api/items/?${query}`, undefined, { host: HOST });

const envelope = (count: number, next: string | null, previous: string | null, results: Item[]) =>
  JSON.stringify({ count, next, previous, results });

for (const backend of backends) {
  describe(`page-number pagination (${backend})`, () => {
    test('?page_size= turns it on: count, next, previous and the page, with exact links', async (t) => {
      const { app } = await build(t, backend);
      const items = await seed(app, 5);
      assert.equal(
        (await get(app, 'page_size=2')).body,
        envelope(5, url('page=2&page_size=2'), null, items.slice(0, 2)),
      );
      assert.equal(
        (await get(app, 'page=2&page_size=2')).body,
        envelope(5, url('page=3&page_size=2'), url('page_size=2'), items.slice(2, 4)),
        'previous from page 2 drops page altogether',
      );
      assert.equal(
        (await get(app, 'page_size=2&page=3')).body,
        envelope(5, null, url('page=2&page_size=2'), items.slice(4)),
      );
      assert.equal((await get(app, 'page=last&page_size=2')).body, (await get(app, 'page=3&page_size=2')).body);
      assert.equal((await get(app, 'page_size=5')).body, envelope(5, null, null, items));
      assert.equal((await get(app, 'page_size=%202%20&page=%2B2')).json().results.length, 2, "Python's int()");
      assert.equal((await get(app, 'page_size=2&page=')).json().previous, null, 'an empty page is page 1');
    });

    test('filters, search and ordering apply first; count is the filtered total; links keep them, sorted', async (t) => {
      const { app } = await build(t, backend);
      const items = await seed(app, 7);
      const odd = items.filter((item) => item.product.startsWith('odd')).sort((a, b) => b.price - a.price);
      const first = await get(app, 'search=odd&ordering=-price&page_size=2&price_min=2');
      const expected = odd.filter((item) => item.price >= 2);
      assert.equal(
        first.body,
        envelope(
          expected.length,
          url('ordering=-price&page=2&page_size=2&price_min=2&search=odd'),
          null,
          expected.slice(0, 2),
        ),
      );
    });

    test('no page_size, page_size=0 or not a number: the bare array; page alone is ignored', async (t) => {
      const { app } = await build(t, backend);
      const items = await seed(app, 3);
      const bare = JSON.stringify(items);
      for (const query of [
        'page=2',
        'page_size=0',
        'page_size=abc',
        'page_size=-1',
        'page_size=1.5',
        'page_size=',
        'page=9',
      ]) {
        const response = await get(app, query);
        assert.equal(response.status, 200, query);
        assert.equal(response.body, bare, query);
      }
    });

    test('page 0, a non-number or a page past the end is 404 "Invalid page."', async (t) => {
      const { app } = await build(t, backend);
      await seed(app, 3);
      for (const page of ['0', '-1', 'abc', '1.0', '3', '99999999999999999999', 'LAST']) {
        const response = await get(app, `page_size=2&page=${page}`);
        assert.equal(response.status, 404, page);
        assert.equal(response.body, '{"detail":"Invalid page."}', page);
        assert.match(String(response.headers['content-type']), /^application\/json/);
      }
    });

    test('an empty result: page 1 is 200 with count 0, page 2 is 404', async (t) => {
      const { app } = await build(t, backend);
      assert.equal((await get(app, 'page_size=10')).body, envelope(0, null, null, []));
      assert.equal((await get(app, 'page_size=10&page=last')).body, envelope(0, null, null, []));
      const second = await get(app, 'page_size=10&page=2');
      assert.equal(second.status, 404);
      assert.equal(second.body, '{"detail":"Invalid page."}');
    });

    test('page_size is capped by PAGE_MAX_LIMIT; with limit too, page_size wins', async (t) => {
      const { app } = await build(t, backend, { PAGE_MAX_LIMIT: '2' });
      const items = await seed(app, 3);
      assert.equal(
        (await get(app, 'page_size=100')).body,
        envelope(3, url('page=2&page_size=100'), null, items.slice(0, 2)),
      );
      const both = await get(app, 'page_size=1&page=2&limit=2&offset=0');
      assert.deepEqual(both.json().results, [items[1]]);
      assert.equal(both.json().next, url('limit=2&offset=0&page=3&page_size=1'));
    });
  });
}
