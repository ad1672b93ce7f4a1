// The API token, when the server needs one for writes (API_TOKEN). It is typed into a password
// field and kept in sessionStorage: this tab only, gone when the tab closes or on "Forget token".
// While there is none, the page is read-only and shows the sign-in form instead of the add form.

import { say } from './status.js';

const TOKEN_KEY = 'pricebook-token';
const card = document.getElementById('sign-in');
const form = document.getElementById('sign-in-form');
const input = document.getElementById('token');
const message = document.getElementById('sign-in-message');
const inputError = document.getElementById('token-error');
const forgetButton = document.getElementById('forget-token');

let writesNeedToken = false;
/** Where the user was when the server asked for the token; they go back there after signing in. */
let returnFocusTo = null;

const storedToken = () => sessionStorage.getItem(TOKEN_KEY);

export function tokenHeaders() {
  const token = storedToken();
  return token ? { authorization: `Bearer ${token}` } : {};
}

/** Wires the sign-in form and "Forget token" (at once: a 401 may come before the page settings). */
export function setUpSignIn() {
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    signIn();
  });
  input.addEventListener('input', () => showInputError(''));
  forgetButton.addEventListener('click', forgetToken);
  showSignInState();
}

/** The server's word (page settings) on whether writes need a token. */
export function requireTokenForWrites(needed) {
  writesNeedToken = writesNeedToken || needed;
  showSignInState();
}

/** The server answered 401 to a write: the token is missing or wrong, so ask for it again. */
export function tokenRejected(detail) {
  const hadToken = storedToken() !== null;
  sessionStorage.removeItem(TOKEN_KEY);
  writesNeedToken = true;
  returnFocusTo = document.activeElement;
  const text =
    hadToken && detail === 'Invalid token.'
      ? 'The server did not accept that token. Check it and sign in again.'
      : 'This server needs its API token for changes. Sign in, then try again.';
  showSignInState(text);
  say(text, 'error');
  input.focus();
}

function signIn() {
  const token = input.value.trim();
  if (!token) return showInputError('Enter the API token.');
  sessionStorage.setItem(TOKEN_KEY, token);
  input.value = '';
  showSignInState();
  say('Signed in for this tab.');
  const back = returnFocusTo;
  returnFocusTo = null;
  const canReturn = back?.isConnected && back !== document.body && !back.disabled && !back.closest('[hidden]');
  (canReturn ? back : document.getElementById('add-product')).focus();
}

function forgetToken() {
  sessionStorage.removeItem(TOKEN_KEY);
  showSignInState();
  say('Token forgotten: this tab can no longer make changes.');
  (writesNeedToken ? input : document.getElementById('list-title')).focus();
}

function showSignInState(text = '') {
  const signedIn = storedToken() !== null;
  const signedOut = writesNeedToken && !signedIn;
  card.hidden = !signedOut;
  document.body.toggleAttribute('data-signed-out', signedOut);
  forgetButton.hidden = !signedIn;
  message.textContent = text;
  showInputError('');
}

function showInputError(text) {
  inputError.textContent = text;
  if (text) input.setAttribute('aria-invalid', 'true');
  else input.removeAttribute('aria-invalid');
}
