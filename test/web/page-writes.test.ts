import assert from 'node:assert/strict';
import { describe, type TestContext, test } from 'node:test';
import type { Page, Request, Route } from 'playwright-core';
import {
  apiOf,
  errorFor,
  eventually,
  focused,
  gotoList,
  holdRequests,
  openPage,
  rowTexts,
  seedItems,
  sharedBrowser,
  skipWithoutChromium,
  startOn,
  statusText,
} from './browser.js';

// The page's writes in Chromium: one item per intended create (double-click, Enter twice, a lost
// answer), error messages that go away when they no longer apply, focus after a delete, and the
// API's limits on the inputs.

const isItemsCollection = (url: URL) => url.pathname === '/api/items/';

/** The Idempotency-Key of each request. */
const idempotencyKeys = (requests: Request[]) =>
  Promise.all(requests.map(async (request) => (await request.headerValue('idempotency-key')) ?? '(none)'));

const fillAdd = async (page: Page, product: string, price: string) => {
  await page.getByLabel('Product', { exact: true }).fill(product);
  await page.getByLabel('Price', { exact: true }).fill(price);
};

/** The product the API lists first on page 2 (newest first): the one that moves up when page 1 loses a row. */
const firstOfPageTwo = async (base: string) => {
  const answer = await fetch(`${base}/api/items/?ordering=-id&limit=1&offset=50`);
  return ((await answer.json()) as { results: Array<{ product: string }> }).results[0]?.product;
};

const productsNamed = async (api: ReturnType<typeof apiOf>, product: string) =>
  (await api.items()).filter((item) => item.product === product);

describe('the page writes once, clears stale errors, keeps focus', { skip: skipWithoutChromium }, () => {
  const browser = sharedBrowser();

  /**
   * The list page on a server holding `count` items, Item 01, Item 02 … (two digits each, so a
   * search for one finds only it), with every delete confirmed.
   */
  const listOfNumberedItems = async (t: TestContext, count: number) => {
    const server = await startOn(t, 'sqlite', {}, (store) =>
      seedItems(
        store,
        count,
        (i) => `Item ${String(i + 1).padStart(2, '0')}`,
        (i) => i,
      ),
    );
    const opened = await openPage(t, browser(), server);
    opened.page.on('dialog', (dialog) => void dialog.accept());
    await gotoList(opened.page, server.base);
    return { server, ...opened };
  };

  test('double-click on Add, Enter twice and a lost answer each create one item; Edit and Save too (sqlite)', {
    timeout: 120_000,
  }, async (t) => {
    const server = await startOn(t, 'sqlite');
    const api = apiOf(server.base);
    const { page, problems } = await openPage(t, browser(), server, { expectNetworkErrors: true });
    await gotoList(page, server.base);
    const creates = await holdRequests(page, isItemsCollection, 'POST');
    creates.release();
    const addButton = page.getByRole('button', { name: 'Add', exact: true });
    const product = page.getByLabel('Product', { exact: true });

    // Double-click: the first click's create is held in flight; the form is disabled meanwhile.
    await fillAdd(page, 'Double', '100');
    creates.hold();
    await addButton.dblclick();
    await eventually(async () => assert.equal(creates.requests.length, 1));
    assert.equal(await addButton.isDisabled(), true, 'Add is disabled while the create is in flight');
    assert.equal(await product.getAttribute('readonly'), '', 'inputs are read-only while the create is in flight');
    assert.equal(await page.locator('#add-form').getAttribute('aria-busy'), 'true');
    creates.release();
    await eventually(async () => assert.match(await statusText(page), /Added “Double”/));
    assert.equal(await addButton.isDisabled(), false);
    assert.equal((await productsNamed(api, 'Double')).length, 1);
    assert.equal(creates.requests.length, 1);

    // Enter pressed twice in the price field.
    await fillAdd(page, 'Enter', '200');
    creates.hold();
    await page.getByLabel('Price', { exact: true }).press('Enter');
    await eventually(async () => assert.equal(creates.requests.length, 2));
    await page.keyboard.press('Enter');
    await page.evaluate('0'); // the second key press has been handled in the page
    creates.release();
    await eventually(async () => assert.match(await statusText(page), /Added “Enter”/));
    assert.equal((await productsNamed(api, 'Enter')).length, 1);
    const createKeys = await idempotencyKeys(creates.requests);
    assert.equal(createKeys.length, 2);
    assert.notEqual(createKeys[0], createKeys[1], 'each intended create has its own key');
    await creates.stop();

    // A lost answer: the server creates the item, the page never hears back and retries with
    // the same key; the server replays its first answer instead of creating again.
    const flaky: Array<{ key: string; replayed: string | undefined }> = [];
    let answersToLose = 1;
    const loseAnswers = async (route: Route, request: Request) => {
      if (request.method() !== 'POST') return route.continue();
      const key = (await request.allHeaders())['idempotency-key'] ?? '(none)';
      const response = await route.fetch();
      flaky.push({ key, replayed: response.headers()['idempotent-replayed'] });
      if (answersToLose-- > 0) return route.abort('connectionreset');
      return route.fulfill({ response });
    };
    await page.route(isItemsCollection, loseAnswers);
    await fillAdd(page, 'Flaky', '300');
    await addButton.click();
    await eventually(async () => assert.match(await statusText(page), /Added “Flaky”/));
    assert.equal((await productsNamed(api, 'Flaky')).length, 1);
    assert.equal(flaky.length, 2);
    assert.equal(flaky[0]?.key, flaky[1]?.key, 'the retry reuses the key');
    assert.equal(flaky[1]?.replayed, 'true');
    assert.ok(!createKeys.includes(flaky[0]?.key ?? ''));

    // Every answer lost: the page gives up and says so; pressing Add again (same fields) is the
    // same intended create, with the same key, and still makes one item.
    flaky.length = 0;
    answersToLose = 3;
    await fillAdd(page, 'Retry', '400');
    await addButton.click();
    await eventually(async () =>
      assert.match(
        (await page.locator('#add-form [data-error-for="form"]').textContent()) ?? '',
        /Could not reach the server/,
      ),
    );
    assert.equal(flaky.length, 3);
    await addButton.click();
    await eventually(async () => assert.match(await statusText(page), /Added “Retry”/));
    assert.equal(flaky.length, 4);
    assert.equal(new Set(flaky.map((attempt) => attempt.key)).size, 1);
    assert.equal((await productsNamed(api, 'Retry')).length, 1);
    assert.equal(await page.locator('#add-form [data-error-for="form"]').textContent(), '');

    // The same fields again, after the answer arrived, are a new intended create: a new key.
    await fillAdd(page, 'Retry', '400');
    await addButton.click();
    await eventually(async () => assert.equal((await productsNamed(api, 'Retry')).length, 2));
    // The route handler records the attempt after the server has answered it: the item can be
    // read before the record is made.
    await eventually(async () => assert.equal(new Set(flaky.map((attempt) => attempt.key)).size, 2));

    assert.equal((await api.items()).length, 5);

    // Edit is guarded the same way: a double-click on Edit opens one form, on Save sends one
    // PATCH (a second one, with the ETag the first made stale, would fail with a false alarm).
    const patches: string[] = [];
    page.on('request', (request) => request.method() === 'PATCH' && patches.push(request.url()));
    await page.getByRole('button', { name: 'Edit Double' }).dblclick();
    const editForm = page.getByRole('form', { name: 'Edit Double' });
    await editForm.getByLabel('Price').fill('150');
    assert.equal(await page.locator('.edit-form').count(), 1);
    await editForm.getByRole('button', { name: 'Save' }).dblclick();
    await eventually(async () => assert.match(await statusText(page), /Saved “Double”/));
    assert.equal(patches.length, 1);
    assert.deepEqual(
      (await productsNamed(api, 'Double')).map((item) => item.price),
      [150],
    );
    assert.deepEqual(problems, []);
  });

  test('field errors clear as the field changes and after a later add, edit or delete (sqlite)', {
    timeout: 60_000,
  }, async (t) => {
    const server = await startOn(t, 'sqlite');
    const api = apiOf(server.base);
    await api.create('Tee', 150);
    await api.create('Zucker', 99);
    const { page, problems } = await openPage(t, browser(), server, { expectedStatuses: [400] });
    await gotoList(page, server.base);
    const addButton = page.getByRole('button', { name: 'Add', exact: true });
    const noError = { text: '', invalid: null };

    // Both fields wrong: both messages; each goes as soon as its field changes.
    await fillAdd(page, '', '12.5');
    await addButton.click();
    await eventually(async () =>
      assert.deepEqual(await errorFor(page, 'Price'), { text: 'A valid integer is required.', invalid: 'true' }),
    );
    assert.deepEqual(await errorFor(page, 'Product'), { text: 'This field may not be blank.', invalid: 'true' });
    await page.getByLabel('Price', { exact: true }).press('Backspace');
    assert.deepEqual(await errorFor(page, 'Price'), noError);
    assert.equal((await errorFor(page, 'Product')).invalid, 'true', 'the other field keeps its message');
    await page.getByLabel('Product', { exact: true }).pressSequentially('M');
    assert.deepEqual(await errorFor(page, 'Product'), noError);

    // A message left standing goes after a successful edit elsewhere…
    await fillAdd(page, 'Milch', '-1');
    await addButton.click();
    await eventually(async () => assert.equal((await errorFor(page, 'Price')).invalid, 'true'));
    await page.getByRole('button', { name: 'Edit Tee' }).click();
    const editForm = page.getByRole('form', { name: 'Edit Tee' });
    await editForm.getByLabel('Price').fill('160');
    await editForm.getByRole('button', { name: 'Save' }).click();
    await eventually(async () => assert.match(await statusText(page), /Saved “Tee”/));
    assert.deepEqual(await errorFor(page, 'Price'), noError);

    // …and after a successful delete.
    await addButton.click();
    await eventually(async () => assert.equal((await errorFor(page, 'Price')).invalid, 'true'));
    page.once('dialog', (dialog) => void dialog.accept());
    await page.getByRole('button', { name: 'Delete Zucker' }).click();
    await eventually(async () => assert.match(await statusText(page), /Deleted “Zucker”/));
    assert.deepEqual(await errorFor(page, 'Price'), noError);

    // The edit form's messages clear as its fields change, too.
    await page.getByRole('button', { name: 'Edit Tee' }).click();
    const teeForm = page.getByRole('form', { name: 'Edit Tee' });
    await teeForm.getByLabel('Product').fill('');
    await teeForm.getByRole('button', { name: 'Save' }).click();
    await eventually(async () => assert.equal((await errorFor(page, 'Product', teeForm)).invalid, 'true'));
    await teeForm.getByLabel('Product').pressSequentially('Grüntee');
    assert.deepEqual(await errorFor(page, 'Product', teeForm), noError);
    await teeForm.getByRole('button', { name: 'Save' }).click();
    await eventually(async () => assert.deepEqual(await rowTexts(page), ['Grüntee | 160']));

    assert.deepEqual(
      (await api.items()).map(({ product, price }) => `${product} ${price}`),
      ['Grüntee 160'],
    );
    assert.deepEqual(problems, []);
  });

  test('an edit form opened while the list reloads after an add stays open; the new row shows once it closes', {
    timeout: 60_000,
  }, async (t) => {
    const server = await startOn(t, 'sqlite');
    await apiOf(server.base).create('Tea', 300);
    const { page, problems } = await openPage(t, browser(), server);
    await gotoList(page, server.base);
    await eventually(async () => assert.deepEqual(await rowTexts(page), ['Tea | 300']));

    // The list reloads that follow the add are held back until the edit form is open.
    const reloads = await holdRequests(page, isItemsCollection, 'GET');
    await fillAdd(page, 'Coffee', '500');
    await page.getByRole('button', { name: 'Add', exact: true }).click();
    await eventually(async () => assert.match(await statusText(page), /Added “Coffee”/));
    await eventually(async () => assert.ok(reloads.requests.length >= 1, 'the add reloads the list'));
    await page.getByRole('button', { name: 'Edit Tea' }).click();
    const editForm = page.getByRole('form', { name: 'Edit Tea' });
    await editForm.getByLabel('Price').fill('320');

    reloads.release();
    await Promise.all(reloads.answered);
    await eventually(async () => assert.equal(await page.locator('#items').getAttribute('aria-busy'), null));
    assert.equal(await editForm.getByLabel('Price').inputValue(), '320', 'the form is still open, as typed');
    assert.deepEqual(await rowTexts(page), ['Tea | 300']);

    await editForm.getByRole('button', { name: 'Cancel' }).click();
    await eventually(async () => assert.deepEqual(await rowTexts(page), ['Coffee | 500', 'Tea | 300']));
    assert.deepEqual(problems, []);
  });

  test('after a delete, focus moves to the next row, else the last, else the list heading (sqlite)', {
    timeout: 90_000,
  }, async (t) => {
    // 52 items: 50 on page 1, 2 on page 2.
    const { server, page, problems } = await listOfNumberedItems(t, 52);
    const api = apiOf(server.base);
    // Created in parallel: read the order the page shows instead of assuming it.
    const shown = async () => (await rowTexts(page)).map((text) => text.split(' | ')[0]);
    const deleteByKeyboard = async (product: string) => {
      await page.getByRole('button', { name: `Delete ${product}`, exact: true }).focus();
      await page.keyboard.press('Enter');
      await eventually(async () => assert.match(await statusText(page), new RegExp(`Deleted “${product}”`)));
    };

    // A row in the middle: the next row's Delete button gets focus.
    let names = await shown();
    assert.equal(names.length, 50);
    await deleteByKeyboard(names[10] as string);
    await eventually(async () => assert.equal(await focused(page), `button: Delete ${names[11]}`));

    // The last row of a full page: the first item of the next page moves up and gets focus.
    names = await shown();
    const firstOfNextPage = await firstOfPageTwo(server.base);
    await deleteByKeyboard(names[49] as string);
    await eventually(async () => assert.equal(await focused(page), `button: Delete ${firstOfNextPage}`));
    assert.equal((await shown())[49], firstOfNextPage);

    // The last row of all: focus goes to the row before it; when none is left, to the heading.
    const lastPage = await shown();
    assert.equal(lastPage.length, 50);
    await deleteByKeyboard(lastPage.at(-1) as string);
    await eventually(async () => assert.equal(await focused(page), `button: Delete ${lastPage.at(-2)}`));
    await page.getByLabel('Search').fill(lastPage.at(-2) as string);
    await eventually(async () => assert.equal((await shown()).length, 1));
    await deleteByKeyboard(lastPage.at(-2) as string);
    await eventually(async () => assert.match(await focused(page), /^h2: Items/));
    assert.equal(await page.locator('#list-title').getAttribute('tabindex'), '-1');
    assert.equal((await api.items()).length, 48);
    assert.deepEqual(problems, []);
  });

  test("a delete whose reload is overtaken by the live feed's reload still focuses the row in its place (sqlite)", {
    timeout: 60_000,
  }, async (t) => {
    // 51 items: the last row of page 1 is deleted, and the first of page 2 moves up into its place.
    const { server, page, problems } = await listOfNumberedItems(t, 51);
    const names = (await rowTexts(page)).map((text) => text.split(' | ')[0] as string);
    const movingUp = await firstOfPageTwo(server.base);

    // The delete's own reload is held until the live feed's reload (200 ms after the event) cancels it.
    const reloads = await holdRequests(page, isItemsCollection, 'GET');
    await page.getByRole('button', { name: `Delete ${names[49]}`, exact: true }).focus();
    await page.keyboard.press('Enter');
    await eventually(async () => assert.equal(reloads.requests.length, 2, 'the delete and the live feed reload'));
    reloads.release();
    await eventually(async () => assert.equal(await focused(page), `button: Delete ${movingUp}`));
    assert.equal((await rowTexts(page)).length, 50);
    await reloads.stop();
    assert.deepEqual(problems, []);
  });

  test('one label per field in both forms, the API limits on the inputs, a named raw-data link (sqlite)', {
    timeout: 60_000,
  }, async (t) => {
    const server = await startOn(t, 'sqlite');
    await apiOf(server.base).create('Reis', 300);
    const { page, problems } = await openPage(t, browser(), server);
    await gotoList(page, server.base);
    await page.getByRole('button', { name: 'Edit Reis' }).click();
    const forms = { add: page.locator('#add-form'), edit: page.getByRole('form', { name: 'Edit Reis' }) };
    for (const [name, form] of Object.entries(forms)) {
      const labels = await form.locator('label').allTextContents();
      assert.deepEqual(labels, ['Product', 'Price'], `${name} form labels`);
      const product = form.getByLabel('Product', { exact: true });
      const price = form.getByLabel('Price', { exact: true });
      await eventually(async () => assert.equal(await product.getAttribute('maxlength'), '20', `${name} product`));
      assert.deepEqual(
        await price.evaluate((input) => ['type', 'min', 'max', 'step'].map((a) => input.getAttribute(a))),
        ['number', '0', '2147483647', '1'],
        `${name} price`,
      );
      // The browser holds the product to the API's 20 characters.
      await product.fill('');
      await product.pressSequentially('Basmati Reis aus Indien');
      assert.equal(await product.inputValue(), 'Basmati Reis aus Ind');
    }
    // The limits come from the API's OPTIONS metadata, the one place that states them.
    const metadata = (await (await fetch(`${server.base}/api/items/`, { method: 'OPTIONS' })).json()) as {
      actions: { POST: { product: { max_length: number }; price: { min_value: number; max_value: number } } };
    };
    assert.equal(metadata.actions.POST.product.max_length, 20);
    assert.equal(metadata.actions.POST.price.max_value, 2147483647);

    // The link to the raw list says what it is and gives JSON (of the list as searched and sorted).
    const raw = page.getByRole('link', { name: 'Raw data (JSON)' });
    assert.equal(await raw.getAttribute('href'), '/api/items/?format=json&ordering=-id');
    assert.equal(await page.getByRole('link', { name: 'JSON', exact: true }).count(), 0);
    await page.getByLabel('Search').fill('reis');
    await eventually(async () =>
      assert.equal(await raw.getAttribute('href'), '/api/items/?format=json&ordering=-id&search=reis'),
    );
    const answer = await fetch(`${server.base}${await raw.getAttribute('href')}`);
    assert.match(answer.headers.get('content-type') ?? '', /^application\/json/);
    assert.deepEqual(
      ((await answer.json()) as Array<{ product: string }>).map((item) => item.product),
      ['Reis'],
    );
    assert.deepEqual(problems, []);
  });
});
