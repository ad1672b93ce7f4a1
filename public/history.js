// An item's price history: a dialog with a small step chart (inline SVG), the table of changes, and the lowest
// price of the last 30 days (what EU shops must show next to a reduction). Read from the API
// (/api/items/{id}/history/ and /lowest-price/); open to anyone, as all reads are.

import { itemUrl, request } from './api.js';
import { formatPrice } from './prices.js';

const WIDTH = 320;
const HEIGHT = 120;
const PAD = 6;
const SVG = 'http://www.w3.org/2000/svg';
const KINDS = { created: 'Created', updated: 'Changed', deleted: 'Deleted', imported: 'Imported' };
const when = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

let dialog;

function element(tag, attributes = {}, text) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  if (text !== undefined) node.textContent = text;
  return node;
}

function ensureDialog() {
  if (dialog) return dialog;
  dialog = element('dialog', { id: 'history', class: 'history-dialog', 'aria-labelledby': 'history-title' });
  const close = element('button', { type: 'button', class: 'close' }, 'Close');
  close.addEventListener('click', () => dialog.close());
  dialog.append(
    element('h2', { id: 'history-title' }),
    element('p', { class: 'lowest' }),
    element('div', { class: 'chart' }),
    element('div', { class: 'table-wrap' }),
    close,
  );
  document.body.append(dialog);
  return dialog;
}

/** A step line: each price holds from its time until the next change (or now). */
function chart(entries) {
  const points = entries.filter((entry) => entry.kind !== 'deleted');
  const svg = document.createElementNS(SVG, 'svg');
  svg.setAttribute('viewBox', `0 0 ${WIDTH} ${HEIGHT}`);
  svg.setAttribute('role', 'img');
  svg.setAttribute('aria-label', 'Price over time');
  if (points.length === 0) return svg;
  const times = entries.map((entry) => Date.parse(entry.at));
  const start = Math.min(...times);
  const end = Math.max(Date.now(), ...times);
  const prices = points.map((entry) => entry.price);
  const low = Math.min(...prices);
  const high = Math.max(...prices);
  const x = (t) => PAD + ((t - start) / Math.max(1, end - start)) * (WIDTH - 2 * PAD);
  const y = (p) => HEIGHT - PAD - ((p - low) / Math.max(1, high - low)) * (HEIGHT - 2 * PAD);
  const steps = [];
  entries.forEach((entry, i) => {
    if (entry.kind === 'deleted') return;
    const next = entries[i + 1];
    const from = Date.parse(entry.at);
    const to = next ? Date.parse(next.at) : end;
    steps.push(`M${x(from).toFixed(1)},${y(entry.price).toFixed(1)} H${x(to).toFixed(1)}`);
  });
  const path = document.createElementNS(SVG, 'path');
  path.setAttribute('d', steps.join(' '));
  path.setAttribute('class', 'line');
  svg.append(path);
  return svg;
}

function table(entries) {
  const tableNode = element('table');
  const head = element('tr');
  for (const title of ['When', 'Change', 'Product', 'Price']) head.append(element('th', { scope: 'col' }, title));
  tableNode.append(element('thead'), element('tbody'));
  tableNode.tHead.append(head);
  for (const entry of [...entries].reverse()) {
    const row = element('tr');
    row.append(
      element('td', {}, when.format(new Date(entry.at))),
      element('td', {}, KINDS[entry.kind] ?? entry.kind),
      element('td', {}, entry.product),
      element('td', { class: 'price' }, formatPrice(entry.price)),
    );
    tableNode.tBodies[0].append(row);
  }
  return tableNode;
}

/** Opens the history of the item in `row`. */
export async function showHistory(row) {
  const { id, product } = row.item;
  const box = ensureDialog();
  box.querySelector('h2').textContent = `Price history of ${product}`;
  box.querySelector('.lowest').textContent = 'Loading…';
  box.querySelector('.chart').replaceChildren();
  box.querySelector('.table-wrap').replaceChildren();
  if (!box.open) box.showModal();
  const [history, lowest] = await Promise.all([
    request('GET', `${itemUrl(id)}history/`),
    request('GET', `${itemUrl(id)}lowest-price/?days=30`),
  ]).catch(() => [{ status: 0 }, { status: 0 }]);
  if (history.status !== 200) {
    box.querySelector('.lowest').textContent = 'Could not load the history.';
    return;
  }
  const entries = [...history.data].reverse(); // oldest first
  box.querySelector('.lowest').textContent =
    lowest.status === 200 ? `Lowest price in the last 30 days: ${formatPrice(lowest.data.price)}` : '';
  box.querySelector('.chart').replaceChildren(chart(entries));
  box.querySelector('.table-wrap').replaceChildren(table(entries));
}
