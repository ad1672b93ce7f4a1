// Delete, after a confirmation. Focus then moves to the row that took the deleted one's place,
// so keyboard and screen reader users stay in the list instead of falling back to the page's top.

import { itemUrl, problemText, request } from './api.js';
import { clearAllItemErrors } from './forms.js';
import { focusRowAt, reloadPage, rows } from './list.js';
import { say } from './status.js';

export async function deleteItem(row) {
  if (row.hasAttribute('aria-busy')) return;
  const { product } = row.item;
  if (!confirm(`Delete “${product}”?`)) return;
  row.setAttribute('aria-busy', 'true');
  const buttons = row.querySelectorAll('.view button');
  for (const button of buttons) button.disabled = true;
  try {
    const answer = await request('DELETE', itemUrl(row.dataset.id));
    if (answer.status === 204 || answer.status === 404) return await deleted(row, product);
    if (answer.status !== 401) say(problemText(answer, 'delete the item'), 'error');
  } catch {
    say('Could not reach the server. Try to delete again.', 'error');
  }
  row.removeAttribute('aria-busy');
  for (const button of buttons) button.disabled = false;
}

async function deleted(row, product) {
  const index = rows().indexOf(row);
  row.remove();
  clearAllItemErrors();
  say(`Deleted “${product}”.`);
  await reloadPage();
  focusRowAt(index);
}
