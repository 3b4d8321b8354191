/**
 * The signed-in caller: the bearer token in sessionStorage (gone when the tab closes) and what
 * GET /whoami said about it. The console never decides permissions: it only explains, before the
 * API does, why a button is off.
 */
const TOKEN_KEY = 'mvl.console.token';

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
