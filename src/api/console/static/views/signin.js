/**
 * Sign-in: with the identity provider (OpenID Connect, oidc.js) when the API is configured for one,
 * or by pasting a bearer token (a static token, or the identity provider's JWT); both end with
 * GET /whoami. `notice` says why the user is here again (expired token, refused sign-in).
 */
import { api } from '../api.js';
import { h, replace } from '../dom.js';
import { beginSignIn, providerName } from '../oidc.js';
import { session } from '../session.js';

function providerSection(signIn, error) {
  const name = providerName(signIn);
  const button = h(
    'button',
    {
      type: 'button',
      id: 'oidc-sign-in',
      class: 'primary',
      'aria-describedby': 'oidc-help sign-in-error',
      onclick: async () => {
        error.textContent = '';
        button.disabled = true;
        try {
          await beginSignIn(signIn);
        } catch (err) {
          error.textContent = err.message;
          button.disabled = false;
          button.focus();
        }
      },
    },
    `Sign in with ${name}`,
  );
  return h(
    'section',
    { class: 'oidc' },
    button,
    h(
      'p',
      { id: 'oidc-help', class: 'help' },
      `Opens ${name}'s sign-in page and brings you back here. The token it issues stays in this tab (session storage) until it expires or you sign out.`,
    ),
  );
}

export function renderSignIn(main, onSignedIn, { signIn, notice } = {}) {
  const error = h('p', { class: 'error', id: 'sign-in-error', role: 'alert' }, notice ?? '');
  // A password field: the token is not shown on screen, and Enter submits the form.
  const input = h('input', {
    id: 'token',
    name: 'token',
    type: 'password',
    required: true,
    autocomplete: 'off',
    spellcheck: 'false',
    'aria-describedby': 'token-help sign-in-error',
  });
  const form = h(
    'form',
    {
      class: 'card sign-in',
      onsubmit: async (event) => {
        event.preventDefault();
        const token = input.value.trim().replace(/^Bearer\s+/i, '');
        error.textContent = '';
        if (!token) {
          error.textContent = 'Paste a token first.';
          input.focus();
          return;
        }
        try {
          const me = await api('/whoami', { token });
          session.save(token, me);
          onSignedIn();
        } catch (err) {
          error.textContent =
            err.status === 401
              ? 'This token was not accepted by the API (401): check that you copied all of it and that it has not expired.'
              : err.message;
          input.focus();
        }
      },
    },
    h('h1', { tabindex: '-1' }, 'Sign in'),
    signIn ? providerSection(signIn, error) : undefined,
    h('label', { for: 'token' }, signIn ? 'Or paste a bearer token' : 'Bearer token'),
    input,
    h(
      'p',
      { id: 'token-help', class: 'help' },
      'A token from the API operator (npm start prints one per role), or, when the API checks JWTs, the access token your identity provider issued you. It stays in this tab (session storage) and is sent only to this API.',
    ),
    error,
    h(
      'button',
      { type: 'submit', class: signIn ? undefined : 'primary' },
      signIn ? 'Sign in with this token' : 'Sign in',
    ),
  );
  replace(main, form);
  if (signIn) form.querySelector('#oidc-sign-in').focus();
  else input.focus();
}
