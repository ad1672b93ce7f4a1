// The add form. One click (or Enter) is one intended create: the form takes no second submit
// while the create is in flight, and each intended create carries its own Idempotency-Key, so a
// retry after a lost answer (by the page, or by the user pressing Add again with the same fields)
// cannot create the item twice.

import { ITEMS_URL, newIdempotencyKey, problemText, request, withRetries } from './api.js';
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
import { reloadPage } from './list.js';
import { say } from './status.js';

const form = document.getElementById('add-form');

/** The create the user asked for and has not seen answered yet: { key, body }. */
let pendingCreate = null;

export function setUpAddForm() {
  clearErrorsOnChange(form);
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    if (!isBusy(form)) addItem();
  });
}

export const prepareAddForm = () => prepareFields(form);

async function addItem() {
  const { fields, errors } = readItemFields(form);
  if (errors) return showErrors(form, errors);
  const key = idempotencyKeyFor(fields);
  setBusy(form, true);
  try {
    const answer = await withRetries(() =>
      request('POST', ITEMS_URL, { body: fields, headers: { 'idempotency-key': key } }),
    );
    if (answer.status === 201) return await added(answer.data);
    if (answer.status === 401) return; // the sign-in form took over; the same create keeps its key
    if (answer.status === 400 || answer.status === 422) pendingCreate = null; // answered: nothing was created
    if (isFieldErrorMap(answer)) return showErrors(form, answer.data);
    showErrors(form, { form: problemText(answer, 'add the item') });
  } catch {
    showErrors(form, { form: 'Could not reach the server. Press Add again: the item will be added only once.' });
  } finally {
    setBusy(form, false);
  }
}

/** The same fields as the unanswered create: that create again, with its key. Else a new create. */
function idempotencyKeyFor(fields) {
  const body = JSON.stringify(fields);
  if (pendingCreate?.body !== body) pendingCreate = { key: newIdempotencyKey(), body };
  return pendingCreate.key;
}

async function added(item) {
  pendingCreate = null;
  clearAllItemErrors();
  form.reset();
  say(`Added “${item.product}”.`);
  setBusy(form, false);
  form.elements.product.focus();
  await reloadPage();
}
