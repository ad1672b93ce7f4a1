// The item manager: plain ES module, no build step. Talks to the API at /api/items/; the API
// does all validation and its messages are shown next to the fields they are about.

const API = '/api/items/';
const PAGE_SIZE = 50;
const SEARCH_DELAY_MS = 250;
const TOKEN_KEY = 'pricebook-token';

const $ = (selector, root = document) => root.querySelector(selector);
const list = $('#items');
const statusLine = $('#status');
const search = $('#search');
const ordering = $('#ordering');
const more = $('#more');
let nextPage = null;
let loading;
let idCounter = 0;

// --- HTTP ---------------------------------------------------------------------------------

/** One API call: resolves to { status, data, etag }; asks once for a token if writes need one. */
async function api(method, url, { body, headers = {}, signal } = {}) {
  const send = () => {
    const all = { accept: 'application/json', ...headers };
    const token = sessionStorage.getItem(TOKEN_KEY);
    if (token) all.authorization = `Bearer ${token}`;
    if (body !== undefined) all['content-type'] = 'application/json';
    return fetch(url, { method, headers: all, body: body === undefined ? undefined : JSON.stringify(body), signal });
  };
  let response = await send();
  if (response.status === 401) {
    const token = prompt('This server needs an API token for changes:');
    if (token) {
      sessionStorage.setItem(TOKEN_KEY, token.trim());
      response = await send();
    }
  }
  const text = await response.text();
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = { detail: `Unexpected answer (${response.status}).` };
  }
  return { status: response.status, data, etag: response.headers.get('etag') };
}

const itemUrl = (id) => `${API}${encodeURIComponent(id)}/`;

// --- Messages -----------------------------------------------------------------------------

function say(message, kind = 'info') {
  statusLine.textContent = message;
  statusLine.dataset.kind = kind;
}

function clearErrors(form) {
  for (const slot of form.querySelectorAll('[data-error-for]')) slot.textContent = '';
  for (const input of form.querySelectorAll('[aria-invalid]')) input.removeAttribute('aria-invalid');
}

/** Shows a 400 answer next to the fields it names; anything else under the form. */
function showErrors(form, data, status) {
  clearErrors(form);
  const errors = data && typeof data === 'object' ? data : {};
  let first;
  for (const [field, messages] of Object.entries(errors)) {
    const input = form.elements.namedItem(field);
    const slot = input
      ? form.querySelector(`[data-error-for="${field}"]`)
      : form.querySelector('[data-error-for="form"]');
    const text = Array.isArray(messages) ? messages.join(' ') : String(messages);
    slot.textContent = slot.textContent ? `${slot.textContent} ${text}` : text;
    if (input) {
      input.setAttribute('aria-invalid', 'true');
      first ??= input;
    }
  }
  if (Object.keys(errors).length === 0) {
    form.querySelector('[data-error-for="form"]').textContent = `The server answered ${status}.`;
  }
  first?.focus();
}

// --- List ---------------------------------------------------------------------------------

function listUrl(offset = 0) {
  const params = new URLSearchParams({ limit: String(PAGE_SIZE), ordering: ordering.value });
  if (offset) params.set('offset', String(offset));
  const words = search.value.trim();
  if (words) params.set('search', words);
  return `${API}?${params}`;
}

function render(item) {
  const row = $('#item-template').content.firstElementChild.cloneNode(true);
  row.dataset.id = String(item.id);
  fillRow(row, item);
  $('.edit', row).addEventListener('click', () => startEdit(row));
  $('.delete', row).addEventListener('click', () => remove(row));
  return row;
}

function fillRow(row, item) {
  row.item = item;
  $('.product', row).textContent = item.product;
  $('.price', row).textContent = String(item.price);
  $('.edit', row).setAttribute('aria-label', `Edit ${item.product}`);
  $('.delete', row).setAttribute('aria-label', `Delete ${item.product}`);
}

/** Loads the first page (replacing the list) or, with `url`, appends the next one. */
async function load(url) {
  loading?.abort();
  const controller = new AbortController();
  loading = controller;
  list.setAttribute('aria-busy', 'true');
  try {
    const { status, data } = await api('GET', url ?? listUrl(), { signal: controller.signal });
    if (status !== 200) {
      say(data?.search?.[0] ?? data?.detail ?? `Could not load the items (${status}).`, 'error');
      return;
    }
    if (!url) list.replaceChildren();
    list.append(...data.results.map(render));
    nextPage = data.next ? new URL(data.next).pathname + new URL(data.next).search : null;
    more.hidden = !nextPage;
    $('#count').textContent = `(${data.count})`;
    $('#empty').hidden = data.count > 0;
    $('#empty').textContent = search.value.trim() ? 'No items match the search.' : 'No items yet.';
  } catch (error) {
    if (error.name !== 'AbortError') say('Could not reach the server.', 'error');
  } finally {
    if (loading === controller) list.removeAttribute('aria-busy');
  }
}

let searchTimer;
search.addEventListener('input', () => {
  clearTimeout(searchTimer);
  searchTimer = setTimeout(() => load(), SEARCH_DELAY_MS);
});
ordering.addEventListener('change', () => load());
more.addEventListener('click', () => nextPage && load(nextPage));

// --- Add ----------------------------------------------------------------------------------

const addForm = $('#add-form');
addForm.addEventListener('submit', async (event) => {
  event.preventDefault();
  const product = addForm.elements.product.value;
  const price = addForm.elements.price.value.trim();
  const { status, data } = await api('POST', API, { body: { product, price } });
  if (status !== 201) return showErrors(addForm, data, status);
  clearErrors(addForm);
  addForm.reset();
  addForm.elements.product.focus();
  say(`Added “${data.product}”.`);
  await load();
});

// --- Edit ---------------------------------------------------------------------------------

async function startEdit(row) {
  // The item's current state and its ETag, so that the save changes only what was seen.
  const { status, data, etag } = await api('GET', itemUrl(row.dataset.id));
  if (status === 404) {
    say('That item was deleted meanwhile.', 'error');
    return load();
  }
  if (status !== 200) return say(data?.detail ?? `Could not open the item (${status}).`, 'error');
  fillRow(row, data);
  row.etag = etag;
  const form = $('#edit-template').content.firstElementChild.cloneNode(true);
  for (const input of form.querySelectorAll('input')) {
    const id = `edit-${row.dataset.id}-${input.name}-${++idCounter}`;
    input.id = id;
    input.closest('.field').querySelector('label').htmlFor = id;
    const error = input.closest('.field').querySelector('.error');
    error.id = `${id}-error`;
    input.setAttribute('aria-describedby', error.id);
  }
  form.elements.product.value = data.product;
  form.elements.price.value = String(data.price);
  form.setAttribute('aria-label', `Edit ${data.product}`);
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    save(row, form);
  });
  $('.cancel', form).addEventListener('click', () => stopEdit(row));
  form.addEventListener('keydown', (event) => event.key === 'Escape' && stopEdit(row));
  row.classList.add('editing');
  row.append(form);
  form.elements.product.focus();
}

function stopEdit(row) {
  $('.edit-form', row)?.remove();
  row.classList.remove('editing');
  $('.edit', row).focus();
}

async function save(row, form) {
  const changes = {};
  const product = form.elements.product.value;
  const price = form.elements.price.value.trim();
  if (product !== row.item.product) changes.product = product;
  if (price !== String(row.item.price)) changes.price = price;
  if (Object.keys(changes).length === 0) return stopEdit(row);
  const headers = row.etag ? { 'if-match': row.etag } : {};
  const { status, data, etag } = await api('PATCH', itemUrl(row.dataset.id), { body: changes, headers });
  if (status === 200) {
    row.etag = etag;
    fillRow(row, data);
    stopEdit(row);
    return say(`Saved “${data.product}”.`);
  }
  if (status === 412) {
    say('Someone else changed this item meanwhile. The list was reloaded: check it and edit again.', 'error');
    return load();
  }
  if (status === 404) {
    say('That item was deleted meanwhile.', 'error');
    return load();
  }
  showErrors(form, data, status);
}

// --- Delete -------------------------------------------------------------------------------

async function remove(row) {
  const { product } = row.item;
  if (!confirm(`Delete “${product}”?`)) return;
  const { status, data } = await api('DELETE', itemUrl(row.dataset.id));
  if (status === 204 || status === 404) {
    row.remove();
    say(`Deleted “${product}”.`);
    return load();
  }
  say(data?.detail ?? `Could not delete (${status}).`, 'error');
}

load();
