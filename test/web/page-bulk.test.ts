import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import {
  apiOf,
  eventually,
  gotoList,
  openPage,
  sharedBrowser,
  skipWithoutChromium,
  startOn,
  statusText,
} from './browser.js';

// The page's bulk tools in Chromium: a CSV import previewed (dry run) before it is applied, a price
// change of the selected items (or of every item matching the search) previewed, then applied as
// one bulk request; the export link follows the view.

const tableRows = (page: Page, body: string) =>
  page
    .locator(`#${body} tr`)
    .evaluateAll((rows) => rows.map((row) => [...row.querySelectorAll('td')].map((cell) => cell.textContent)));

describe('the page changes many prices at once', { skip: skipWithoutChromium }, () => {
  const browser = sharedBrowser();

  test('import a CSV with a preview, then a bulk price change with a preview (sqlite)', {
    timeout: 120_000,
  }, async (t) => {
    const server = await startOn(t, 'sqlite', {}, async (store) => {
      await store.create({ product: 'Apple', price: 100 });
      await store.create({ product: 'Pear', price: 200 });
      await store.create({ product: 'Plum', price: 300 });
    });
    const api = apiOf(server.base);
    const { page, problems } = await openPage(t, browser(), server, { expectedStatuses: [400, 412] });
    await gotoList(page, server.base);

    // The export link follows the search and the sort.
    await page.getByLabel('Search').fill('p');
    await page.getByLabel('Sort').selectOption('price');
    await eventually(async () =>
      assert.equal(
        await page.locator('#export-csv').getAttribute('href'),
        '/api/items/?format=csv&ordering=price&search=p',
      ),
    );
    await page.getByLabel('Search').fill('');

    // Import: the preview shows what would change, and nothing is written until Apply.
    const file = '\ufeffid,product,price\r\n1,Apple,120\r\n2,Pear,200\r\n,"Kiwi, gold",50\r\n';
    await page
      .getByLabel(/Import a CSV file/)
      .setInputFiles({ name: 'prices.csv', mimeType: 'text/csv', buffer: Buffer.from(file) });
    await page.getByRole('button', { name: 'Preview import' }).click();
    await page.locator('#import-preview').waitFor();
    assert.equal(await page.locator('#import-summary').textContent(), '1 new, 1 changed, 1 unchanged.');
    assert.deepEqual(await tableRows(page, 'import-preview-rows'), [
      ['Change', 'Apple · 100', 'Apple · 120'],
      ['New', '—', 'Kiwi, gold · 50'],
    ]);
    assert.deepEqual(
      (await api.items()).map((item) => [item.product, item.price]),
      [
        ['Apple', 100],
        ['Pear', 200],
        ['Plum', 300],
      ],
    );
    await page.getByRole('button', { name: 'Apply import' }).click();
    await eventually(async () => assert.match(await statusText(page), /Imported: 1 new, 1 changed\./));
    assert.equal(await page.locator('#import-preview').isHidden(), true);
    const imported = await api.items();
    assert.deepEqual(
      imported.map((item) => [item.product, item.price]),
      [
        ['Apple', 120],
        ['Pear', 200],
        ['Plum', 300],
        ['Kiwi, gold', 50],
      ],
    );

    // A file with a problem: its line and column, and nothing written.
    await page.getByLabel(/Import a CSV file/).setInputFiles({
      name: 'bad.csv',
      mimeType: 'text/csv',
      buffer: Buffer.from('id,product,price\r\n1,Apple,x\r\n'),
    });
    await page.getByRole('button', { name: 'Preview import' }).click();
    await eventually(async () =>
      assert.equal(
        await page.locator('#import-form .form-error').textContent(),
        'Nothing can be imported: Line 2, column 3 (price): A valid integer is required.',
      ),
    );

    // A price change of two selected items by 10 %: preview, then one bulk request.
    await page.getByLabel('Select Apple').check();
    await page.getByLabel('Select Plum').check();
    assert.equal(await page.locator('#selected-count').textContent(), '2');
    await page.getByLabel('By', { exact: true }).fill('10');
    const bulkRequests: string[] = [];
    page.on('request', (request) => {
      if (request.url().includes('/api/items/bulk/')) bulkRequests.push(request.url());
    });
    await page.getByRole('button', { name: 'Preview', exact: true }).click();
    await page.locator('#price-preview').waitFor();
    assert.equal(await page.locator('#price-preview-summary').textContent(), '2 prices will change:');
    assert.deepEqual(await tableRows(page, 'price-preview-rows'), [
      ['Apple', '120', '132'],
      ['Plum', '300', '330'],
    ]);
    assert.equal((await api.get(1)).item?.price, 120, 'the preview writes nothing');
    await page.getByRole('button', { name: 'Apply', exact: true }).click();
    await eventually(async () => assert.match(await statusText(page), /Changed 2 prices\./));
    assert.deepEqual(
      (await api.items()).map((item) => [item.product, item.price]),
      [
        ['Apple', 132],
        ['Pear', 200],
        ['Plum', 330],
        ['Kiwi, gold', 50],
      ],
    );
    // One dry run for the preview, one request to apply.
    assert.deepEqual(
      bulkRequests.map((url) => new URL(url).search),
      ['?dry_run=true', ''],
    );

    // Every item matching a search, by an amount; an item changed after the preview stops it all.
    await page.getByLabel('Search').fill('p');
    await page.getByLabel('Every item listed (all pages)').check();
    await page.getByLabel('Change', { exact: true }).selectOption('amount');
    await page.getByLabel('By', { exact: true }).fill('-30');
    await page.getByRole('button', { name: 'Preview', exact: true }).click();
    await page.locator('#price-preview').waitFor();
    assert.equal(await page.locator('#price-preview-summary').textContent(), '3 prices will change:');
    await fetch(`${server.base}/api/items/2/`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ price: 210 }),
    });
    await page.getByRole('button', { name: 'Apply', exact: true }).click();
    await eventually(async () =>
      assert.match(
        (await page.locator('#price-change-form .form-error').textContent()) ?? '',
        /changed since the preview/,
      ),
    );
    assert.deepEqual(
      (await api.items()).map((item) => item.price),
      [132, 210, 330, 50],
    );
    await page.getByRole('button', { name: 'Preview', exact: true }).click();
    await page.locator('#price-preview').waitFor();
    await page.getByRole('button', { name: 'Apply', exact: true }).click();
    await eventually(async () => assert.match(await statusText(page), /Changed 3 prices\./));
    assert.deepEqual(
      (await api.items()).map((item) => item.price),
      [102, 180, 300, 50],
    );
    assert.deepEqual(problems, []);
  });
});
