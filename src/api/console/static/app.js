/**
 * The console's shell: sign-in gate, hash routes, and one view at a time. A view is
 * `render(main, params) → cleanup?`; the cleanup stops its polling when the route changes.
 */
import { api, ApiError } from './api.js';
import { announce, replace } from './dom.js';
import { session } from './session.js';
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
    renderSignIn(main, () => {
      showSession();
      announce(`Signed in as ${session.me.identity}`);
      route();
    });
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

async function start() {
  document.getElementById('sign-out').addEventListener('click', () => {
    session.clear();
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
  if (session.token) {
    try {
      session.me = await api('/whoami');
    } catch (err) {
      // A token that no longer works (expired JWT, rotated static token) means signing in again.
      if (!(err instanceof ApiError) || err.status === 401) session.clear();
    }
  }
  showSession();
  await route();
}

start();
