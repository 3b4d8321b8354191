/** Turns a bearer token into a caller: static tokens first (cheap), then the JWT verifier when configured. */
import type { Caller } from './caller';
import type { JwtVerifier } from './jwt-verifier';
import type { StaticTokenTable } from './static-tokens';

export class Authenticator {
  constructor(
    private readonly staticTokens: StaticTokenTable,
    private readonly jwt?: JwtVerifier,
  ) {}

  async authenticate(authorization: string | undefined): Promise<Caller | undefined> {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
    if (!match) return undefined;
    const token = match[1]!;
    const known = this.staticTokens.lookup(token);
    if (known) return known;
    // Only something shaped like a JWT is worth a signature check.
    if (this.jwt && token.split('.').length === 3) return this.jwt(token);
    return undefined;
  }
}
