import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { ConfigError, loadConfig } from '../../src/config.js';
import { build, call } from '../helpers/build.js';
import { outsideTheApi } from '../helpers/openapi.js';
import {
  apiOf,
  errorFor,
  eventually,
  focused,
  gotoList,
  LOCALE,
  noHorizontalScroll,
  openPage,
  rowTexts,
  sharedBrowser,
  skipWithoutChromium,
  startOn,
  statusText,
} from './browser.js';

// What the server tells the page (/page-settings.json: the price currency and unit, whether
// writes need a token), and what the page makes of it in Chromium: money formatted with Intl and
// typed prices that round-trip exactly; a sign-in form for the API token.

const TOKEN = 'page-test-token-0123456789';

const configProblems = (env: Record<string, string>) => {
  try {
    loadConfig(env);
    return [];
  } catch (error) {
    assert.ok(error instanceof ConfigError);
    return error.problems;
  }
};

describe('PRICE_CURRENCY and PRICE_MINOR_UNITS', () => {
  test('defaults: plain numbers, minor units', () => {
    const config = loadConfig({});
    assert.equal(config.priceCurrency, null);
    assert.equal(config.priceMinorUnits, true);
    assert.equal(loadConfig({ PRICE_CURRENCY: ' ' }).priceCurrency, null);
  });

  test('an ISO 4217 code of three upper-case letters, and a boolean', () => {
    const config = loadConfig({ PRICE_CURRENCY: 'EUR', PRICE_MINOR_UNITS: 'false' });
    assert.equal(config.priceCurrency, 'EUR');
    assert.equal(config.priceMinorUnits, false);
    for (const bad of ['eur', 'EURO', '€', 'E1R']) {
      assert.deepEqual(configProblems({ PRICE_CURRENCY: bad }), [
        `PRICE_CURRENCY must be an ISO 4217 code of three upper-case letters such as EUR, got "${bad}"`,
      ]);
    }
    assert.deepEqual(configProblems({ PRICE_MINOR_UNITS: 'cents' }), [
      'PRICE_MINOR_UNITS must be true or false, got "cents"',
    ]);
  });

  test('/page-settings.json tells the page, and never the token itself', async (t) => {
    const plain = await build(t, 'sqlite');
    const answer = await outsideTheApi(() => call(plain.app, 'GET', '/page-settings.json'));
    assert.equal(answer.status, 200);
    assert.match(String(answer.headers['content-type']), /^application\/json/);
    assert.equal(answer.headers['cache-control'], 'no-cache');
    assert.deepEqual(answer.json(), { priceCurrency: null, priceMinorUnits: true, writesNeedToken: false });

    const configured = await build(t, 'sqlite', { PRICE_CURRENCY: 'JPY', PRICE_MINOR_UNITS: 'no', API_TOKEN: TOKEN });
    const settings = await outsideTheApi(() => call(configured.app, 'GET', '/page-settings.json'));
    assert.deepEqual(settings.json(), { priceCurrency: 'JPY', priceMinorUnits: false, writesNeedToken: true });
    assert.ok(!settings.body.includes(TOKEN));
    // Not part of the API: no token needed, no API headers, absent from the OpenAPI document.
    assert.equal(settings.headers.allow, undefined);
    const schema = await outsideTheApi(() => call(configured.app, 'GET', '/api/schema/'));
    assert.ok(!schema.body.includes('page-settings'));
  });
});

/** What Node's Intl makes of `amount` in the tests' locale: the page must show the same. */
const money = (amount: string, currency: string, digits?: number) =>
  new Intl.NumberFormat(LOCALE, {
    style: 'currency',
    currency,
    ...(digits === undefined ? {} : { minimumFractionDigits: digits, maximumFractionDigits: digits }),
  }).format(amount as unknown as number);

/** The JSON bodies the page sends to the API, in order. */
function sentBodies(page: Page) {
  const bodies: Array<{ method: string; body: unknown }> = [];
  page.on('request', (request) => {
    if (request.url().includes('/api/items/') && ['POST', 'PATCH'].includes(request.method())) {
      bodies.push({ method: request.method(), body: request.postDataJSON() });
    }
  });
  return bodies;
}

describe('the page in Chromium with prices as money and a token', { skip: skipWithoutChromium }, () => {
  const browser = sharedBrowser();

  test('PRICE_CURRENCY=EUR: cents shown as euros, typed euros stored as cents, exactly', {
    timeout: 60_000,
  }, async (t) => {
    const server = await startOn(t, 'sqlite', { PRICE_CURRENCY: 'EUR' });
    const api = apiOf(server.base);
    await api.create('Seife', 349);
    const { page, problems } = await openPage(t, browser(), server, { expectedStatuses: [400] });
    const sent = sentBodies(page);
    await gotoList(page, server.base);
    assert.deepEqual(await rowTexts(page), [`Seife | ${money('3.49', 'EUR')}`]);
    assert.equal(money('3.49', 'EUR'), '€3.49');

    // The price input says its unit and takes cents.
    const price = page.getByLabel('Price (€)', { exact: true });
    await eventually(async () => assert.equal(await price.getAttribute('step'), '0.01'));
    assert.deepEqual(await price.evaluate((input) => ['min', 'max', 'inputmode'].map((a) => input.getAttribute(a))), [
      '0.00',
      '21474836.47',
      'decimal',
    ]);

    // Add 3.49 and 1234567.5: the API gets 349 and 123456750, the list shows them grouped.
    const add = async (product: string, amount: string) => {
      await page.getByLabel('Product', { exact: true }).fill(product);
      await price.fill(amount);
      await page.getByRole('button', { name: 'Add', exact: true }).click();
    };
    await add('Zahnpasta', '3.49');
    await eventually(async () => assert.match(await statusText(page), /Added “Zahnpasta”/));
    await add('Fahrrad', '1234567.5');
    await eventually(async () => assert.match(await statusText(page), /Added “Fahrrad”/));
    assert.deepEqual(
      sent.map((request) => request.body),
      [
        { product: 'Zahnpasta', price: 349 },
        { product: 'Fahrrad', price: 123456750 },
      ],
    );
    assert.deepEqual(
      (await api.items()).map((item) => item.price),
      [349, 349, 123456750],
    );
    await eventually(async () =>
      assert.deepEqual(await rowTexts(page), [
        `Fahrrad | ${money('1234567.50', 'EUR')}`,
        `Zahnpasta | ${money('3.49', 'EUR')}`,
        `Seife | ${money('3.49', 'EUR')}`,
      ]),
    );
    assert.equal(money('1234567.50', 'EUR'), '€1,234,567.50');

    // Too many decimals cannot be stored exactly: the page says so and sends nothing.
    await add('Kaugummi', '0.995');
    await eventually(async () =>
      assert.deepEqual(await errorFor(page, 'Price (€)'), {
        text: 'Use at most 2 digits after the decimal point.',
        invalid: 'true',
      }),
    );
    assert.equal(sent.length, 2);
    // The API's bounds are said as money too.
    await add('Yacht', '30000000');
    await eventually(async () =>
      assert.equal(
        (await errorFor(page, 'Price (€)')).text,
        `Ensure this value is less than or equal to ${money('21474836.47', 'EUR')}.`,
      ),
    );
    assert.equal((await api.items()).length, 3);

    // Edit: the form shows 3.49; saving it unchanged sends nothing; 3.5 is stored as 350.
    await page.getByRole('button', { name: 'Edit Seife' }).click();
    const editForm = page.getByRole('form', { name: 'Edit Seife' });
    const editPrice = editForm.getByLabel('Price (€)');
    assert.equal(await editPrice.inputValue(), '3.49');
    await editForm.getByRole('button', { name: 'Save' }).click();
    await eventually(async () => assert.equal(await editForm.count(), 0));
    assert.equal(sent.length, 3);
    await page.getByRole('button', { name: 'Edit Seife' }).click();
    await editPrice.fill('3.5');
    await editForm.getByRole('button', { name: 'Save' }).click();
    await eventually(async () => assert.equal(await editForm.count(), 0));
    assert.deepEqual(sent.at(-1), { method: 'PATCH', body: { price: 350 } });
    const seife = (await api.items()).find((item) => item.product === 'Seife');
    assert.equal(seife?.price, 350);
    assert.equal((await rowTexts(page)).at(-1), `Seife | ${money('3.50', 'EUR')}`);
    assert.deepEqual(problems, []);
  });

  test("Intl's fraction digits, not a hard-coded 2: KWD has 3, JPY none; PRICE_MINOR_UNITS=false", {
    timeout: 90_000,
  }, async (t) => {
    const cases: Array<{ env: Record<string, string>; typed: string; stored: number; step: string; shown: string }> = [
      { env: { PRICE_CURRENCY: 'KWD' }, typed: '1.250', stored: 1250, step: '0.001', shown: money('1.250', 'KWD') },
      { env: { PRICE_CURRENCY: 'JPY' }, typed: '1500', stored: 1500, step: '1', shown: money('1500', 'JPY') },
      {
        env: { PRICE_CURRENCY: 'EUR', PRICE_MINOR_UNITS: 'false' },
        typed: '349',
        stored: 349,
        step: '1',
        shown: money('349', 'EUR', 0),
      },
    ];
    assert.deepEqual(
      cases.map((c) => c.shown),
      ['KWD\u00a01.250', '¥1,500', '€349'],
    );
    for (const { env, typed, stored, step, shown } of cases) {
      const server = await startOn(t, 'sqlite', env);
      const { page, problems } = await openPage(t, browser(), server);
      await gotoList(page, server.base);
      const price = page.locator('#add-price');
      await eventually(async () => assert.equal(await price.getAttribute('step'), step, env.PRICE_CURRENCY));
      await page.getByLabel('Product', { exact: true }).fill('Ware');
      await price.fill(typed);
      await page.getByRole('button', { name: 'Add', exact: true }).click();
      await eventually(async () => assert.deepEqual(await rowTexts(page), [`Ware | ${shown}`]));
      assert.deepEqual(
        (await apiOf(server.base).items()).map((item) => item.price),
        [stored],
      );
      await page.getByRole('button', { name: 'Edit Ware' }).click();
      assert.equal(await page.locator('.edit-form input[name="price"]').inputValue(), typed);
      assert.deepEqual(problems, []);
      await page.close();
    }
  });

  test('API_TOKEN: a sign-in form with a password field, kept for this tab, forgettable; 401 asks again', {
    timeout: 90_000,
  }, async (t) => {
    const server = await startOn(t, 'sqlite', { API_TOKEN: TOKEN });
    const api = apiOf(server.base, TOKEN);
    await api.create('Brot', 250);
    const { page, problems } = await openPage(t, browser(), server, { expectedStatuses: [401] });
    const dialogs: string[] = [];
    page.on('dialog', (dialog) => {
      dialogs.push(dialog.type());
      void dialog.accept();
    });
    await gotoList(page, server.base);

    // Signed out: the list is readable; instead of the add form and row actions, the sign-in form.
    const signIn = page.getByRole('region', { name: 'Sign in to make changes' });
    const tokenInput = page.getByLabel('API token');
    const addButton = page.getByRole('button', { name: 'Add', exact: true });
    const forget = page.getByRole('button', { name: 'Forget token' });
    await signIn.waitFor();
    assert.equal(await tokenInput.getAttribute('type'), 'password');
    assert.equal(await addButton.isVisible(), false);
    assert.equal(await page.getByRole('button', { name: 'Edit Brot' }).isVisible(), false);
    assert.equal(await forget.isVisible(), false);
    assert.deepEqual(await rowTexts(page), ['Brot | 250']);

    // Sign in: the token goes to sessionStorage (this tab), nowhere else; the page is writable.
    await tokenInput.fill(TOKEN);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await addButton.waitFor();
    assert.equal(await signIn.isVisible(), false);
    assert.equal(await forget.isVisible(), true);
    assert.equal(await page.evaluate(`sessionStorage.getItem('pricebook-token')`), TOKEN);
    assert.equal(await page.evaluate('localStorage.length'), 0);
    assert.deepEqual(await browser().cookies(server.base), []);
    assert.equal(await tokenInput.inputValue(), '');
    assert.ok(!(await page.content()).includes(TOKEN), 'the token is not in the page');
    assert.equal(await focused(page), 'input: ');
    assert.ok(await noHorizontalScroll(page), 'no horizontal scrolling at 390 px, signed in');
    await page.getByLabel('Product', { exact: true }).fill('Butter');
    await page.getByLabel('Price', { exact: true }).fill('199');
    await addButton.click();
    await eventually(async () => assert.match(await statusText(page), /Added “Butter”/));
    assert.deepEqual(
      (await api.items()).map((item) => item.product),
      ['Brot', 'Butter'],
    );

    // Another tab has no token: it shows the sign-in form.
    const other = await openPage(t, browser(), server);
    await gotoList(other.page, server.base);
    await other.page.getByRole('region', { name: 'Sign in to make changes' }).waitFor();
    assert.equal(await other.page.evaluate(`sessionStorage.getItem('pricebook-token')`), null);
    await other.page.close();

    // Forget token: gone from the tab, the sign-in form is back.
    await forget.click();
    await signIn.waitFor();
    assert.equal(await page.evaluate(`sessionStorage.getItem('pricebook-token')`), null);
    assert.equal(await addButton.isVisible(), false);
    assert.match(await statusText(page), /Token forgotten/);

    // A wrong token: the write is answered 401, the sign-in form comes back with a clear message,
    // nothing is stored; with the right token the same add goes through, once.
    await tokenInput.fill('not-the-right-token-at-all');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByLabel('Product', { exact: true }).fill('Käse');
    await page.getByLabel('Price', { exact: true }).fill('499');
    await addButton.click();
    await signIn.waitFor();
    assert.equal(
      await page.locator('#sign-in-message').textContent(),
      'The server did not accept that token. Check it and sign in again.',
    );
    assert.equal(await focused(page), 'input: ');
    assert.equal(await page.evaluate('document.activeElement.id'), 'token');
    assert.equal(await page.evaluate(`sessionStorage.getItem('pricebook-token')`), null);
    assert.equal((await api.items()).length, 2);
    await tokenInput.fill(TOKEN);
    await tokenInput.press('Enter');
    await addButton.waitFor();
    await addButton.click();
    await eventually(async () => assert.match(await statusText(page), /Added “Käse”/));
    assert.deepEqual(
      (await api.items()).map((item) => item.product),
      ['Brot', 'Butter', 'Käse'],
    );

    // The token expires on the server (here: taken away in the tab): the next write asks again.
    await page.evaluate(`sessionStorage.removeItem('pricebook-token')`);
    await page.getByRole('button', { name: 'Delete Brot' }).click();
    await signIn.waitFor();
    assert.equal(
      await page.locator('#sign-in-message').textContent(),
      'This server needs its API token for changes. Sign in, then try again.',
    );
    assert.equal((await api.items()).length, 3);

    assert.deepEqual(dialogs, ['confirm']);
    assert.deepEqual(problems, []);
  });
});
