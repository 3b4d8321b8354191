import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type * as Jose from 'jose' with { 'resolution-mode': 'import' };
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAuthenticator } from '../../../src/api/auth/create-authenticator';
import {
  formatStaticTokens,
  generateLocalTokens,
  parseStaticTokens,
  requireTokenFor,
  tokenFor,
} from '../../../src/api/auth/static-tokens';

const TOKEN = 'abcdefghijklmnop-1';
type PrivateKey = Awaited<ReturnType<typeof Jose.generateKeyPair>>['privateKey'];

describe('static tokens', () => {
  it('parses token:identity:roles entries and authenticates by bearer header', async () => {
    const auth = createAuthenticator({
      staticTokens: `${TOKEN}:alice@corp:approver+viewer, other-token-123456:ci:pipeline`,
    });
    expect(await auth.authenticate(`Bearer ${TOKEN}`)).toEqual({
      identity: 'alice@corp',
      roles: ['approver', 'viewer'],
      via: 'static-token',
    });
    expect(await auth.authenticate(`bearer other-token-123456`)).toMatchObject({ identity: 'ci' });
    expect(await auth.authenticate(`Bearer ${TOKEN}x`)).toBeUndefined();
    expect(await auth.authenticate(TOKEN)).toBeUndefined();
    expect(await auth.authenticate(undefined)).toBeUndefined();
  });

  it('refuses malformed entries, short tokens and unknown roles with the entry number', () => {
    expect(() => parseStaticTokens('justatoken')).toThrow(/entry 1: expected token:identity:role1\+role2/);
    expect(() => parseStaticTokens(`${TOKEN}:a:viewer,short:b:viewer`)).toThrow(
      /entry 2: the token must be at least 16/,
    );
    expect(() => parseStaticTokens(`${TOKEN}:a:admin`)).toThrow(/unknown role\(s\) admin/);
  });

  it('generates one distinct token per persona that round-trips through AUTH_TOKENS', () => {
    const tokens = generateLocalTokens();
    expect(new Set(tokens.map((t) => t.token)).size).toBe(tokens.length);
    expect(tokens.flatMap((t) => t.roles).sort()).toEqual([
      'approver',
      'eventbridge',
      'operator',
      'pipeline',
      'viewer',
    ]);
    expect(parseStaticTokens(formatStaticTokens(tokens))).toEqual(tokens);
  });

  it('finds the token that carries a role, and says so when none does', () => {
    const tokens = parseStaticTokens(`${TOKEN}:alice@corp:approver+viewer,other-token-123456:ci:pipeline`);
    expect(tokenFor(tokens, 'pipeline')).toBe('other-token-123456');
    expect(tokenFor(tokens, 'viewer')).toBe(TOKEN);
    expect(tokenFor(tokens, 'operator')).toBeUndefined();
    expect(requireTokenFor(tokens, 'approver')).toBe(TOKEN);
    expect(() => requireTokenFor(tokens, 'operator')).toThrow(/no token carries the role operator/);
  });
});

describe('JWTs verified against a JWKS', () => {
  let jose: typeof Jose;
  let server: Server;
  let jwksUrl: string;
  let privateKey: PrivateKey;
  const issuer = 'https://idp.test/';
  const audience = 'model-version-lifecycle';

  beforeAll(async () => {
    jose = await import('jose');
    const pair = await jose.generateKeyPair('RS256');
    privateKey = pair.privateKey;
    const jwk = { ...(await jose.exportJWK(pair.publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
    server = createServer((_req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ keys: [jwk] }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    jwksUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks.json`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const now = () => Math.floor(Date.now() / 1000);
  /** `exp`/`iat`/`nbf` in seconds from now; `exp: null` and `iat: null` leave the claim out. */
  const sign = (
    claims: Record<string, unknown>,
    options: {
      iss?: string;
      aud?: string;
      exp?: number | null;
      iat?: number | null;
      nbf?: number;
      key?: PrivateKey;
    } = {},
  ) => {
    const jwt = new jose.SignJWT(claims)
      .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
      .setIssuer(options.iss ?? issuer)
      .setAudience(options.aud ?? audience);
    if (options.iat !== null) jwt.setIssuedAt(now() + (options.iat ?? 0));
    if (options.exp !== null) jwt.setExpirationTime(now() + (options.exp ?? 300));
    if (options.nbf !== undefined) jwt.setNotBefore(now() + options.nbf);
    return jwt.sign(options.key ?? privateKey);
  };

  const MAX_LIFETIME = 3600;
  const SKEW = 30;
  const authenticator = (rolesClaim = 'roles') =>
    createAuthenticator({
      jwt: {
        jwksUrl,
        issuer,
        audience,
        identityClaim: 'sub',
        rolesClaim,
        maxLifetimeSeconds: MAX_LIFETIME,
        clockSkewSeconds: SKEW,
      },
    });

  it('identity from sub, roles from the claim (unknown roles dropped)', async () => {
    const token = await sign({ sub: 'bob@corp', roles: ['approver', 'admin'] });
    expect(await authenticator().authenticate(`Bearer ${token}`)).toEqual({
      identity: 'bob@corp',
      roles: ['approver'],
      via: 'jwt',
    });
  });

  it('reads nested and space-separated role claims', async () => {
    const nested = await sign({ sub: 'op', realm_access: { roles: ['operator'] } });
    expect((await authenticator('realm_access.roles').authenticate(`Bearer ${nested}`))?.roles).toEqual([
      'operator',
    ]);
    const spaced = await sign({ sub: 'v', scope: 'viewer pipeline' });
    expect((await authenticator('scope').authenticate(`Bearer ${spaced}`))?.roles).toEqual([
      'viewer',
      'pipeline',
    ]);
  });

  it('refuses a wrong issuer, a wrong audience, an expired token and a foreign key', async () => {
    const auth = authenticator();
    const foreign = (await jose.generateKeyPair('RS256')).privateKey;
    const bad = await Promise.all([
      sign({ sub: 'x', roles: ['viewer'] }, { iss: 'https://evil/' }),
      sign({ sub: 'x', roles: ['viewer'] }, { aud: 'another-service' }),
      sign({ sub: 'x', roles: ['viewer'] }, { exp: -60 }),
      sign({ sub: 'x', roles: ['viewer'] }, { key: foreign }),
    ]);
    for (const token of bad) expect(await auth.authenticate(`Bearer ${token}`)).toBeUndefined();
  });

  it('requires exp, bounds the lifetime, honours nbf and iat, each within the clock skew', async () => {
    const auth = authenticator();
    const accepted = async (options: Parameters<typeof sign>[1]) =>
      (await auth.authenticate(`Bearer ${await sign({ sub: 'x', roles: ['viewer'] }, options)}`)) !==
      undefined;
    expect(await accepted({})).toBe(true);
    expect(await accepted({ exp: null })).toBe(false);
    expect(await accepted({ exp: MAX_LIFETIME })).toBe(true);
    expect(await accepted({ exp: MAX_LIFETIME + SKEW + 60 })).toBe(false);
    expect(await accepted({ iat: null, exp: MAX_LIFETIME + SKEW + 60 })).toBe(false);
    expect(await accepted({ iat: -(MAX_LIFETIME - 120), exp: 60 })).toBe(true);
    expect(await accepted({ iat: -MAX_LIFETIME, exp: 120 })).toBe(false);
    expect(await accepted({ nbf: SKEW + 60 })).toBe(false);
    expect(await accepted({ nbf: SKEW - 10 })).toBe(true);
    expect(await accepted({ iat: SKEW + 60, exp: SKEW + 120 })).toBe(false);
    expect(await accepted({ exp: -(SKEW - 10) })).toBe(true);
    expect(await accepted({ exp: -(SKEW + 10) })).toBe(false);
  });
});
