// Live updates: the page follows /api/events/ (Server-Sent Events), so a change made elsewhere (another tab,
// another admin, an import) shows without reloading, with a brief highlight. EventSource reconnects by itself
// with Last-Event-ID, so nothing is missed after a lost connection or a server restart.

import { fillRow, nextPageShown, reloadPage, rows } from './list.js';

const HIGHLIGHT_MS = 2000;
const RELOAD_DELAY_MS = 200;

const rowOf = (id) => rows().find((row) => row.dataset.id === String(id));

function highlight(row) {
  if (!row) return;
  row.classList.remove('changed');
  // Restart the animation when the same row changes again.
  void row.offsetWidth;
  row.classList.add('changed');
  clearTimeout(row.highlightTimer);
  row.highlightTimer = setTimeout(() => row.classList.remove('changed'), HIGHLIGHT_MS);
}

export function startLive() {
  if (!('EventSource' in window)) return;
  const source = new EventSource('/api/events/');
  let reloadTimer;
  const fresh = new Set();
  // A create or delete changes the page's rows and count: reload the page once a burst is over.
  const reloadSoon = (id) => {
    fresh.add(id);
    clearTimeout(reloadTimer);
    reloadTimer = setTimeout(async () => {
      // Under an open edit form the list puts the reload off until the form closes (list.js): the
      // new rows are highlighted whenever they are shown.
      const shown = nextPageShown();
      reloadPage();
      await shown;
      const ids = [...fresh];
      fresh.clear();
      for (const changed of ids) highlight(rowOf(changed));
    }, RELOAD_DELAY_MS);
  };
  const onChange = (event) => {
    const { id, product, price } = JSON.parse(event.data);
    if (event.type !== 'updated') return reloadSoon(id);
    const row = rowOf(id);
    if (!row) return;
    // A row being edited keeps what the user is typing; their save then meets If-Match (412).
    if (!row.classList.contains('editing')) fillRow(row, { ...row.item, id, product, price });
    highlight(row);
  };
  for (const kind of ['created', 'updated', 'deleted', 'imported']) source.addEventListener(kind, onChange);
  return source;
}
