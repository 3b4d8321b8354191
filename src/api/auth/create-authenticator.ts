import type { AuthConfig } from '../../config';
import { Authenticator } from './authenticator';
import { createJwtVerifier } from './jwt-verifier';
import { parseStaticTokens, StaticTokenTable, type StaticToken } from './static-tokens';

/** Static tokens from `AUTH_TOKENS` (or the local stack's generated ones) plus JWTs when a JWKS is configured. */
export function createAuthenticator(
  config: Pick<AuthConfig, 'staticTokens' | 'jwt'>,
  extraTokens: StaticToken[] = [],
): Authenticator {
  const tokens = [...(config.staticTokens ? parseStaticTokens(config.staticTokens) : []), ...extraTokens];
  return new Authenticator(
    new StaticTokenTable(tokens),
    config.jwt ? createJwtVerifier(config.jwt) : undefined,
  );
}
