// Inline edit of one row. The form is opened with the item's current state and ETag; the save
// sends only what changed, with If-Match, so it cannot overwrite someone else's change unseen.

import { itemUrl, problemText, request } from './api.js';
import {
  clearAllItemErrors,
  clearErrorsOnChange,
  isBusy,
  isFieldErrorMap,
  prepareFields,
  readItemFields,
  setBusy,
  showErrors,
} from './forms.js';
import { editClosed, fillRow, reloadPage, reloadPageClosingEdits } from './list.js';
import { toDecimal } from './prices.js';
import { say } from './status.js';

const editTemplate = document.getElementById('edit-template');
let formCounter = 0;

export async function startEdit(row) {
  if (row.querySelector('.edit-form') || row.hasAttribute('data-opening')) return;
  row.setAttribute('data-opening', '');
  const answer = await request('GET', itemUrl(row.dataset.id)).catch(() => null);
  // The row stays "opening" until the form is in it, in the same step: a list answer handled in
  // between would see no edit under way, re-render, and the form would go into a removed row.
  if (answer?.status !== 200) row.removeAttribute('data-opening');
  if (!answer) return say('Could not reach the server.', 'error');
  if (answer.status === 404) {
    say('That item was deleted meanwhile.', 'error');
    return reloadPage();
  }
  if (answer.status !== 200) return say(problemText(answer, 'open the item'), 'error');
  fillRow(row, answer.data);
  row.etag = answer.etag;
  const form = buildEditForm(row, answer.data);
  row.classList.add('editing');
  row.removeAttribute('data-opening');
  row.append(form);
  form.elements.product.focus();
}

function buildEditForm(row, item) {
  const form = editTemplate.content.firstElementChild.cloneNode(true);
  const prefix = `edit-${++formCounter}`;
  for (const input of form.querySelectorAll('input')) {
    const field = input.closest('.field');
    input.id = `${prefix}-${input.name}`;
    field.querySelector('label').htmlFor = input.id;
    const error = field.querySelector('.error');
    error.id = `${input.id}-error`;
    input.setAttribute('aria-describedby', error.id);
  }
  prepareFields(form);
  form.elements.product.value = item.product;
  form.elements.price.value = toDecimal(item.price);
  form.setAttribute('aria-label', `Edit ${item.product}`);
  clearErrorsOnChange(form);
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    if (!isBusy(form)) save(row, form);
  });
  form.querySelector('.cancel').addEventListener('click', () => stopEdit(row));
  form.addEventListener('keydown', (event) => {
    if (event.key === 'Escape' && !isBusy(form)) stopEdit(row);
  });
  return form;
}

function stopEdit(row) {
  row.querySelector('.edit-form')?.remove();
  row.classList.remove('editing');
  row.querySelector('.edit').focus();
  editClosed();
}

async function save(row, form) {
  const { fields, errors } = readItemFields(form);
  if (errors) return showErrors(form, errors);
  const changes = {};
  if (fields.product !== row.item.product) changes.product = fields.product;
  if (fields.price !== row.item.price) changes.price = fields.price;
  if (Object.keys(changes).length === 0) return stopEdit(row);
  setBusy(form, true);
  try {
    const headers = row.etag ? { 'if-match': row.etag } : {};
    const answer = await request('PATCH', itemUrl(row.dataset.id), { body: changes, headers });
    if (answer.status === 200) return saved(row, answer);
    if (answer.status === 401) return;
    if (answer.status === 412) {
      say('Someone else changed this item meanwhile. The list was reloaded: check it and edit again.', 'error');
      return await reloadPageClosingEdits();
    }
    if (answer.status === 404) {
      say('That item was deleted meanwhile.', 'error');
      return await reloadPageClosingEdits();
    }
    if (isFieldErrorMap(answer)) return showErrors(form, answer.data);
    showErrors(form, { form: problemText(answer, 'save') });
  } catch {
    showErrors(form, { form: 'Could not reach the server. Try to save again.' });
  } finally {
    setBusy(form, false);
  }
}

function saved(row, answer) {
  row.etag = answer.etag;
  fillRow(row, answer.data);
  stopEdit(row);
  clearAllItemErrors();
  say(`Saved “${answer.data.product}”.`);
}
