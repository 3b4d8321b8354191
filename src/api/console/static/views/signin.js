/** Sign-in: paste a bearer token (a static token, or the identity provider's JWT); checked with GET /whoami. */
import { api } from '../api.js';
import { h, replace } from '../dom.js';
import { session } from '../session.js';

export function renderSignIn(main, onSignedIn) {
  const error = h('p', { class: 'error', id: 'sign-in-error', role: 'alert' });
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
    h('label', { for: 'token' }, 'Bearer token'),
    input,
    h(
      'p',
      { id: 'token-help', class: 'help' },
      'A token from the API operator (npm start prints one per role), or, when the API checks JWTs, the access token your identity provider issued you. It stays in this tab (session storage) and is sent only to this API.',
    ),
    error,
    h('button', { type: 'submit', class: 'primary' }, 'Sign in'),
  );
  replace(main, form);
  input.focus();
}
