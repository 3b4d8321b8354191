/**
 * Signing in at the identity provider: OpenID Connect's Authorization Code flow with PKCE (S256), as
 * a public client (no secret can be kept in a page). beginSignIn() reads the provider's discovery
 * document, keeps a fresh state, nonce and code verifier in sessionStorage and leaves for the
 * provider; the provider sends the browser back to /console/ with `?code&state` (or `?error`), and
 * completeSignIn() checks the state, exchanges the code at the token endpoint (CORS) with the
 * verifier, checks the ID token's nonce, and returns the token the API accepts: the access token when
 * it is a JWT whose `aud` holds the API's audience, else the ID token when its `aud` does. The pending
 * sign-in is read once and removed, so an answer can never be used twice; no refresh token is kept.
 */
import { jwtPayload } from './session.js';

const PENDING_KEY = 'mvl.console.oidc.pending';

export class SignInError extends Error {}

/** GET config.json: the identity provider the API trusts, or undefined when tokens are pasted. */
export async function loadSignInConfig() {
  try {
    const res = await fetch('config.json', { headers: { accept: 'application/json' } });
    if (!res.ok) return undefined;
    return (await res.json()).oidc ?? undefined;
  } catch {
    return undefined;
  }
}

/** "Sign in with idp.example.com". */
export function providerName(config) {
  try {
    return new URL(config.issuer).host;
  } catch {
    return config.issuer;
  }
}

/** The page the provider sends the browser back to: this console's own URL, without query or route. */
export function redirectUri() {
  return new URL('.', location.href).href;
}

/** The provider's answer in this page's URL (`?code=…&state=…` or `?error=…`), if there is one. */
export function callbackParams() {
  const params = new URLSearchParams(location.search);
  return params.has('code') || params.has('error') ? params : undefined;
}

async function discover(config) {
  const url = `${config.issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`;
  let meta;
  try {
    const res = await fetch(url, { headers: { accept: 'application/json' } });
    if (!res.ok) throw new Error(String(res.status));
    meta = await res.json();
  } catch {
    throw new SignInError(
      `The identity provider's discovery document (${url}) could not be read; check that the provider is reachable from this browser.`,
    );
  }
  // OpenID Connect Discovery §4.3: the document must name the issuer it was fetched for.
  if (meta.issuer !== config.issuer) {
    throw new SignInError(
      `The identity provider calls itself "${meta.issuer}", not "${config.issuer}" (AUTH_ISSUER); sign-in stopped.`,
    );
  }
  if (!meta.authorization_endpoint || !meta.token_endpoint) {
    throw new SignInError('The identity provider publishes no authorization or token endpoint.');
  }
  const methods = meta.code_challenge_methods_supported;
  if (Array.isArray(methods) && !methods.includes('S256')) {
    throw new SignInError(
      'The identity provider does not support PKCE with S256, which this console requires.',
    );
  }
  // The page's content security policy lets it connect to the issuer's origin only.
  if (new URL(meta.token_endpoint).origin !== new URL(config.issuer).origin) {
    throw new SignInError(
      `The identity provider's token endpoint (${meta.token_endpoint}) is not on the issuer's origin, which is the only one this console may connect to.`,
    );
  }
  return meta;
}

function base64url(bytes) {
  let binary = '';
  for (const b of new Uint8Array(bytes)) binary += String.fromCharCode(b);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

const randomText = (bytes) => base64url(crypto.getRandomValues(new Uint8Array(bytes)));

/** RFC 7636: code_challenge = BASE64URL(SHA-256(code_verifier)). */
async function challengeOf(verifier) {
  return base64url(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier)));
}

/** Leaves for the identity provider's sign-in page; the route (hash) the user was on comes back with them. */
export async function beginSignIn(config) {
  const meta = await discover(config);
  const pending = {
    state: randomText(16),
    nonce: randomText(16),
    verifier: randomText(32),
    tokenEndpoint: meta.token_endpoint,
    redirectUri: redirectUri(),
    returnTo: location.hash,
  };
  sessionStorage.setItem(PENDING_KEY, JSON.stringify(pending));
  const url = new URL(meta.authorization_endpoint);
  const query = {
    response_type: 'code',
    client_id: config.clientId,
    redirect_uri: pending.redirectUri,
    scope: config.scopes,
    state: pending.state,
    nonce: pending.nonce,
    code_challenge: await challengeOf(pending.verifier),
    code_challenge_method: 'S256',
  };
  for (const [key, value] of Object.entries(query)) url.searchParams.set(key, value);
  location.assign(url.href);
}

function takePending() {
  const text = sessionStorage.getItem(PENDING_KEY);
  sessionStorage.removeItem(PENDING_KEY);
  try {
    return text ? JSON.parse(text) : undefined;
  } catch {
    return undefined;
  }
}

/** Removes the provider's answer from the address bar (a reload must not replay it), back to the route. */
function leaveCallback(returnTo) {
  history.replaceState(null, '', `${redirectUri()}${returnTo ?? ''}`);
}

const audiences = (payload) => (Array.isArray(payload?.aud) ? payload.aud : [payload?.aud]);

/** Of the provider's tokens, the one meant for this API (its `aud` holds the API's audience). */
export function tokenForApi(tokens, audience) {
  const candidates = [
    ['access token', tokens.access_token],
    ['ID token', tokens.id_token],
  ];
  for (const [kind, token] of candidates) {
    if (audiences(jwtPayload(token)).includes(audience)) return { kind, token };
  }
  return undefined;
}

async function exchange(pending, config, code) {
  let res;
  try {
    res = await fetch(pending.tokenEndpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        code,
        redirect_uri: pending.redirectUri,
        client_id: config.clientId,
        code_verifier: pending.verifier,
      }),
    });
  } catch {
    throw new SignInError(
      `The identity provider's token endpoint could not be reached from this page; it must allow requests from ${location.origin} (CORS).`,
    );
  }
  const body = await res.json().catch(() => ({}));
  if (!res.ok) {
    const detail = [body.error, body.error_description].filter(Boolean).join(': ') || `HTTP ${res.status}`;
    throw new SignInError(
      `The identity provider did not exchange the sign-in code for tokens (${detail}); sign in again.`,
    );
  }
  return body;
}

/**
 * Finishes the sign-in the provider answered; returns { kind, token } or throws a SignInError whose
 * message is the sentence to show. Never loops back to the provider by itself.
 */
export async function completeSignIn(config, params) {
  const pending = takePending();
  leaveCallback(pending?.returnTo);
  if (!config) {
    throw new SignInError('This console has no identity provider configured; paste a token instead.');
  }
  if (!pending) {
    throw new SignInError(
      'The identity provider answered a sign-in this tab did not start (or already finished); sign in again.',
    );
  }
  if (params.get('state') !== pending.state) {
    throw new SignInError(
      "The identity provider's answer does not belong to the sign-in this tab started (state mismatch), so it was ignored; sign in again.",
    );
  }
  // RFC 9207: when the provider names itself in the answer, it must be the configured issuer.
  if (params.has('iss') && params.get('iss') !== config.issuer) {
    throw new SignInError(
      `The answer came from "${params.get('iss')}", not from ${config.issuer}; it was ignored.`,
    );
  }
  const error = params.get('error');
  if (error) {
    const description = params.get('error_description');
    const lead =
      error === 'access_denied'
        ? 'The identity provider refused the sign-in (access_denied)'
        : `The identity provider could not sign you in (${error})`;
    throw new SignInError(`${lead}${description ? `: ${description.replace(/[.]$/, '')}` : ''}.`);
  }
  const tokens = await exchange(pending, config, params.get('code') ?? '');
  const idToken = jwtPayload(tokens.id_token);
  if (!idToken)
    throw new SignInError('The identity provider returned no ID token; is the openid scope granted?');
  // The ID token must answer this sign-in: the nonce sent with it, the configured issuer, this client.
  if (
    idToken.nonce !== pending.nonce ||
    idToken.iss !== config.issuer ||
    !audiences(idToken).includes(config.clientId)
  ) {
    throw new SignInError(
      "The identity provider's ID token does not belong to this sign-in (nonce, issuer or client differ); sign in again.",
    );
  }
  const chosen = tokenForApi(tokens, config.audience);
  if (!chosen) {
    throw new SignInError(
      `Neither the access token nor the ID token from the identity provider is meant for this API (their aud must include "${config.audience}", AUTH_AUDIENCE).`,
    );
  }
  return chosen;
}

/** Forgets a sign-in that was started but never answered (sign-out). */
export function forgetPendingSignIn() {
  sessionStorage.removeItem(PENDING_KEY);
}
