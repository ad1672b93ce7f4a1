// What the add and edit forms share: the API's field limits on the inputs, the API's messages
// next to the fields they are about (cleared as the field changes), and the busy state while a
// write is in flight.

import { ITEMS_URL, request } from './api.js';
import { parsePrice, priceMessage, priceStep, priceUnit, toDecimal } from './prices.js';

/** The API's limits, from its OPTIONS metadata (DRF's actions.POST): the one place they come from. */
let limits = {};

export async function loadFieldLimits() {
  try {
    const { status, data } = await request('OPTIONS', ITEMS_URL);
    const fields = status === 200 ? data?.actions?.POST : undefined;
    if (!fields) return;
    limits = {
      productMaxLength: fields.product?.max_length,
      priceMin: fields.price?.min_value,
      priceMax: fields.price?.max_value,
    };
  } catch {
    // Without the metadata the inputs have no limits; the API still enforces them.
  }
}

/** Puts the limits, the price step and the price unit on a form's inputs and labels. */
export function prepareFields(form) {
  const { product, price } = form.elements;
  setAttribute(product, 'maxlength', limits.productMaxLength);
  setAttribute(price, 'min', limits.priceMin === undefined ? undefined : toDecimal(limits.priceMin));
  setAttribute(price, 'max', limits.priceMax === undefined ? undefined : toDecimal(limits.priceMax));
  price.step = priceStep();
  price.inputMode = priceStep() === '1' ? 'numeric' : 'decimal';
  const unit = priceUnit();
  form.querySelector('[data-label-for="price"]').textContent = unit ? `Price (${unit})` : 'Price';
}

function setAttribute(input, name, value) {
  if (value === undefined || value === null) input.removeAttribute(name);
  else input.setAttribute(name, String(value));
}

/** A field's error disappears as soon as the user changes that field. */
export function clearErrorsOnChange(form) {
  form.addEventListener('input', (event) => {
    const name = event.target.name;
    if (name) clearFieldError(form, name);
  });
}

function clearFieldError(form, name) {
  const slot = form.querySelector(`[data-error-for="${name}"]`);
  if (slot) slot.textContent = '';
  form.elements.namedItem(name)?.removeAttribute?.('aria-invalid');
}

export function clearErrors(form) {
  for (const slot of form.querySelectorAll('[data-error-for]')) slot.textContent = '';
  for (const input of form.querySelectorAll('[aria-invalid]')) input.removeAttribute('aria-invalid');
}

/** After any successful write, no stale message stays on the page. */
export function clearAllItemErrors() {
  for (const form of document.querySelectorAll('#add-form, .edit-form')) clearErrors(form);
}

/**
 * Shows errors next to the fields they name (a 400's field map, or the page's own checks);
 * anything else under the form. Focuses the first field in error.
 */
export function showErrors(form, errors) {
  clearErrors(form);
  let first;
  for (const [field, messages] of Object.entries(errors)) {
    const input = form.elements.namedItem(field);
    const slot = form.querySelector(`[data-error-for="${input ? field : 'form'}"]`);
    const texts = (Array.isArray(messages) ? messages : [String(messages)]).map((text) =>
      field === 'price' ? priceMessage(text) : text,
    );
    slot.textContent = [slot.textContent, ...texts].filter(Boolean).join(' ');
    if (input) {
      input.setAttribute('aria-invalid', 'true');
      first ??= input;
    }
  }
  first?.focus();
}

/** A 400's body is the field map; anything else is one message for the whole form. */
export const isFieldErrorMap = (answer) =>
  answer.status === 400 && answer.data && typeof answer.data === 'object' && !('detail' in answer.data);

/**
 * While a write is in flight the form takes no second submit: inputs read-only (they keep focus,
 * so Enter pressed again lands nowhere) and its buttons disabled.
 */
export function setBusy(form, busy) {
  if (busy) form.setAttribute('aria-busy', 'true');
  else form.removeAttribute('aria-busy');
  for (const input of form.querySelectorAll('input')) input.readOnly = busy;
  for (const button of form.querySelectorAll('button')) button.disabled = busy;
}

export const isBusy = (form) => form.getAttribute('aria-busy') === 'true';

/** The form's fields as the API wants them, or the page's own errors (a price money cannot store). */
export function readItemFields(form) {
  const product = form.elements.product.value;
  const price = parsePrice(form.elements.price.value);
  if (price.error) return { errors: { price: [price.error] } };
  return { fields: { product, price: price.value } };
}
