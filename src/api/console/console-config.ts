/**
 * GET /console/config.json: how the console may sign in. `oidc` is null without an identity provider
 * (paste a token); with one, it holds what a public client needs for the Authorization Code flow
 * with PKCE, and the audience that tells the page which of the provider's tokens the API accepts.
 */
import type { OidcSignInConfig } from '../../config';

export interface ConsoleConfigBody {
  oidc: OidcSignInConfig | null;
}

export function consoleConfigBody(signIn?: OidcSignInConfig): ConsoleConfigBody {
  return {
    oidc: signIn
      ? { issuer: signIn.issuer, clientId: signIn.clientId, scopes: signIn.scopes, audience: signIn.audience }
      : null,
  };
}
