/**
 * Signing in to the console with the identity provider's token when the API checks JWTs: the JWT an
 * IdP issued (signed by a key of its JWKS) is pasted as it is; the console shows the identity and
 * roles the API read from its claims, and an expired one is refused with the API's 401.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { INestApplication } from '@nestjs/common';
import { Client, Connection } from '@temporalio/client';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type * as Jose from 'jose' with { 'resolution-mode': 'import' };
import { findChromium } from '../../../dev/chromium';
import { createAuthenticator } from '../../../src/api/auth/create-authenticator';
import { createApi } from '../../../src/api/create-api';
import { recordingStudioDecisions } from '../api/api-harness';

const chromiumPath = findChromium();
if (!chromiumPath) console.warn('[console-jwt] SKIPPED: no Chromium (see npm run setup:chromium).');

const issuer = 'https://idp.test';
const audience = 'mvl-api';
let jose: typeof Jose;
let sign: (claims: Record<string, unknown>, expiresInSeconds: number) => Promise<string>;
let jwks: Server;
let app: INestApplication;
let baseUrl: string;
let browser: Browser;

beforeAll(async () => {
  if (!chromiumPath) return;
  jose = await import('jose');
  const { privateKey, publicKey } = await jose.generateKeyPair('RS256');
  const jwk = { ...(await jose.exportJWK(publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
  jwks = createServer((_req, res) =>
    res.setHeader('content-type', 'application/json').end(JSON.stringify({ keys: [jwk] })),
  );
  await new Promise<void>((resolve) => jwks.listen(0, '127.0.0.1', resolve));
  const now = () => Math.floor(Date.now() / 1000);
  sign = (claims, expiresInSeconds) =>
    new jose.SignJWT(claims)
      .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
      .setIssuer(issuer)
      .setAudience(audience)
      .setIssuedAt(now() - 600)
      .setExpirationTime(now() + expiresInSeconds)
      .sign(privateKey);
  app = await createApi(
    {
      // Signing in (GET /whoami) needs no Temporal.
      temporalClient: new Client({
        connection: Connection.lazy({ address: '127.0.0.1:1', connectTimeout: 500 }),
      }),
      settings: { namespace: 'default', taskQueue: 'none', commandTimeoutMs: 1000 },
      authenticator: createAuthenticator({
        jwt: {
          jwksUrl: `http://127.0.0.1:${(jwks.address() as AddressInfo).port}/jwks.json`,
          issuer,
          audience,
          identityClaim: 'email',
          rolesClaim: 'realm_access.roles',
          maxLifetimeSeconds: 3600,
          clockSkewSeconds: 30,
        },
      }),
      readServingLineage: async () => null,
      planRevert: async () => {
        throw new Error('no reverts in this test');
      },
      studioDecisions: recordingStudioDecisions(),
    },
    { logger: false },
  );
  await app.listen(0, '127.0.0.1');
  baseUrl = await app.getUrl();
  browser = await chromium.launch({ executablePath: chromiumPath, args: ['--no-sandbox'] });
});
afterAll(async () => {
  await browser?.close();
  await app?.close();
  if (jwks) await new Promise<void>((resolve) => jwks.close(() => resolve()));
});

describe.skipIf(!chromiumPath)('console sign-in with a JWT from the identity provider', () => {
  it("shows the identity and roles from the token's claims; an expired token is the API's 401", async () => {
    const page = await browser.newPage();
    await page.goto(`${baseUrl}/console/`);
    const claims = { email: 'ada@idp.test', realm_access: { roles: ['approver', 'not-a-role'] } };

    await page.getByLabel('Bearer token').fill(await sign(claims, -120));
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.locator('#sign-in-error', { hasText: /not accepted by the API \(401\)/ }).waitFor();

    await page.getByLabel('Bearer token').fill(`Bearer ${await sign(claims, 300)}`);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.locator('#session-who', { hasText: /^Signed in as ada@idp\.test \(approver\)$/ }).waitFor();
    await page.getByRole('heading', { name: 'Awaiting approval' }).waitFor();
    expect(await page.evaluate('sessionStorage.getItem("mvl.console.token")')).not.toMatch(/^Bearer/);
    await page.close();
  });

  it('offers no provider sign-in without AUTH_OIDC_CLIENT_ID: config.json says none, the page only takes a token', async () => {
    const res = await fetch(`${baseUrl}/console/config.json`);
    expect(await res.json()).toEqual({ oidc: null });
    expect((await fetch(`${baseUrl}/console/`)).headers.get('content-security-policy')).toContain(
      "connect-src 'self';",
    );
    const page = await browser.newPage();
    await page.goto(`${baseUrl}/console/`);
    await page.getByLabel('Bearer token').waitFor();
    expect(await page.locator('#oidc-sign-in').count()).toBe(0);
    expect(await page.locator('#session').isHidden()).toBe(true);
    await page.close();
  });
});
