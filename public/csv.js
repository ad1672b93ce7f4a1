// The spreadsheet round trip: "Export CSV" downloads the current view (search and sort, every page)
// from GET /api/items/?format=csv; "Import" sends a CSV file to POST /api/items/import/, first with
// ?dry_run=true to show what would change (created, updated, unchanged, row by row, or the file's
// problems by line and column), then, on Apply, for real: all rows or none.

import { ITEMS_URL, newIdempotencyKey, problemText, request } from './api.js';
import { reloadPage } from './list.js';
import { formatPrice } from './prices.js';
import { say } from './status.js';

const IMPORT_URL = '/api/items/import/';

const search = document.getElementById('search');
const ordering = document.getElementById('ordering');
const exportLink = document.getElementById('export-csv');
const form = document.getElementById('import-form');
const fileInput = document.getElementById('import-file');
const formError = form.querySelector('[data-error-for="form"]');
const preview = document.getElementById('import-preview');
const summary = document.getElementById('import-summary');
const previewRows = document.getElementById('import-preview-rows');
const applyButton = document.getElementById('apply-import');
const cancelButton = document.getElementById('cancel-import');

/** The file the preview was made from: Apply sends the same bytes. */
let previewed = null;

export function setUpCsv() {
  const updateLink = () => {
    const params = new URLSearchParams({ format: 'csv', ordering: ordering.value });
    const words = search.value.trim();
    if (words) params.set('search', words);
    exportLink.href = `${ITEMS_URL}?${params}`;
  };
  search.addEventListener('input', updateLink);
  ordering.addEventListener('change', updateLink);
  updateLink();
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    showPreview();
  });
  fileInput.addEventListener('change', () => {
    formError.textContent = '';
    hidePreview();
  });
  applyButton.addEventListener('click', apply);
  cancelButton.addEventListener('click', hidePreview);
}

/** The file's bytes to the import, as a dry run (what would change) or for real. */
const send = (body, dryRun, headers = {}) =>
  request('POST', `${IMPORT_URL}?dry_run=${dryRun}`, { body, contentType: 'text/csv', headers });

/** The file's problems, one line each: "Line 3, column 2 (product): …". */
function problems(data) {
  const lines = (data?.errors ?? []).map(({ line, column, field, messages }) => {
    const where = column === null ? `Line ${line}` : `Line ${line}, column ${column}${field ? ` (${field})` : ''}`;
    return `${where}: ${messages.join(' ')}`;
  });
  return lines.length > 0 ? lines : [data?.detail ?? 'The file could not be read.'];
}

async function showPreview() {
  const file = fileInput.files?.[0];
  if (!file) {
    formError.textContent = 'Choose a CSV file first.';
    return;
  }
  hidePreview();
  const body = await file.arrayBuffer();
  let answer;
  try {
    answer = await send(body, true);
  } catch {
    formError.textContent = 'Could not reach the server.';
    return;
  }
  if (answer.status !== 200) {
    if (answer.status === 401) return;
    formError.textContent = answer.data?.errors
      ? `Nothing can be imported: ${problems(answer.data).slice(0, 5).join(' · ')}`
      : problemText(answer, 'read the file');
    return;
  }
  const { created, updated, unchanged, rows } = answer.data;
  summary.textContent = `${created} new, ${updated} changed, ${unchanged} unchanged.`;
  previewRows.replaceChildren(
    ...rows
      .filter((row) => row.action !== 'unchanged')
      .map((row) => {
        const tr = document.createElement('tr');
        const was = row.before ? `${row.before.product} · ${formatPrice(row.before.price)}` : '—';
        const cells = [row.action === 'create' ? 'New' : 'Change', was, `${row.product} · ${formatPrice(row.price)}`];
        for (const text of cells) {
          const cell = document.createElement('td');
          cell.textContent = text;
          tr.append(cell);
        }
        return tr;
      }),
  );
  previewed = body;
  preview.hidden = false;
  applyButton.disabled = created + updated === 0;
  applyButton.focus();
}

function hidePreview() {
  preview.hidden = true;
  previewed = null;
}

async function apply() {
  if (!previewed || applyButton.disabled) return;
  applyButton.disabled = true;
  try {
    const answer = await send(previewed, false, { 'idempotency-key': newIdempotencyKey() });
    if (answer.status === 200) {
      const { created, updated } = answer.data;
      say(`Imported: ${created} new, ${updated} changed.`);
      hidePreview();
      form.reset();
      await reloadPage();
    } else if (answer.status !== 401) {
      formError.textContent = answer.data?.errors
        ? `Nothing was imported: ${problems(answer.data).slice(0, 5).join(' · ')}`
        : problemText(answer, 'import the file');
      hidePreview();
    }
  } catch {
    formError.textContent = 'Could not reach the server.';
  } finally {
    applyButton.disabled = false;
  }
}
