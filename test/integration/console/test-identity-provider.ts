/**
 * A real OpenID Connect provider for the console's sign-in tests: panva's `oidc-provider` (the
 * certified library many IdPs are built on) on a random port, with one public client (no secret,
 * PKCE required, as the console registers at Keycloak or Okta) and its development login form,
 * which accepts any password for the users below. Each user's roles are a `roles` claim of the
 * `profile` scope, which the provider puts in the ID token, as a Keycloak role mapper would. Its
 * access tokens are JWTs for the resource API_RESOURCE (RFC 8707), with the roles too: an API whose
 * audience is that resource takes the access token, one whose audience is the client id the ID token.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type * as Oidc from 'oidc-provider' with { 'resolution-mode': 'import' };
import type { Role } from '../../../src/api/auth/roles';

export const TEST_CLIENT_ID = 'mvl-console';
export const API_RESOURCE = 'urn:mvl:api';

export const IDP_USERS: Record<string, { name: string; roles: Role[] }> = {
  'ada@idp.test': { name: 'Ada', roles: ['approver'] },
  'pat@idp.test': { name: 'Pat', roles: ['pipeline'] },
};

export interface TestIdentityProvider {
  issuer: string;
  jwksUrl: string;
  /** Registers the console as the public client; the provider answers 503 until then. */
  registerConsole(...redirectUris: string[]): void;
  /** Lifetime of the ID tokens it issues from now on (seconds). */
  setIdTokenLifetime(seconds: number): void;
  stop(): Promise<void>;
}

/**
 * The issuer (its port) is known at once, so the API can be configured with it; the client, whose
 * redirect URI names the API's port, is registered once the API listens.
 */
export async function startTestIdentityProvider(): Promise<TestIdentityProvider> {
  const { default: Provider } = await import('oidc-provider');
  let handle: ((req: IncomingMessage, res: ServerResponse) => void) | undefined;
  const server: Server = createServer((req, res) => {
    if (handle) return handle(req, res);
    res.statusCode = 503;
    res.end('the test identity provider has no client yet');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  let idTokenSeconds = 600;

  const configure = (redirectUris: string[]) =>
    new Provider(issuer, {
      clients: [
        {
          client_id: TEST_CLIENT_ID,
          token_endpoint_auth_method: 'none',
          redirect_uris: redirectUris,
          grant_types: ['authorization_code'],
          response_types: ['code'],
        },
      ],
      // Required for public clients by default; said here so the test does not rest on a default.
      pkce: { required: () => true },
      claims: { openid: ['sub'], profile: ['name', 'roles'] },
      // The granted scopes' claims go into the ID token too (not only to userinfo).
      conformIdTokenClaims: false,
      ttl: {
        IdToken: () => idTokenSeconds,
        AccessToken: 600,
        AuthorizationCode: 60,
        Interaction: 600,
        Session: 600,
        Grant: 600,
      },
      // The token endpoint answers the console's origin (what Keycloak calls the client's web origins).
      clientBasedCORS: (_ctx, origin, client) =>
        client.redirectUris?.some((uri) => new URL(uri).origin === origin) ?? false,
      features: {
        devInteractions: { enabled: true },
        resourceIndicators: {
          enabled: true,
          defaultResource: () => API_RESOURCE,
          useGrantedResource: () => true,
          getResourceServerInfo: () => ({
            scope: 'openid profile',
            audience: API_RESOURCE,
            accessTokenFormat: 'jwt',
            accessTokenTTL: 600,
          }),
        },
      },
      extraTokenClaims: (_ctx, token) => {
        const user = 'accountId' in token ? IDP_USERS[token.accountId] : undefined;
        return user ? { roles: user.roles } : undefined;
      },
      cookies: { keys: ['console-oidc-test-cookie-key'] },
      findAccount: (_ctx: unknown, id: string) => {
        const user = IDP_USERS[id];
        if (!user) return undefined;
        return { accountId: id, claims: () => ({ sub: id, name: user.name, roles: user.roles }) };
      },
    } satisfies Oidc.Configuration);

  return {
    issuer,
    jwksUrl: `${issuer}/jwks`,
    registerConsole(...redirectUris) {
      const serve = configure(redirectUris).callback();
      handle = (req, res) => void serve(req, res);
    },
    setIdTokenLifetime(seconds) {
      idTokenSeconds = seconds;
    },
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
