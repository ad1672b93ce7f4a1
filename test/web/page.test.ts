import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { type Backend, backends, createPostgresDatabase } from '../helpers/backends.js';
import { type ServerProcess, startServer } from '../helpers/server-process.js';

// The item manager page at `/` in a real browser: Debian's Chromium (never a downloaded one),
// driven by playwright-core, against the real server on each database. Every step is checked in
// the page and in the database, through the API.

// Debian's Chromium here; CHROMIUM_PATH elsewhere (GitHub's runners have /usr/bin/google-chrome).
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];
const SCREENSHOT = new URL('../../docs/screenshot.png', import.meta.url).pathname;
const PHONE = { width: 390, height: 844 };
const DESKTOP = { width: 1280, height: 800 };

// The callbacks given to page.evaluate run in the page, with the page's globals (the project's
// TypeScript has no DOM library: declare what they use).
interface PageElement {
  readonly textContent: string | null;
  readonly outerHTML: string;
  readonly labels?: { length: number } | null;
}
declare const document: {
  getElementById(id: string): PageElement | null;
  querySelectorAll(selectors: string): Iterable<PageElement>;
  readonly scrollingElement: { scrollWidth: number } | null;
};
declare const window: { readonly innerWidth: number };

const skip =
  !existsSync(CHROMIUM) && !process.env.CI
    ? `${CHROMIUM} is missing: install Debian's Chromium (apt-get install -y chromium) to run the browser test`
    : false;

interface ApiItem {
  id: number;
  product: string;
  price: number;
}

/** Retries `check` until it stops throwing (the page updates asynchronously). */
async function eventually<T>(check: () => Promise<T>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

const rowTexts = (page: Page) =>
  page.locator('#items > li .view').evaluateAll((rows) =>
    // (no named functions in here: tsx's __name helper does not exist in the page)
    rows.map(
      (row) =>
        `${row.querySelector('.product')?.textContent ?? ''} | ${row.querySelector('.price')?.textContent ?? ''}`,
    ),
  );

/** The text of the error slot the input points at with aria-describedby (what a screen reader reads). */
const errorFor = (page: Page, label: string) =>
  page.getByLabel(label, { exact: true }).evaluate((input) => {
    const id = input.getAttribute('aria-describedby');
    return { text: id ? (document.getElementById(id)?.textContent ?? '') : '', invalid: input.ariaInvalid };
  });

const noHorizontalScroll = (page: Page) =>
  page.evaluate(() => (document.scrollingElement?.scrollWidth ?? 0) <= window.innerWidth);

describe('item manager page in Chromium', { skip }, () => {
  let context: BrowserContext;
  let profile: string;

  before(async () => {
    profile = mkdtempSync(join(tmpdir(), 'pricebook-chromium-'));
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      args: CHROMIUM_ARGS,
      headless: true,
      viewport: PHONE,
      deviceScaleFactor: 1,
      timeout: 60_000,
    });
    context.setDefaultTimeout(10_000);
  });

  after(async () => {
    await context?.close();
    if (profile) rmSync(profile, { recursive: true, force: true });
  });

  for (const backend of backends) {
    test(`add, search, edit, reject a bad price, delete (${backend})`, { timeout: 120_000 }, async (t) => {
      const server = await startOn(t, backend);
      const base = server.base;
      const apiGet = async (path: string) => {
        const response = await fetch(`${base}${path}`);
        return { status: response.status, json: response.status === 200 ? await response.json() : undefined };
      };
      const items = async () => (await apiGet('/api/items/')).json as ApiItem[];

      const page = await context.newPage();
      t.after(() => page.close());
      const problems: string[] = [];
      page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
      page.on('console', (message) => {
        // Chromium logs every 4xx answer to fetch; the test provokes 400 and 412 on purpose.
        const expected = /Failed to load resource: the server responded with a status of (400|412)/;
        if (message.type() === 'error' && !expected.test(message.text())) {
          problems.push(`console error: ${message.text()}`);
        }
      });
      page.on('request', (request) => {
        if (!request.url().startsWith(`${base}/`) && !request.url().startsWith('data:')) {
          problems.push(`request outside the service: ${request.url()}`);
        }
      });

      // The page, at phone size; every control has a label.
      await page.setViewportSize(PHONE);
      const response = await page.goto(`${base}/`);
      assert.equal(response?.status(), 200);
      await page.getByRole('heading', { name: 'pricebook' }).waitFor();
      await eventually(async () => assert.equal(await page.locator('#empty').textContent(), 'No items yet.'));
      const unlabelled = await page.evaluate(() =>
        [...document.querySelectorAll('input, select')]
          .filter((el) => el.labels?.length === 0)
          .map((el) => el.outerHTML),
      );
      assert.deepEqual(unlabelled, []);

      // Add.
      const add = async (product: string, price: string) => {
        await page.getByLabel('Product', { exact: true }).fill(product);
        await page.getByLabel('Price', { exact: true }).fill(price);
        await page.getByRole('button', { name: 'Add', exact: true }).click();
      };
      await add('Äpfel Boskoop', '250');
      await eventually(async () => assert.deepEqual(await rowTexts(page), ['Äpfel Boskoop | 250']));
      let stored = await items();
      assert.deepEqual(
        stored.map(({ product, price }) => ({ product, price })),
        [{ product: 'Äpfel Boskoop', price: 250 }],
      );
      const apple = stored[0] as ApiItem;
      await eventually(async () => assert.match((await page.locator('#status').textContent()) ?? '', /Added/));
      for (const [product, price] of [
        ['Birnen Williams', '320'],
        ['Kaffee gemahlen', '899'],
        ['Hafermilch', '199'],
      ] as const) {
        await add(product, price);
        await eventually(async () => assert.equal((await rowTexts(page))[0], `${product} | ${price}`));
      }
      assert.equal((await items()).length, 4);

      // An invalid price on add: the API's message next to the price field, nothing stored.
      await add('Butter', 'zwölf');
      await eventually(async () =>
        assert.deepEqual(await errorFor(page, 'Price'), { text: 'A valid integer is required.', invalid: 'true' }),
      );
      assert.equal((await items()).length, 4);
      // Screenshot of the phone layout, with the message (once, from the first database).
      if (backend === backends[0]) {
        mkdirSync(join(SCREENSHOT, '..'), { recursive: true });
        await page.screenshot({ path: SCREENSHOT, fullPage: true });
      }
      await page.getByLabel('Price', { exact: true }).fill('');
      await page.getByLabel('Product', { exact: true }).fill('');

      assert.ok(await noHorizontalScroll(page), 'no horizontal scrolling at 390 px');

      // Search: live, debounced, Unicode case-insensitive; the same answer as the API.
      await page.getByLabel('Search').fill('ÄPFEL');
      await eventually(async () => assert.deepEqual(await rowTexts(page), ['Äpfel Boskoop | 250']));
      assert.deepEqual(
        ((await apiGet(`/api/items/?search=${encodeURIComponent('ÄPFEL')}`)).json as ApiItem[]).map((i) => i.id),
        [apple.id],
      );
      assert.equal(await page.locator('#count').textContent(), '(1)');
      await page.getByLabel('Search').fill('mil haf');
      await eventually(async () => assert.deepEqual(await rowTexts(page), ['Hafermilch | 199']));
      await page.getByLabel('Search').fill('nothing like this');
      await eventually(async () => assert.equal(await page.locator('#empty').isVisible(), true));
      assert.equal(await page.locator('#empty').textContent(), 'No items match the search.');
      await page.getByLabel('Search').fill('äpfel');
      await eventually(async () => assert.deepEqual(await rowTexts(page), ['Äpfel Boskoop | 250']));

      // Edit inline: a bad price shows the API's message beside the field and changes nothing.
      await page.getByRole('button', { name: 'Edit Äpfel Boskoop' }).click();
      const editForm = page.getByRole('form', { name: 'Edit Äpfel Boskoop' });
      await editForm.getByLabel('Name').fill('Äpfel Elstar');
      await editForm.getByLabel('Price').fill('-1');
      await editForm.getByRole('button', { name: 'Save' }).click();
      await eventually(async () =>
        assert.equal(
          await editForm.getByLabel('Price').evaluate((input) => {
            const id = input.getAttribute('aria-describedby');
            return id ? document.getElementById(id)?.textContent : undefined;
          }),
          'Ensure this value is greater than or equal to 0.',
        ),
      );
      assert.equal(await editForm.getByLabel('Price').getAttribute('aria-invalid'), 'true');
      assert.deepEqual((await apiGet(`/api/items/${apple.id}/`)).json, apple);
      await editForm.getByLabel('Price').fill('12.5');
      await editForm.getByRole('button', { name: 'Save' }).click();
      await eventually(async () =>
        assert.equal(await editForm.locator('[data-error-for="price"]').textContent(), 'A valid integer is required.'),
      );
      assert.deepEqual((await apiGet(`/api/items/${apple.id}/`)).json, apple);

      // A valid edit of name and price.
      await editForm.getByLabel('Price').fill('275');
      await editForm.getByRole('button', { name: 'Save' }).click();
      await eventually(async () => assert.deepEqual(await rowTexts(page), ['Äpfel Elstar | 275']));
      assert.equal(await editForm.count(), 0);
      assert.deepEqual((await apiGet(`/api/items/${apple.id}/`)).json, {
        id: apple.id,
        product: 'Äpfel Elstar',
        price: 275,
      });

      // Someone else changes the item while it is open: If-Match makes the save fail (412), the
      // page says so and shows the other change; nothing of this save is stored.
      await page.getByRole('button', { name: 'Edit Äpfel Elstar' }).click();
      const staleForm = page.getByRole('form', { name: 'Edit Äpfel Elstar' });
      await staleForm.getByLabel('Price').fill('300');
      const other = await fetch(`${base}/api/items/${apple.id}/`, {
        method: 'PATCH',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ price: 290 }),
      });
      assert.equal(other.status, 200);
      await staleForm.getByRole('button', { name: 'Save' }).click();
      await eventually(async () =>
        assert.match((await page.locator('#status').textContent()) ?? '', /changed this item meanwhile/),
      );
      await eventually(async () => assert.deepEqual(await rowTexts(page), ['Äpfel Elstar | 290']));
      assert.deepEqual((await apiGet(`/api/items/${apple.id}/`)).json, {
        id: apple.id,
        product: 'Äpfel Elstar',
        price: 290,
      });

      // Delete, after confirming.
      const dialogs: string[] = [];
      page.once('dialog', (dialog) => {
        dialogs.push(`${dialog.type()}: ${dialog.message()}`);
        void dialog.accept();
      });
      await page.getByRole('button', { name: 'Delete Äpfel Elstar' }).click();
      await eventually(async () => assert.deepEqual(await rowTexts(page), []));
      assert.deepEqual(dialogs, ['confirm: Delete “Äpfel Elstar”?']);
      assert.equal((await apiGet(`/api/items/${apple.id}/`)).status, 404);
      stored = await items();
      assert.deepEqual(
        stored.map((item) => item.product),
        ['Birnen Williams', 'Kaffee gemahlen', 'Hafermilch'],
      );

      // Declining the confirmation deletes nothing.
      await page.getByLabel('Search').fill('');
      await eventually(async () => assert.equal((await rowTexts(page)).length, 3));
      page.once('dialog', (dialog) => void dialog.dismiss());
      await page.getByRole('button', { name: 'Delete Hafermilch' }).click();
      await new Promise((resolve) => setTimeout(resolve, 200));
      assert.equal((await items()).length, 3);
      assert.equal((await rowTexts(page)).length, 3);

      // Desktop and the narrowest phones: the same page, no sideways scrolling.
      for (const viewport of [DESKTOP, { width: 360, height: 740 }]) {
        await page.setViewportSize(viewport);
        assert.ok(await noHorizontalScroll(page), `no horizontal scrolling at ${viewport.width} px`);
        assert.ok(await page.getByRole('button', { name: 'Add', exact: true }).isVisible());
      }
      const [productBox, priceBox] = await Promise.all([
        page.locator('#items > li').first().locator('.product').boundingBox(),
        page.locator('#items > li').first().locator('.price').boundingBox(),
      ]);
      assert.ok(productBox && priceBox, 'the first row is laid out');

      assert.deepEqual(problems, []);
    });
  }

  test('/api/docs/ renders the API from /api/schema/ in Swagger UI (sqlite)', { timeout: 60_000 }, async (t) => {
    const server = await startOn(t, 'sqlite');
    const page = await context.newPage();
    t.after(() => page.close());
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(error.message));
    await page.goto(`${server.base}/api/docs/`);
    await page.locator('.swagger-ui .info .title').filter({ hasText: 'pricebook' }).waitFor();
    const operations = await page.locator('.opblock-summary-path').allTextContents();
    assert.ok(operations.includes('/api/items'), operations.join(', '));
    assert.ok(operations.includes('/api/items/{id}'), operations.join(', '));
    assert.deepEqual(problems, []);
  });
});

async function startOn(t: { after: (fn: () => unknown) => void }, backend: Backend): Promise<ServerProcess> {
  let url: string;
  if (backend === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'pricebook-web-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    url = `sqlite:${join(dir, 'db.sqlite3')}`;
  } else {
    const database = await createPostgresDatabase();
    t.after(database.drop);
    url = database.url;
  }
  const server = await startServer({ DATABASE_URL: url, LOG_LEVEL: 'warn' });
  t.after(() => server.stop());
  return server;
}
