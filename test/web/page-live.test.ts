import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  apiOf,
  eventually,
  focused,
  gotoList,
  holdRequests,
  openPage,
  rowTexts,
  sharedBrowser,
  skipWithoutChromium,
  startOn,
} from './browser.js';

// Issue 17 in the page: a change made by another client appears without reloading, highlighted
// (live.js over /api/events/), and an item's price history opens with its chart, its table and
// the lowest price of the last 30 days (history.js).

describe('live updates and price history in Chromium', { skip: skipWithoutChromium }, () => {
  const browser = sharedBrowser();

  test("another client's create, change and delete appear; the history dialog (sqlite)", {
    timeout: 120_000,
  }, async (t) => {
    const server = await startOn(t, 'sqlite');
    const api = apiOf(server.base);
    const { page, problems } = await openPage(t, browser(), server);
    await gotoList(page, server.base);
    await eventually(async () => assert.equal(await page.evaluate('document.readyState'), 'complete'));

    const tea = await api.create('Tea', 300);
    await eventually(async () => assert.deepEqual(await rowTexts(page), ['Tea | 300']));
    const row = page.locator('#items > li', { hasText: 'Tea' });
    assert.match(String(await row.getAttribute('class')), /\bchanged\b/, 'highlighted');

    const patch = await fetch(`${server.base}/api/items/${tea.id}/`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ price: 250 }),
    });
    assert.equal(patch.status, 200);
    await eventually(async () => assert.deepEqual(await rowTexts(page), ['Tea | 250']));
    assert.match(String(await row.getAttribute('class')), /\bchanged\b/);

    await page.getByRole('button', { name: 'History of Tea' }).click();
    const dialog = page.getByRole('dialog', { name: 'Price history of Tea' });
    await dialog.waitFor();
    await eventually(async () =>
      assert.equal(await dialog.locator('.lowest').textContent(), 'Lowest price in the last 30 days: 250'),
    );
    const cells = await dialog
      .locator('tbody tr')
      .evaluateAll((rows) => rows.map((r) => [...r.querySelectorAll('td')].slice(1).map((td) => td.textContent)));
    assert.deepEqual(cells, [
      ['Changed', 'Tea', '250'],
      ['Created', 'Tea', '300'],
    ]);
    assert.equal(await dialog.locator('svg path.line').count(), 1);
    await dialog.getByRole('button', { name: 'Close' }).click();

    const other = await api.create('Coffee', 500);
    await eventually(async () => assert.deepEqual(await rowTexts(page), ['Coffee | 500', 'Tea | 250']));
    const removed = await fetch(`${server.base}/api/items/${other.id}/`, { method: 'DELETE' });
    assert.equal(removed.status, 204);
    await eventually(async () => assert.deepEqual(await rowTexts(page), ['Tea | 250']));
    assert.deepEqual(problems, []);
  });

  test('a live update keeps keyboard focus on the same control, or on the row that takes its place', {
    timeout: 60_000,
  }, async (t) => {
    const server = await startOn(t, 'sqlite');
    const api = apiOf(server.base);
    await api.create('Tea', 300);
    const coffee = await api.create('Coffee', 500);
    const { page, problems } = await openPage(t, browser(), server);
    await gotoList(page, server.base);
    await eventually(async () => assert.deepEqual(await rowTexts(page), ['Coffee | 500', 'Tea | 300']));

    await page.getByRole('button', { name: 'Edit Tea' }).focus();
    await api.create('Milk', 120);
    await eventually(async () => assert.deepEqual(await rowTexts(page), ['Milk | 120', 'Coffee | 500', 'Tea | 300']));
    assert.equal(await focused(page), 'button: Edit Tea');

    // The focused item deleted elsewhere: focus stays in the list, on the row now in its place.
    await page.getByRole('button', { name: 'Delete Coffee' }).focus();
    const removed = await fetch(`${server.base}/api/items/${coffee.id}/`, { method: 'DELETE' });
    assert.equal(removed.status, 204);
    await eventually(async () => assert.deepEqual(await rowTexts(page), ['Milk | 120', 'Tea | 300']));
    assert.equal(await focused(page), 'button: Delete Tea');
    assert.deepEqual(problems, []);
  });

  test('an edit form still opens when another client creates an item while it loads; the list is read again once it closes', {
    timeout: 60_000,
  }, async (t) => {
    const server = await startOn(t, 'sqlite');
    const api = apiOf(server.base);
    const tea = await api.create('Tea', 300);
    const { page, problems } = await openPage(t, browser(), server);
    await gotoList(page, server.base);
    await eventually(async () => assert.deepEqual(await rowTexts(page), ['Tea | 300']));

    // The item's read (what the form opens with) is held back until the list was loaded again
    // for the other client's create: that reload must not take away the row the form opens in.
    const read = await holdRequests(page, `**/api/items/${tea.id}/`, 'GET');
    const listLoaded = page.waitForResponse((response) => /\/api\/items\/\?.*limit=/.test(response.url()));
    await page.getByRole('button', { name: 'Edit Tea' }).click();
    await api.create('Coffee', 500);
    await listLoaded;
    read.release();

    const editForm = page.getByRole('form', { name: 'Edit Tea' });
    await editForm.getByLabel('Price').fill('320');
    // The list is not read while the form stays open (live.js once tried again every 200 ms). An
    // absence has no event to wait for: a second, five of those tries, is the window.
    const listReads: string[] = [];
    page.on('request', (request) => {
      if (request.method() === 'GET' && /\/api\/items\/\?/.test(request.url())) listReads.push(request.url());
    });
    await new Promise((resolve) => setTimeout(resolve, 1000));
    assert.deepEqual(listReads, [], 'no list reads under the open form');

    await editForm.getByRole('button', { name: 'Cancel' }).click();
    // Once the form is closed, the deferred reload shows the other client's item, highlighted.
    await eventually(async () => assert.deepEqual(await rowTexts(page), ['Coffee | 500', 'Tea | 300']));
    assert.equal(listReads.length, 1);
    const coffeeRow = page.locator('#items > li', { hasText: 'Coffee' });
    assert.match(String(await coffeeRow.getAttribute('class')), /\bchanged\b/, 'highlighted');
    assert.deepEqual(problems, []);
  });
});
