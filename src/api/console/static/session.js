/**
 * The signed-in caller: the bearer token in sessionStorage (gone when the tab closes) and what
 * GET /whoami said about it. The token is the pasted one or the one the identity provider issued
 * (oidc.js); either way it lives in the same key. The console never decides permissions: it only
 * explains, before the API does, why a button is off.
 */
const TOKEN_KEY = 'mvl.console.token';

/** Seconds since the epoch at which a JWT expires (its `exp`), or undefined for other tokens. */
export function expiryOf(token) {
  const exp = jwtPayload(token)?.exp;
  return typeof exp === 'number' ? exp : undefined;
}

/** The claims of a JWT, read without verifying it (the API verifies; the page only reads). */
export function jwtPayload(token) {
  const parts = typeof token === 'string' ? token.split('.') : [];
  if (parts.length !== 3) return undefined;
  try {
    const base64 = parts[1].replace(/-/g, '+').replace(/_/g, '/');
    const json = new TextDecoder().decode(Uint8Array.from(atob(base64), (c) => c.charCodeAt(0)));
    const payload = JSON.parse(json);
    return payload && typeof payload === 'object' ? payload : undefined;
  } catch {
    return undefined;
  }
}

export const session = {
  token: sessionStorage.getItem(TOKEN_KEY) ?? undefined,
  /** { identity, roles, via } from GET /whoami */
  me: undefined,

  save(token, me) {
    sessionStorage.setItem(TOKEN_KEY, token);
    this.token = token;
    this.me = me;
  },

  clear() {
    sessionStorage.removeItem(TOKEN_KEY);
    this.token = undefined;
    this.me = undefined;
  },

  has(role) {
    return Boolean(this.me?.roles.includes(role));
  },
};
