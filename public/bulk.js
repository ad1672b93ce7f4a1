// Changing many prices at once: the selected items (checkboxes in the list, kept across pages) or
// every item matching the search, by a percentage or an amount. The preview shows each old and new
// price; Apply sends them as one bulk request (POST /api/items/bulk/), all or nothing, and each
// operation carries the version the preview was computed from, so an item changed in between stops
// the whole change (412) instead of being overwritten.

import { ITEMS_URL, newIdempotencyKey, problemText, request, withRetries } from './api.js';
import { reloadPage } from './list.js';
import { formatPrice, parsePrice } from './prices.js';
import { say } from './status.js';

const list = document.getElementById('items');
const search = document.getElementById('search');
const ordering = document.getElementById('ordering');
const form = document.getElementById('price-change-form');
const selectedCount = document.getElementById('selected-count');
const formError = form.querySelector('[data-error-for="form"]');
const preview = document.getElementById('price-preview');
const previewRows = document.getElementById('price-preview-rows');
const previewSummary = document.getElementById('price-preview-summary');
const applyButton = document.getElementById('apply-prices');
const cancelButton = document.getElementById('cancel-prices');

/** The selected items by id: { id, product, price }. */
const selected = new Map();
/** The operations the preview shows, sent as they are by Apply. */
let pending = null;

export function setUpBulkPrices() {
  list.addEventListener('change', (event) => {
    const box = event.target.closest('input.select');
    const item = box?.closest('li.item')?.item;
    if (!item) return;
    if (box.checked) selected.set(item.id, item);
    else selected.delete(item.id);
    showSelectedCount();
  });
  // Rows come and go with the pages: a row of a selected item shows it checked.
  new MutationObserver(() => {
    for (const row of list.children) {
      const box = row.querySelector('input.select');
      if (box && row.item) box.checked = selected.has(row.item.id);
    }
  }).observe(list, { childList: true });
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    showPreview();
  });
  form.addEventListener('input', () => {
    formError.textContent = '';
    hidePreview();
  });
  applyButton.addEventListener('click', apply);
  cancelButton.addEventListener('click', hidePreview);
}

function showSelectedCount() {
  selectedCount.textContent = String(selected.size);
}

/** The items the change is about: the selection, or every item matching the search (read from the API). */
async function targetItems(scope) {
  if (scope === 'selected') return [...selected.values()];
  const params = new URLSearchParams({ ordering: ordering.value });
  const words = search.value.trim();
  if (words) params.set('search', words);
  const answer = await withRetries(() => request('GET', `${ITEMS_URL}?${params}`));
  if (answer.status !== 200) throw new Error(problemText(answer, 'read the items'));
  return answer.data;
}

/** The new price: `kind` percent (rounded to the nearest stored unit) or amount (in stored units). */
function changed(price, kind, by) {
  return kind === 'percent' ? Math.round((price * (100 + by)) / 100) : price + by;
}

async function showPreview() {
  const data = new FormData(form);
  const kind = data.get('kind');
  const typed = String(data.get('value') ?? '').trim();
  let by;
  if (kind === 'percent') {
    by = Number(typed);
    if (typed === '' || !Number.isFinite(by)) return fail('Enter a percentage such as 10 or -5.');
  } else {
    const parsed = parsePrice(typed);
    if (parsed.error || typeof parsed.value !== 'number')
      return fail(parsed.error ?? 'Enter an amount such as 5 or -5.');
    by = parsed.value;
  }
  let items;
  try {
    items = await targetItems(data.get('scope'));
  } catch (error) {
    return fail(error.message);
  }
  if (items.length === 0) return fail('No items to change: select some, or search.');
  // The current versions, so that Apply changes nothing that changed since this preview.
  const current = await withRetries(() =>
    request('POST', '/api/items/bulk/?dry_run=true', { body: items.map((item) => ({ op: 'update', id: item.id })) }),
  );
  if (current.status !== 200) return fail(problemText(current, 'preview the change'));
  // The prices as they are now, with the ETag of each.
  items = current.data;
  pending = items.map((item) => ({
    op: 'update',
    id: item.id,
    price: changed(item.price, kind, by),
    if_match: item.etag,
  }));
  previewRows.replaceChildren(
    ...items.map((item, index) => {
      const row = document.createElement('tr');
      for (const text of [item.product, formatPrice(item.price), formatPrice(pending[index].price)]) {
        const cell = document.createElement('td');
        cell.textContent = text;
        row.append(cell);
      }
      return row;
    }),
  );
  previewSummary.textContent = `${items.length} ${items.length === 1 ? 'price' : 'prices'} will change:`;
  preview.hidden = false;
  applyButton.focus();
}

function fail(message) {
  formError.textContent = message;
  hidePreview();
}

function hidePreview() {
  preview.hidden = true;
  pending = null;
}

async function apply() {
  if (!pending || applyButton.disabled) return;
  applyButton.disabled = true;
  const key = newIdempotencyKey();
  try {
    const answer = await withRetries(() =>
      request('POST', '/api/items/bulk/', { body: pending, headers: { 'idempotency-key': key } }),
    );
    if (answer.status === 200) {
      say(`Changed ${answer.data.length} ${answer.data.length === 1 ? 'price' : 'prices'}.`);
      for (const item of answer.data) if (selected.has(item.id)) selected.set(item.id, item);
      hidePreview();
      await reloadPage();
    } else if (answer.status === 412) {
      formError.textContent = 'Some of these items changed since the preview: nothing was changed. Preview again.';
      hidePreview();
    } else if (answer.status === 400 && Array.isArray(answer.data)) {
      const problems = answer.data.flatMap((errors, index) =>
        Object.values(errors).length > 0
          ? [`item ${pending[index].id}: ${Object.values(errors).flat().join(' ')}`]
          : [],
      );
      formError.textContent = `Nothing was changed: ${problems.slice(0, 3).join('; ')}`;
    } else if (answer.status !== 401) {
      formError.textContent = problemText(answer, 'change the prices');
    }
  } catch {
    formError.textContent = 'Could not reach the server.';
  } finally {
    applyButton.disabled = false;
  }
}
