// The list: one page of items at a time from the API (limit/offset), filtered and sorted by the
// API (?search=, ?ordering=), so 10,000 items cost no more than 50. Page buttons below the list.

import { ITEMS_URL, request, withRetries } from './api.js';
import { formatPrice } from './prices.js';
import { say } from './status.js';

export const PAGE_SIZE = 50;
const SEARCH_DELAY_MS = 250;

const list = document.getElementById('items');
const heading = document.getElementById('list-title');
const count = document.getElementById('count');
const empty = document.getElementById('empty');
const search = document.getElementById('search');
const ordering = document.getElementById('ordering');
const pager = document.getElementById('pager');
const pageInfo = document.getElementById('page-info');
const rawData = document.getElementById('raw-data');
const rowTemplate = document.getElementById('item-template');
const grouped = new Intl.NumberFormat();

const page = { offset: 0, count: 0, reloadPutOff: false };
/** What waits for the rows to be shown again (nextPageShown). */
const shownWaiters = [];
/** The settings the rows are formatted with must have arrived before the first rows show. */
let settingsReady = Promise.resolve();
/** The latest load of a page: its AbortController and the promise it settles with. */
let loading;

/** Wires search, sort and page buttons and shows the first page once `ready` has settled. */
export function startList(ready) {
  settingsReady = ready.catch(() => {});
  let searchTimer;
  search.addEventListener('input', () => {
    clearTimeout(searchTimer);
    searchTimer = setTimeout(() => showPage(0), SEARCH_DELAY_MS);
  });
  ordering.addEventListener('change', () => showPage(0));
  pager.addEventListener('click', (event) => {
    const button = event.target.closest('button[data-page]');
    if (button && !button.disabled) goToPage(button);
  });
  return showPage(0);
}

/**
 * Shows the page again after a write (here or elsewhere), keeping the user's place; but never under
 * a row open or opening for editing by the time the answer arrives (re-rendering would close it):
 * then it resolves to false, and the page is shown again once the last edit form closes.
 */
export const reloadPage = () => showPage(page.offset, { keepEdits: true });

/** Shows the page again even under an open edit form, which closes (its item changed meanwhile). */
export const reloadPageClosingEdits = () => showPage(page.offset);

/** Resolves the next time the rows are shown, whichever reload shows them. */
export const nextPageShown = () => new Promise((resolve) => shownWaiters.push(resolve));

/** An edit form closed: show the page if a reload was put off for it. */
export function editClosed() {
  if (page.reloadPutOff && !editing()) reloadPage();
}

export const rows = () => [...list.children];
/** A row with its edit form open, or opening (its item being read): re-rendering would lose it. */
const editing = () => rows().some((row) => row.classList.contains('editing') || row.hasAttribute('data-opening'));

const pageNumber = () => Math.floor(page.offset / PAGE_SIZE) + 1;
const pageCount = () => Math.max(1, Math.ceil(page.count / PAGE_SIZE));

function listQuery() {
  const params = new URLSearchParams({ ordering: ordering.value });
  const words = search.value.trim();
  if (words) params.set('search', words);
  return params;
}

/**
 * Loads and shows one page; a newer load cancels an older one, and the older one then settles with
 * the newer: a caller that moves focus after its reload (a delete) must find the rows of the page
 * the user sees, not of a reload that never showed. Resolves when the rows are shown, to false when
 * they were not (`keepEdits` and a row open for editing).
 */
function showPage(offset, options) {
  loading?.controller.abort();
  const load = { controller: new AbortController() };
  loading = load;
  load.settled = loadPage(load, offset, options);
  return load.settled;
}

async function loadPage(load, offset, { keepEdits = false } = {}) {
  const { controller } = load;
  const query = listQuery();
  rawData.href = `${ITEMS_URL}?${new URLSearchParams([['format', 'json'], ...query])}`;
  query.set('limit', String(PAGE_SIZE));
  if (offset > 0) query.set('offset', String(offset));
  list.setAttribute('aria-busy', 'true');
  try {
    const [answer] = await Promise.all([
      withRetries(() => request('GET', `${ITEMS_URL}?${query}`, { signal: controller.signal })),
      settingsReady,
    ]);
    if (loading !== load) return await loading.settled;
    if (keepEdits && editing()) {
      page.reloadPutOff = true;
      return false;
    }
    if (answer.status !== 200) {
      say(answer.data?.search?.[0] ?? answer.data?.detail ?? `Could not load the items (${answer.status}).`, 'error');
      return;
    }
    const { count: total, results } = answer.data;
    // Past the end (the last item of the last page was deleted): show the new last page.
    if (results.length === 0 && total > 0 && offset > 0) {
      return await showPage(Math.floor((total - 1) / PAGE_SIZE) * PAGE_SIZE, { keepEdits });
    }
    page.offset = offset;
    page.count = total;
    page.reloadPutOff = false;
    renderPage(results);
    for (const resolve of shownWaiters.splice(0)) resolve();
    return true;
  } catch {
    if (loading !== load) return await loading.settled;
    say('Could not reach the server.', 'error');
  } finally {
    if (loading === load) list.removeAttribute('aria-busy');
  }
}

function renderPage(items) {
  const place = focusedPlace();
  list.replaceChildren(...items.map(renderRow));
  restoreFocus(place);
  count.textContent = `(${grouped.format(page.count)})`;
  empty.hidden = page.count > 0;
  empty.textContent = search.value.trim() ? 'No items match the search.' : 'No items yet.';
  renderPager();
}

const ROW_CONTROLS = ['select', 'history', 'edit', 'delete'];

/** The row control that has focus, by item and kind: a re-render (a live update) must not drop it. */
function focusedPlace() {
  const control = document.activeElement;
  if (!control || !list.contains(control)) return undefined;
  const row = control.closest('li');
  const kind = ROW_CONTROLS.find((name) => control.classList.contains(name));
  return kind ? { id: row.dataset.id, index: rows().indexOf(row), kind } : undefined;
}

/** Gives focus back to the same control of the same item, else of the row now in its place. */
function restoreFocus(place) {
  if (!place) return;
  const same = rows().find((row) => row.dataset.id === place.id);
  if (same) same.querySelector(`.${place.kind}`).focus();
  else focusRowAt(place.index, place.kind);
}

function renderPager() {
  pager.hidden = page.count <= PAGE_SIZE;
  const first = page.offset + 1;
  const last = Math.min(page.offset + PAGE_SIZE, page.count);
  pageInfo.textContent =
    `Page ${grouped.format(pageNumber())} of ${grouped.format(pageCount())} · ` +
    `items ${grouped.format(first)}–${grouped.format(last)} of ${grouped.format(page.count)}`;
  const atStart = page.offset === 0;
  const atEnd = page.offset + PAGE_SIZE >= page.count;
  for (const button of pager.querySelectorAll('button[data-page]')) {
    button.disabled = ['first', 'previous'].includes(button.dataset.page) ? atStart : atEnd;
  }
}

async function goToPage(button) {
  const lastOffset = (pageCount() - 1) * PAGE_SIZE;
  const targets = {
    first: 0,
    previous: Math.max(0, page.offset - PAGE_SIZE),
    next: Math.min(lastOffset, page.offset + PAGE_SIZE),
    last: lastOffset,
  };
  await showPage(targets[button.dataset.page]);
  say(`Page ${grouped.format(pageNumber())} of ${grouped.format(pageCount())}.`);
  // A button that just became disabled cannot keep focus: hand it to the one that goes back.
  if (button.disabled) {
    const towardsStart = ['first', 'previous'].includes(button.dataset.page);
    pager.querySelector(`button[data-page="${towardsStart ? 'next' : 'previous'}"]`).focus();
  }
}

function renderRow(item) {
  const row = rowTemplate.content.firstElementChild.cloneNode(true);
  fillRow(row, item);
  return row;
}

/** Shows `item` in its row (also after an edit). */
export function fillRow(row, item) {
  row.item = item;
  row.dataset.id = String(item.id);
  row.querySelector('.product').textContent = item.product;
  const price = row.querySelector('.price');
  price.value = String(item.price);
  price.textContent = formatPrice(item.price);
  row.querySelector('.select').setAttribute('aria-label', `Select ${item.product}`);
  row.querySelector('.history').setAttribute('aria-label', `History of ${item.product}`);
  row.querySelector('.edit').setAttribute('aria-label', `Edit ${item.product}`);
  row.querySelector('.delete').setAttribute('aria-label', `Delete ${item.product}`);
}

/**
 * After a delete, focus goes to the row that now holds the deleted one's place (the next item),
 * else the last row (to its control of `kind`), else the list heading.
 */
export function focusRowAt(index, kind = 'delete') {
  const all = rows();
  const row = all[index] ?? all.at(-1);
  if (row) row.querySelector(`.${kind}`).focus();
  else heading.focus();
}
