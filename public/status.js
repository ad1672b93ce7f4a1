// The status line under the list heading: one polite live region, so screen readers hear every
// outcome (added, saved, deleted, page changed, errors) without losing their place.

const statusLine = document.getElementById('status');

export function say(message, kind = 'info') {
  statusLine.textContent = message;
  statusLine.dataset.kind = kind;
}
