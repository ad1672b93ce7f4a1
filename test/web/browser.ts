import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, type TestContext } from 'node:test';
import { type BrowserContext, chromium, type Page, type Request, type Route } from 'playwright-core';
import type { Backend } from '../helpers/backends.js';
import { build } from '../helpers/build.js';
import type { TestItems } from '../helpers/items.js';

// What the browser tests of the page share: Debian's Chromium (never a downloaded one) driven by
// playwright-core, the app on a fresh database, and small readers of the page's state.
// The page speaks only HTTP, and test/api checks every answer on both databases: so the browser
// tests run on SQLite, and the page's main flow (page.test.ts) on PostgreSQL as well, to show the
// page works against it. A browser test costs about twice its Node process's CPU in Chromium.
// Page-side code is passed as strings or as arrow functions without named inner functions (tsx's
// __name helper does not exist in the page).

// Debian's headless shell (package chromium-headless-shell: Chromium's old headless mode, without
// the browser's user interface) where it is installed, else Debian's Chromium; CHROMIUM_PATH
// elsewhere (GitHub's runners have /usr/bin/google-chrome). The shell runs the same pages for about
// a quarter less CPU (CONTRIBUTING).
const HEADLESS_SHELL = '/usr/bin/chromium-headless-shell';
const CHROMIUM = process.env.CHROMIUM_PATH ?? (existsSync(HEADLESS_SHELL) ? HEADLESS_SHELL : '/usr/bin/chromium');
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  // Debian's builds with the browser, its renderers and its GPU work in one process: the browser
  // tests open dozens of pages, and one process costs less CPU (CONTRIBUTING). Chromium does not
  // support this mode, and other builds have crashed in it: another browser runs as usual.
  ...(process.env.CHROMIUM_PATH === undefined ? ['--single-process', '--no-zygote'] : []),
];
export const PHONE = { width: 390, height: 844 };
export const DESKTOP = { width: 1280, height: 800 };
/** The page formats with the browser's locale; the tests pin it, and compare with Node's Intl. */
export const LOCALE = 'en-US';

export const skipWithoutChromium =
  !existsSync(CHROMIUM) && !process.env.CI
    ? `${CHROMIUM} is missing: install Debian's headless shell (apt-get install -y chromium-headless-shell) to run the browser test`
    : false;

export interface ApiItem {
  id: number;
  product: string;
  price: number;
}

/** One browser profile for a whole test file; `close` removes it. */
export async function launchBrowser(): Promise<{ context: BrowserContext; close: () => Promise<void> }> {
  const profile = mkdtempSync(join(tmpdir(), 'pricebook-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    args: CHROMIUM_ARGS,
    headless: true,
    viewport: PHONE,
    deviceScaleFactor: 1,
    locale: LOCALE,
    timeout: 60_000,
  });
  context.setDefaultTimeout(10_000);
  return {
    context,
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** This process's Chromium, launched when a test first needs it. */
let launched: ReturnType<typeof launchBrowser> | undefined;
// Closed after every test of the process: the browser files share processes (test/run.ts), and
// a launch costs about a second of CPU.
after(async () => {
  await (await launched)?.close();
});

/** Chromium for the tests of the describe block it is called in: launched before them (unless it runs already). */
export function sharedBrowser(): () => BrowserContext {
  let context: BrowserContext | undefined;
  before(async () => {
    launched ??= launchBrowser();
    context = (await launched).context;
  });
  return () => {
    if (!context) throw new Error('Chromium is not launched (sharedBrowser belongs in a describe block)');
    return context;
  };
}

/** A server the page talks to: where it listens. */
export interface PageServer {
  base: string;
}

/**
 * The app on a fresh database of `backend`, listening on a port of this process, closed (and the
 * database given back) after the test. `seed` fills the database first, through the project's own
 * store (much faster than through HTTP). In this process rather than a child: the page sees the same
 * HTTP either way, and the server as a process of its own is test/system's subject.
 */
export async function startOn(
  t: TestContext,
  backend: Backend,
  env: Record<string, string> = {},
  seed?: (store: TestItems) => Promise<void>,
): Promise<PageServer> {
  const { app, store } = await build(t, backend, { LOG_LEVEL: 'warn', ...env });
  await seed?.(store);
  return { base: await app.listen({ port: 0, host: '127.0.0.1' }) };
}

/** Creates `count` items through `store`, `name(i)` and `price(i)`, a batch at a time (ids in batch order). */
export async function seedItems(
  store: TestItems,
  count: number,
  name: (i: number) => string,
  price: (i: number) => number,
) {
  const BATCH = 100;
  for (let start = 0; start < count; start += BATCH) {
    const batch = Array.from({ length: Math.min(BATCH, count - start) }, (_, k) => start + k);
    await Promise.all(batch.map((i) => store.create({ product: name(i), price: price(i) })));
  }
}

/**
 * A new tab on the page, closed after the test. `problems` collects page errors, console errors
 * (except the HTTP statuses and network failures the test provokes on purpose) and requests that
 * leave the service.
 */
export async function openPage(
  t: TestContext,
  context: BrowserContext,
  server: PageServer,
  { expectedStatuses = [] as number[], expectNetworkErrors = false } = {},
) {
  const page = await context.newPage();
  t.after(() => page.close());
  const problems: string[] = [];
  const expected = new RegExp(`status of (${expectedStatuses.join('|') || 'none'})\\b`);
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() !== 'error' || expected.test(message.text())) return;
    if (expectNetworkErrors && /net::ERR_/.test(message.text())) return;
    problems.push(`console error: ${message.text()}`);
  });
  page.on('request', (request) => {
    if (!request.url().startsWith(`${server.base}/`) && !request.url().startsWith('data:')) {
      problems.push(`request outside the service: ${request.url()}`);
    }
  });
  return { page, problems };
}

/** Opens `/` and waits until the first list answer is shown. */
export async function gotoList(page: Page, base: string) {
  const response = await page.goto(`${base}/`);
  assert.equal(response?.status(), 200);
  await page.locator('#count').filter({ hasText: /\(\d/ }).waitFor();
}

export { eventually } from '../helpers/wait.js';

/**
 * Holds the page's `method` requests to the URLs `match` accepts: from now until `release()`, and
 * again from `hold()` on, each waits before it goes on to the server. `requests` are those seen, in
 * order; `answered`, one promise each, settles once the request has gone on.
 */
export async function holdRequests(page: Page, match: Parameters<Page['route']>[0], method: string) {
  const requests: Request[] = [];
  const answered: Array<Promise<void>> = [];
  let gate = Promise.resolve();
  let release: (() => void) | undefined;
  const hold = () => {
    if (release) return;
    gate = new Promise<void>((resolve) => {
      release = resolve;
    });
  };
  const handler = async (route: Route, request: Request) => {
    if (request.method() !== method) return route.continue();
    requests.push(request);
    const done = gate.then(() => route.continue());
    answered.push(done);
    await done;
  };
  hold();
  await page.route(match, handler);
  return {
    requests,
    answered,
    hold,
    release() {
      release?.();
      release = undefined;
    },
    stop: () => page.unroute(match, handler),
  };
}

export const rowTexts = (page: Page) =>
  page
    .locator('#items > li .view')
    .evaluateAll((rows) =>
      rows.map(
        (row) =>
          `${row.querySelector('.product')?.textContent ?? ''} | ${row.querySelector('.price')?.textContent ?? ''}`,
      ),
    );

/** The text of the error slot an input points at with aria-describedby (what a screen reader reads). */
export const errorFor = (page: Page, label: string, root = page.locator('#add-form')) =>
  root.getByLabel(label, { exact: true }).evaluate((input) => {
    const id = input.getAttribute('aria-describedby');
    const slot = id ? input.ownerDocument.getElementById(id) : null;
    return { text: slot?.textContent ?? '', invalid: input.getAttribute('aria-invalid') };
  });

export const noHorizontalScroll = (page: Page) =>
  page.evaluate('(document.scrollingElement?.scrollWidth ?? 0) <= window.innerWidth') as Promise<boolean>;

/** What has focus, described: "button: Delete Apple", "h2: Items (2)", "body: ". */
export const focused = (page: Page) =>
  page.evaluate(
    `(() => {
      const el = document.activeElement;
      return el.tagName.toLowerCase() + ': ' + (el.getAttribute('aria-label') ?? el.textContent ?? '').trim();
    })()`,
  ) as Promise<string>;

export const statusText = async (page: Page) => (await page.locator('#status').textContent()) ?? '';

/** The API, from outside the page. */
export function apiOf(base: string, token?: string) {
  const auth: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
  return {
    async items(): Promise<ApiItem[]> {
      const response = await fetch(`${base}/api/items/`);
      assert.equal(response.status, 200);
      return (await response.json()) as ApiItem[];
    },
    async get(id: number): Promise<{ status: number; item?: ApiItem }> {
      const response = await fetch(`${base}/api/items/${id}/`);
      return {
        status: response.status,
        item: response.status === 200 ? ((await response.json()) as ApiItem) : undefined,
      };
    },
    async create(product: string, price: number): Promise<ApiItem> {
      const response = await fetch(`${base}/api/items/`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...auth },
        body: JSON.stringify({ product, price }),
      });
      assert.equal(response.status, 201);
      return (await response.json()) as ApiItem;
    },
  };
}
