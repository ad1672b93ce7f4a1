import assert from 'node:assert/strict';
import { mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { backends } from '../helpers/backends.js';
import {
  apiOf,
  DESKTOP,
  errorFor,
  eventually,
  gotoList,
  noHorizontalScroll,
  openPage,
  PHONE,
  rowTexts,
  sharedBrowser,
  skipWithoutChromium,
  startOn,
  statusText,
} from './browser.js';

// The item manager page at `/` in a real browser (Debian's Chromium, driven by playwright-core)
// against the real server on each database: the whole everyday flow, checked in the page and in
// the database through the API. The other page-*.test.ts files go deeper into one point each.

const SCREENSHOT = new URL('../../docs/screenshot.png', import.meta.url).pathname;
const PUBLIC = new URL('../../public/', import.meta.url).pathname;

describe('item manager page in Chromium', { skip: skipWithoutChromium }, () => {
  const browser = sharedBrowser();

  for (const backend of backends) {
    test(`add, search, edit, reject a bad price, delete (${backend})`, { timeout: 120_000 }, async (t) => {
      const server = await startOn(t, backend);
      const api = apiOf(server.base);
      // Chromium logs every 4xx answer to fetch; the test provokes 400 and 412 on purpose.
      const { page, problems } = await openPage(t, browser(), server, { expectedStatuses: [400, 412] });

      // The page, at phone size; every control has a label.
      await page.setViewportSize(PHONE);
      await gotoList(page, server.base);
      await page.getByRole('heading', { name: 'pricebook' }).waitFor();
      assert.equal(await page.locator('#empty').textContent(), 'No items yet.');
      const unlabelled = await page.evaluate(
        `[...document.querySelectorAll('input, select')].filter((el) => el.labels.length === 0).map((el) => el.outerHTML)`,
      );
      assert.deepEqual(unlabelled, []);
      // Every module is asked for at once (modulepreload), not one level of imports after another.
      const preloaded = await page
        .locator('link[rel="modulepreload"]')
        .evaluateAll((links) => links.map((link) => link.getAttribute('href')));
      const modules = readdirSync(PUBLIC).filter((file) => file.endsWith('.js') && file !== 'app.js');
      assert.deepEqual(preloaded.sort(), modules.map((file) => `/${file}`).sort());

      // Add.
      const add = async (product: string, price: string) => {
        await page.getByLabel('Product', { exact: true }).fill(product);
        await page.getByLabel('Price', { exact: true }).fill(price);
        await page.getByRole('button', { name: 'Add', exact: true }).click();
      };
      await add('Äpfel Boskoop', '250');
      await eventually(async () => assert.deepEqual(await rowTexts(page), ['Äpfel Boskoop | 250']));
      let stored = await api.items();
      assert.deepEqual(
        stored.map(({ product, price }) => ({ product, price })),
        [{ product: 'Äpfel Boskoop', price: 250 }],
      );
      const apple = stored[0] as (typeof stored)[number];
      await eventually(async () => assert.match(await statusText(page), /Added/));
      for (const [product, price, shown] of [
        ['Birnen Williams', '320', '320'],
        ['Kaffee gemahlen', '899', '899'],
        ['Hafermilch', '1234567', '1,234,567'],
      ] as const) {
        await add(product, price);
        await eventually(async () => assert.equal((await rowTexts(page))[0], `${product} | ${shown}`));
      }
      assert.equal((await api.items()).length, 4);
      // Prices with grouped digits; the row keeps the stored number as the machine-readable value.
      assert.equal(await page.locator('#items > li .price').first().getAttribute('value'), '1234567');

      // An invalid price on add: the API's message next to the price field, nothing stored.
      await add('Butter', '12.5');
      await eventually(async () =>
        assert.deepEqual(await errorFor(page, 'Price'), { text: 'A valid integer is required.', invalid: 'true' }),
      );
      assert.equal((await api.items()).length, 4);
      // The README's screenshot of the phone layout, with the message: rewritten only on request
      // (UPDATE_SCREENSHOT=1), so that a test run leaves the working tree as it found it.
      if (backend === backends[0] && process.env.UPDATE_SCREENSHOT) {
        mkdirSync(join(SCREENSHOT, '..'), { recursive: true });
        const png = await page.screenshot({ path: SCREENSHOT, fullPage: true });
        assert.equal(png.subarray(1, 4).toString(), 'PNG');
      }
      await page.getByLabel('Price', { exact: true }).fill('');
      await page.getByLabel('Product', { exact: true }).fill('');

      assert.ok(await noHorizontalScroll(page), 'no horizontal scrolling at 390 px');

      // Search: live, debounced, Unicode case-insensitive; the same answer as the API.
      await page.getByLabel('Search').fill('ÄPFEL');
      await eventually(async () => assert.deepEqual(await rowTexts(page), ['Äpfel Boskoop | 250']));
      const found = await fetch(`${server.base}/api/items/?search=${encodeURIComponent('ÄPFEL')}`);
      assert.deepEqual(
        ((await found.json()) as Array<{ id: number }>).map((i) => i.id),
        [apple.id],
      );
      assert.equal(await page.locator('#count').textContent(), '(1)');
      await page.getByLabel('Search').fill('mil haf');
      await eventually(async () => assert.deepEqual(await rowTexts(page), ['Hafermilch | 1,234,567']));
      await page.getByLabel('Search').fill('nothing like this');
      await eventually(async () => assert.equal(await page.locator('#empty').isVisible(), true));
      assert.equal(await page.locator('#empty').textContent(), 'No items match the search.');
      await page.getByLabel('Search').fill('äpfel');
      await eventually(async () => assert.deepEqual(await rowTexts(page), ['Äpfel Boskoop | 250']));

      // Edit inline: a bad price shows the API's message beside the field and changes nothing.
      await page.getByRole('button', { name: 'Edit Äpfel Boskoop' }).click();
      const editForm = page.getByRole('form', { name: 'Edit Äpfel Boskoop' });
      await editForm.getByLabel('Product').fill('Äpfel Elstar');
      await editForm.getByLabel('Price').fill('-1');
      await editForm.getByRole('button', { name: 'Save' }).click();
      await eventually(async () =>
        assert.deepEqual(await errorFor(page, 'Price', editForm), {
          text: 'Ensure this value is greater than or equal to 0.',
          invalid: 'true',
        }),
      );
      assert.deepEqual((await api.get(apple.id)).item, apple);
      await editForm.getByLabel('Price').fill('12.5');
      await editForm.getByRole('button', { name: 'Save' }).click();
      await eventually(async () =>
        assert.equal((await errorFor(page, 'Price', editForm)).text, 'A valid integer is required.'),
      );
      assert.deepEqual((await api.get(apple.id)).item, apple);

      // A valid edit of name and price.
      await editForm.getByLabel('Price').fill('275');
      await editForm.getByRole('button', { name: 'Save' }).click();
      await eventually(async () => assert.deepEqual(await rowTexts(page), ['Äpfel Elstar | 275']));
      assert.equal(await editForm.count(), 0);
      assert.deepEqual((await api.get(apple.id)).item, { id: apple.id, product: 'Äpfel Elstar', price: 275 });

      // Someone else changes the item while it is open: If-Match makes the save fail (412), the
      // page says so and shows the other change; nothing of this save is stored.
      await page.getByRole('button', { name: 'Edit Äpfel Elstar' }).click();
      const staleForm = page.getByRole('form', { name: 'Edit Äpfel Elstar' });
      await staleForm.getByLabel('Price').fill('300');
      const other = await fetch(`${server.base}/api/items/${apple.id}/`, {
        method: 'PATCH',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ price: 290 }),
      });
      assert.equal(other.status, 200);
      await staleForm.getByRole('button', { name: 'Save' }).click();
      await eventually(async () => assert.match(await statusText(page), /changed this item meanwhile/));
      await eventually(async () => assert.deepEqual(await rowTexts(page), ['Äpfel Elstar | 290']));
      assert.deepEqual((await api.get(apple.id)).item, { id: apple.id, product: 'Äpfel Elstar', price: 290 });

      // Delete, after confirming.
      const dialogs: string[] = [];
      page.once('dialog', (dialog) => {
        dialogs.push(`${dialog.type()}: ${dialog.message()}`);
        void dialog.accept();
      });
      await page.getByRole('button', { name: 'Delete Äpfel Elstar' }).click();
      await eventually(async () => assert.deepEqual(await rowTexts(page), []));
      assert.deepEqual(dialogs, ['confirm: Delete “Äpfel Elstar”?']);
      assert.equal((await api.get(apple.id)).status, 404);
      stored = await api.items();
      assert.deepEqual(
        stored.map((item) => item.product),
        ['Birnen Williams', 'Kaffee gemahlen', 'Hafermilch'],
      );

      // Declining the confirmation deletes nothing.
      await page.getByLabel('Search').fill('');
      await eventually(async () => assert.equal((await rowTexts(page)).length, 3));
      let declined = false;
      const deletes: string[] = [];
      page.on('request', (request) => request.method() === 'DELETE' && deletes.push(request.url()));
      page.once('dialog', (dialog) => {
        declined = true;
        void dialog.dismiss();
      });
      await page.getByRole('button', { name: 'Delete Hafermilch' }).click();
      await eventually(async () => assert.ok(declined));
      await page.evaluate('0'); // the click handler has run to its end in the page
      assert.deepEqual(deletes, []);
      assert.equal((await api.items()).length, 3);
      assert.equal((await rowTexts(page)).length, 3);

      // Desktop and the narrowest phones: the same page, no sideways scrolling.
      for (const viewport of [DESKTOP, { width: 360, height: 740 }]) {
        await page.setViewportSize(viewport);
        assert.ok(await noHorizontalScroll(page), `no horizontal scrolling at ${viewport.width} px`);
        assert.ok(await page.getByRole('button', { name: 'Add', exact: true }).isVisible());
      }

      assert.deepEqual(problems, []);
    });
  }

  test('/api/docs/ renders the API from /api/schema/ in Swagger UI (sqlite)', { timeout: 60_000 }, async (t) => {
    const server = await startOn(t, 'sqlite');
    const { page, problems } = await openPage(t, browser(), server);
    await page.goto(`${server.base}/api/docs/`);
    await page.locator('.swagger-ui .info .title').filter({ hasText: 'pricebook' }).waitFor();
    const operations = await page.locator('.opblock-summary-path').allTextContents();
    assert.ok(operations.includes('/api/items'), operations.join(', '));
    assert.ok(operations.includes('/api/items/{id}'), operations.join(', '));
    // (Swagger UI asks for a favicon the service does not have: only page errors count here.)
    assert.deepEqual(
      problems.filter((problem) => problem.startsWith('page error')),
      [],
    );
  });
});
