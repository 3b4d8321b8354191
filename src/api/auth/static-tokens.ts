/**
 * Static bearer tokens from configuration: `AUTH_TOKENS="token:identity:role1+role2,…"`.
 * Tokens are kept as SHA-256 digests, so a lookup does not compare secrets character by character.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Caller } from './caller';
import { isRole, ROLES, type Role } from './roles';

export interface StaticToken {
  token: string;
  identity: string;
  roles: Role[];
}

/** The token of the first entry that carries `role`, if any (the local stack's, a test's, a benchmark's). */
export function tokenFor(tokens: readonly StaticToken[], role: string): string | undefined {
  return tokens.find((t) => (t.roles as string[]).includes(role))?.token;
}

/** `tokenFor`, for callers that generated the tokens and must have one for `role`. */
export function requireTokenFor(tokens: readonly StaticToken[], role: string): string {
  const token = tokenFor(tokens, role);
  if (token === undefined) throw new Error(`no token carries the role ${role}`);
  return token;
}

const digest = (token: string) => createHash('sha256').update(token).digest('hex');

export function parseStaticTokens(spec: string): StaticToken[] {
  return spec
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean)
    .map((entry, index) => {
      const [token, identity, roleList, ...rest] = entry.split(':');
      const where = `AUTH_TOKENS entry ${index + 1}`;
      if (!token || !identity || !roleList || rest.length > 0) {
        throw new Error(`${where}: expected token:identity:role1+role2`);
      }
      if (token.length < 16) throw new Error(`${where}: the token must be at least 16 characters`);
      const roles = roleList.split('+');
      const unknown = roles.filter((r) => !isRole(r));
      if (unknown.length > 0) {
        throw new Error(`${where}: unknown role(s) ${unknown.join(', ')}; known: ${ROLES.join(', ')}`);
      }
      return { token, identity, roles: roles as Role[] };
    });
}

export function formatStaticTokens(tokens: StaticToken[]): string {
  return tokens.map((t) => `${t.token}:${t.identity}:${t.roles.join('+')}`).join(',');
}

export class StaticTokenTable {
  private readonly byDigest = new Map<string, Caller>();

  constructor(tokens: StaticToken[]) {
    for (const t of tokens)
      this.byDigest.set(digest(t.token), { identity: t.identity, roles: t.roles, via: 'static-token' });
  }

  lookup(token: string): Caller | undefined {
    return this.byDigest.get(digest(token));
  }
}

/** One random token per persona of the local stack, printed at start. */
export function generateLocalTokens(): StaticToken[] {
  const token = () => `mvl_${randomBytes(18).toString('base64url')}`;
  return [
    { token: token(), identity: 'pipeline@local', roles: ['pipeline'] },
    { token: token(), identity: 'alice@local', roles: ['approver'] },
    { token: token(), identity: 'oscar@local', roles: ['operator'] },
    { token: token(), identity: 'vera@local', roles: ['viewer'] },
    { token: token(), identity: 'eventbridge@local', roles: ['eventbridge'] },
  ];
}
