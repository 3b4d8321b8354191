/**
 * JWT auth through HTTP against the real Nest app: the checks the authenticator makes (exp required,
 * lifetime bounded, nbf and iat honoured within the clock skew, issuer and audience) decide a real
 * request's fate. A token that passes gets past the guard (the endpoint route then answers 404:
 * nothing serves it), one that fails is a 401.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { INestApplication } from '@nestjs/common';
import { Client, Connection } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAuthenticator } from '../../../src/api/auth/create-authenticator';
import { createApi } from '../../../src/api/create-api';
import { recordingStudioDecisions } from './api-harness';
import type * as Jose from 'jose' with { 'resolution-mode': 'import' };

type PrivateKey = Awaited<ReturnType<typeof Jose.generateKeyPair>>['privateKey'];

const issuer = 'https://idp.test';
const audience = 'mvl-api';
let jose: typeof Jose;
let privateKey: PrivateKey;
let jwks: Server;
let app: INestApplication;
let baseUrl: string;

beforeAll(async () => {
  jose = await import('jose');
  const pair = await jose.generateKeyPair('RS256');
  privateKey = pair.privateKey;
  const jwk = { ...(await jose.exportJWK(pair.publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
  jwks = createServer((_req, res) =>
    res.setHeader('content-type', 'application/json').end(JSON.stringify({ keys: [jwk] })),
  );
  await new Promise<void>((resolve) => jwks.listen(0, '127.0.0.1', resolve));
  const jwksUrl = `http://127.0.0.1:${(jwks.address() as AddressInfo).port}/jwks.json`;
  const connection = Connection.lazy({ address: '127.0.0.1:1', connectTimeout: 500 });
  app = await createApi(
    {
      temporalClient: new Client({ connection }),
      settings: { namespace: 'default', taskQueue: 'none', commandTimeoutMs: 1000 },
      authenticator: createAuthenticator({
        jwt: {
          jwksUrl,
          issuer,
          audience,
          identityClaim: 'sub',
          rolesClaim: 'roles',
          maxLifetimeSeconds: 3600,
          clockSkewSeconds: 30,
        },
      }),
      readServingLineage: async () => null,
      studioDecisions: recordingStudioDecisions(),
      planRevert: async () => {
        throw new Error('no SageMaker in this test');
      },
    },
    { logger: false },
  );
  await app.listen(0, '127.0.0.1');
  baseUrl = await app.getUrl();
});
afterAll(async () => {
  await app?.close();
  await new Promise<void>((resolve) => jwks.close(() => resolve()));
});

const now = () => Math.floor(Date.now() / 1000);

function sign(options: { exp?: number | null; iat?: number | null; nbf?: number; iss?: string } = {}) {
  const jwt = new jose.SignJWT({ sub: 'vera@idp', roles: ['viewer'] })
    .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
    .setIssuer(options.iss ?? issuer)
    .setAudience(audience);
  if (options.iat !== null) jwt.setIssuedAt(now() + (options.iat ?? 0));
  if (options.exp !== null) jwt.setExpirationTime(now() + (options.exp ?? 300));
  if (options.nbf !== undefined) jwt.setNotBefore(now() + options.nbf);
  return jwt.sign(privateKey);
}

async function statusWith(token: string): Promise<number> {
  const res = await fetch(`${baseUrl}/endpoints/churn-prod`, {
    headers: { authorization: `Bearer ${token}` },
  });
  await res.body?.cancel();
  return res.status;
}

describe('JWT auth over HTTP', () => {
  it('a well-formed, current token gets past the guard', async () => {
    expect(await statusWith(await sign())).toBe(404);
  });

  it.each([
    ['without exp', { exp: null }],
    ['expired beyond the clock skew', { exp: -120 }],
    ['living longer than the maximum lifetime', { exp: 7200 }],
    ['not valid before a time beyond the skew', { nbf: 120 }],
    ['issued in the future beyond the skew', { iat: 120, exp: 400 }],
    ['from another issuer', { iss: 'https://evil.test' }],
  ] as const)('a token %s is a 401', async (_what, options) => {
    expect(await statusWith(await sign(options))).toBe(401);
  });

  it('within the clock skew, a just-expired token still passes', async () => {
    expect(await statusWith(await sign({ exp: -10 }))).toBe(404);
  });
});
