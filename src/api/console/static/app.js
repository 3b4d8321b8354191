/**
 * The console's shell: sign-in gate, hash routes, and one view at a time. A view is
 * `render(main, params) → cleanup?`; the cleanup stops its polling when the route changes.
 * A token that expires (its `exp`) or that the API stops accepting (401) signs the user out with a
 * sentence saying so; the identity provider's answer to a sign-in arrives as this page's query.
 */
import { api, ApiError, UNAUTHORIZED_EVENT } from './api.js';
import { announce, replace } from './dom.js';
import { callbackParams, completeSignIn, forgetPendingSignIn, loadSignInConfig } from './oidc.js';
import { expiryOf, session } from './session.js';
import { renderSignIn } from './views/signin.js';
import { renderInbox } from './views/inbox.js';
import { renderDecision } from './views/decision.js';
import { renderRollout } from './views/rollout.js';
import { renderEndpoint } from './views/endpoint.js';

const ROUTES = [
  [/^\/?$/, renderInbox],
  [/^\/versions\/([^/]+)\/rollout$/, (main, [id]) => renderRollout(main, decodeURIComponent(id))],
  [/^\/versions\/([^/]+)$/, (main, [id]) => renderDecision(main, decodeURIComponent(id))],
  [/^\/endpoints\/([^/]+)$/, (main, [name]) => renderEndpoint(main, decodeURIComponent(name))],
];

const main = document.getElementById('main');
let cleanup;
/** The identity provider from config.json, or undefined (paste a token). */
let signIn;
/** Why the sign-in page is shown again, said once on it. */
let notice;
let expiryTimer;

/** Ends the session at the token's `exp`, so no click is refused with a 401 first. */
function watchExpiry() {
  clearTimeout(expiryTimer);
  const exp = expiryOf(session.token);
  if (exp === undefined) return;
  // setTimeout holds at most ~24.8 days; a longer token is re-armed when it fires.
  const wait = Math.min(exp * 1000 - Date.now(), 2 ** 31 - 1);
  expiryTimer = setTimeout(
    () => {
      if (expiryOf(session.token) !== exp) return;
      if (exp * 1000 > Date.now()) return watchExpiry();
      signOutBecause(`Your sign-in expired at ${new Date(exp * 1000).toLocaleTimeString()}; sign in again.`);
    },
    Math.max(wait, 0),
  );
}

function signOutBecause(sentence) {
  clearTimeout(expiryTimer);
  session.clear();
  notice = sentence;
  showSession();
  announce(sentence);
  route();
}

function showSession() {
  const signedIn = Boolean(session.me);
  document.getElementById('nav').hidden = !signedIn;
  document.getElementById('session').hidden = !signedIn;
  if (signedIn) {
    const roles = session.me.roles.length ? session.me.roles.join(', ') : 'no roles';
    document.getElementById('session-who').textContent = `Signed in as ${session.me.identity} (${roles})`;
  }
}

async function route() {
  cleanup?.();
  cleanup = undefined;
  if (!session.me) {
    renderSignIn(main, onSignedIn, { signIn, notice });
    notice = undefined;
    showSession();
    return;
  }
  const path = location.hash.replace(/^#/, '') || '/';
  for (const [pattern, render] of ROUTES) {
    const match = pattern.exec(path.split('?')[0]);
    if (match) {
      cleanup = await render(main, match.slice(1));
      main.querySelector('h1')?.focus();
      return;
    }
  }
  replace(
    main,
    'No such page. ',
    Object.assign(document.createElement('a'), { href: '#/', textContent: 'Back to the inbox' }),
  );
}

function onSignedIn() {
  watchExpiry();
  showSession();
  announce(`Signed in as ${session.me.identity}`);
  route();
}

/** The identity provider sent the browser back: finish the sign-in, or keep the sentence saying why not. */
async function finishProviderSignIn(params) {
  try {
    const { kind, token } = await completeSignIn(signIn, params);
    try {
      session.save(token, await api('/whoami', { token }));
    } catch (err) {
      notice =
        err.status === 401
          ? `The API did not accept the ${kind} from the identity provider (401): its issuer, audience or lifetime do not match the API's settings.`
          : err.message;
    }
  } catch (err) {
    notice = err.message;
  }
}

async function start() {
  document.getElementById('sign-out').addEventListener('click', () => {
    clearTimeout(expiryTimer);
    session.clear();
    forgetPendingSignIn();
    showSession();
    announce('Signed out');
    route();
  });
  document.getElementById('endpoint-jump').addEventListener('submit', (event) => {
    event.preventDefault();
    const name = new FormData(event.target).get('endpoint')?.toString().trim();
    if (name) location.hash = `#/endpoints/${encodeURIComponent(name)}`;
  });
  window.addEventListener('hashchange', route);
  // Any API call refused with 401 for the session's token: it expired or was revoked.
  window.addEventListener(UNAUTHORIZED_EVENT, () => {
    if (session.me)
      signOutBecause('The API no longer accepts your token (401: expired or revoked); sign in again.');
  });
  signIn = await loadSignInConfig();
  const answer = callbackParams();
  if (answer) await finishProviderSignIn(answer);
  else if (session.token) {
    try {
      session.me = await api('/whoami');
    } catch (err) {
      // A token that no longer works (expired JWT, rotated static token) means signing in again.
      if (!(err instanceof ApiError) || err.status === 401) {
        session.clear();
        notice = 'Your sign-in has expired or is no longer accepted by the API; sign in again.';
      }
    }
  }
  if (session.me) watchExpiry();
  showSession();
  await route();
}

start();
