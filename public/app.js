// The item manager: plain ES modules, no build step. It talks to the API at /api/items/, which
// does all validation; its messages are shown next to the fields they are about.
//
//   api.js     requests, retries, idempotency keys      auth.js    the API token (sign-in form)
//   prices.js  how prices look and are typed            forms.js   limits, errors, busy state
//   list.js    the paged, searchable list               add.js / edit.js / delete.js  the writes
//   status.js  the live status line                     bulk.js / csv.js  many prices, spreadsheets
//   status.js  the live status line                      live.js    changes made elsewhere, as they happen
//   history.js an item's price history

import { prepareAddForm, setUpAddForm } from './add.js';
import { requireTokenForWrites, setUpSignIn } from './auth.js';
import { setUpBulkPrices } from './bulk.js';
import { setUpCsv } from './csv.js';
import { deleteItem } from './delete.js';
import { startEdit } from './edit.js';
import { loadFieldLimits } from './forms.js';
import { showHistory } from './history.js';
import { startList } from './list.js';
import { startLive } from './live.js';
import { usePriceSettings } from './prices.js';

/** The server's settings for the page (src/web.ts); the defaults if they cannot be read. */
async function loadPageSettings() {
  const defaults = { priceCurrency: null, priceMinorUnits: true, writesNeedToken: false };
  try {
    const response = await fetch('/page-settings.json', { headers: { accept: 'application/json' } });
    return response.ok ? { ...defaults, ...(await response.json()) } : defaults;
  } catch {
    return defaults;
  }
}

function setUpRowActions() {
  document.getElementById('items').addEventListener('click', (event) => {
    const button = event.target.closest('.view button');
    const row = button?.closest('li.item');
    if (!row || button.disabled) return;
    if (button.classList.contains('history')) showHistory(row);
    else if (button.classList.contains('edit')) startEdit(row);
    else if (button.classList.contains('delete')) deleteItem(row);
  });
}

setUpSignIn();
const settings = loadPageSettings().then((loaded) => {
  usePriceSettings(loaded);
  requireTokenForWrites(loaded.writesNeedToken);
  return loaded;
});
setUpAddForm();
setUpRowActions();
setUpBulkPrices();
setUpCsv();
Promise.all([settings, loadFieldLimits()]).then(prepareAddForm);
startList(settings).then(startLive);
