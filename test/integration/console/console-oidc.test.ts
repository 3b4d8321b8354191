/**
 * Signing in to the console at the identity provider (OpenID Connect, Authorization Code with PKCE)
 * in Chromium, against a real provider (oidc-provider, test-identity-provider.ts) and the API with
 * real lifecycles on the emulator: the user clicks "Sign in with …", logs in on the provider's own
 * page, comes back signed in with the roles of the token's claims and approves a version under
 * that identity; a refused sign-in (access_denied), an answer to another sign-in (state) and an
 * expired token each end on the sign-in page with a sentence; sign-out empties session storage.
 */
import type { NestExpressApplication } from '@nestjs/platform-express';
import { Client, Connection } from '@temporalio/client';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findChromium } from '../../../dev/chromium';
import { Authenticator } from '../../../src/api/auth/authenticator';
import { createJwtVerifier } from '../../../src/api/auth/jwt-verifier';
import { StaticTokenTable } from '../../../src/api/auth/static-tokens';
import { createApi } from '../../../src/api/create-api';
import type { JwtConfig } from '../../../src/config';
import { recordingStudioDecisions } from '../api/api-harness';
import { startConsoleHarness, type ConsoleHarness } from './console-harness';
import {
  API_RESOURCE,
  startTestIdentityProvider,
  TEST_CLIENT_ID,
  type TestIdentityProvider,
} from './test-identity-provider';

const chromiumPath = findChromium();
if (!chromiumPath) console.warn('[console-oidc] SKIPPED: no Chromium (see npm run setup:chromium).');

const TOKEN_KEY = 'mvl.console.token';
const PENDING_KEY = 'mvl.console.oidc.pending';

let idp: TestIdentityProvider;
let c: ConsoleHarness;
/** The API and console's origin is only known once it listens; the provider needs the redirect URI first. */
let consoleUrl: string;
/** A second API whose audience is the provider's resource: it takes the access token. Sign-in only, no Temporal. */
let resourceApi: NestExpressApplication;
let resourceConsoleUrl: string;

const jwtSettings = (audience: string): JwtConfig => ({
  jwksUrl: idp.jwksUrl,
  issuer: idp.issuer,
  audience,
  identityClaim: 'sub',
  rolesClaim: 'roles',
  maxLifetimeSeconds: 3600,
  clockSkewSeconds: 0,
});
const signInSettings = (audience: string) => ({
  issuer: idp.issuer,
  clientId: TEST_CLIENT_ID,
  scopes: 'openid profile',
  audience,
});

beforeAll(async () => {
  if (!chromiumPath) return;
  idp = await startTestIdentityProvider();
  c = await startConsoleHarness(chromiumPath, {
    jwt: jwtSettings(TEST_CLIENT_ID),
    consoleSignIn: signInSettings(TEST_CLIENT_ID),
  });
  consoleUrl = `${c.baseUrl}/console/`;
  resourceApi = await createApi(
    {
      temporalClient: new Client({
        connection: Connection.lazy({ address: '127.0.0.1:1', connectTimeout: 500 }),
      }),
      settings: { namespace: 'default', taskQueue: 'none', commandTimeoutMs: 1000 },
      authenticator: new Authenticator(
        new StaticTokenTable([]),
        createJwtVerifier(jwtSettings(API_RESOURCE)),
      ),
      readServingLineage: async () => null,
      planRevert: async () => {
        throw new Error('no reverts in this test');
      },
      studioDecisions: recordingStudioDecisions(),
      consoleSignIn: signInSettings(API_RESOURCE),
    },
    { logger: false },
  );
  await resourceApi.listen(0, '127.0.0.1');
  resourceConsoleUrl = `${await resourceApi.getUrl()}/console/`;
  idp.registerConsole(consoleUrl, resourceConsoleUrl);
});
afterAll(async () => {
  await c?.stop();
  await resourceApi?.close();
  await idp?.stop();
});

const providerButton = (page: Page) =>
  page.getByRole('button', { name: `Sign in with ${new URL(idp.issuer).host}`, exact: true });

/** On the provider's development login form: any password will do for a known user. */
async function logInAtProvider(page: Page, login: string, backTo = consoleUrl) {
  await page.waitForURL((url) => url.href.startsWith(idp.issuer));
  await page.locator('input[name=login]').fill(login);
  await page.locator('input[name=password]').fill('any password');
  await page.getByRole('button', { name: 'Sign-in' }).click();
  // The consent page, once per sign-in with this development form.
  await page.getByRole('button', { name: 'Continue' }).click();
  await page.waitForURL((url) => url.href.startsWith(backTo));
}

const claimsOf = (token: string | null) =>
  JSON.parse(Buffer.from(token!.split('.')[1]!, 'base64url').toString()) as Record<string, unknown>;

async function waitForText(page: Page, selector: string, pattern: RegExp, timeout = 30_000) {
  try {
    await page.locator(selector, { hasText: pattern }).first().waitFor({ timeout });
  } catch (err) {
    const shown = await page
      .locator('body')
      .innerText()
      .catch(() => '(page closed)');
    throw new Error(`${(err as Error).message}\n--- the page showed (${page.url()}):\n${shown}`);
  }
}

const stored = (page: Page, key: string) =>
  page.evaluate<string | null>(`sessionStorage.getItem(${JSON.stringify(key)})`);

describe.skipIf(!chromiumPath)('console sign-in at the OpenID Connect provider', () => {
  it('tells the page which provider to use, and lets it connect there', async () => {
    const res = await fetch(`${c.baseUrl}/console/config.json`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      oidc: {
        issuer: idp.issuer,
        clientId: TEST_CLIENT_ID,
        scopes: 'openid profile',
        audience: TEST_CLIENT_ID,
      },
    });
    const page = await fetch(`${c.baseUrl}/console/`);
    expect(page.headers.get('content-security-policy')).toContain(`connect-src 'self' ${idp.issuer}`);
  });

  it('signs an approver in at the provider, back on the page they were on, and approves under their identity', async () => {
    const v = await c.register('pipeline');
    await c.waitFor(v.id, (s) => s.stage === 'awaiting-approval', 'awaiting approval');
    const page = await c.browser.newPage();
    await page.goto(`${consoleUrl}#/versions/${encodeURIComponent(v.id)}`);
    await providerButton(page).waitFor();
    expect(await page.evaluate('document.activeElement?.id')).toBe('oidc-sign-in');
    const authorize = page.waitForRequest((r) => r.url().startsWith(`${idp.issuer}/auth?`));
    await page.keyboard.press('Enter'); // reachable from the keyboard

    // What the console asked the provider for: the code flow with PKCE S256, a state and a nonce.
    const asked = Object.fromEntries(new URL((await authorize).url()).searchParams);
    expect(asked).toEqual({
      response_type: 'code',
      client_id: TEST_CLIENT_ID,
      redirect_uri: consoleUrl,
      scope: 'openid profile',
      state: expect.stringMatching(/^[\w-]{22}$/),
      nonce: expect.stringMatching(/^[\w-]{22}$/),
      code_challenge: expect.stringMatching(/^[\w-]{43}$/),
      code_challenge_method: 'S256',
    });
    await logInAtProvider(page, 'ada@idp.test');

    await waitForText(page, '#session-who', /^Signed in as ada@idp\.test \(approver\)$/);
    // The answer is gone from the address bar (a reload must not replay it) and the route is back.
    expect(page.url()).toBe(`${consoleUrl}#/versions/${encodeURIComponent(v.id)}`);
    await page.getByRole('heading', { name: `${v.group} v1: decision` }).waitFor();
    const token = await stored(page, TOKEN_KEY);
    const claims = claimsOf(token);
    // The ID token: its aud is the client id, which is the API's audience here.
    expect(claims).toMatchObject({
      iss: idp.issuer,
      aud: TEST_CLIENT_ID,
      sub: 'ada@idp.test',
      roles: ['approver'],
    });
    expect(await stored(page, PENDING_KEY)).toBeNull();

    await page.getByLabel('Comment').fill('approved after signing in at the identity provider');
    await page.getByRole('button', { name: 'Approve' }).click();
    await waitForText(page, '#comment-feedback', /^Approved\.$/);
    const decided = await c.waitFor(v.id, (s) => s.approval?.decision !== undefined, 'a decision');
    expect(decided.approval!.decision).toMatchObject({ status: 'Approved', by: 'ada@idp.test' });

    await page.getByRole('button', { name: 'Sign out' }).click();
    await providerButton(page).waitFor();
    expect(await stored(page, TOKEN_KEY)).toBeNull();
    expect(await page.evaluate('sessionStorage.length')).toBe(0);
    await page.close();
  });

  it('says so when the user cancels at the provider (access_denied), without going back there', async () => {
    const page = await c.browser.newPage();
    await page.goto(consoleUrl);
    await providerButton(page).click();
    await page.waitForURL((url) => url.href.startsWith(idp.issuer));
    await page.getByRole('link', { name: '[ Cancel ]' }).click();
    await page.waitForURL((url) => url.href.startsWith(consoleUrl));
    await waitForText(
      page,
      '#sign-in-error',
      /^The identity provider refused the sign-in \(access_denied\): End-User aborted interaction\.$/,
    );
    expect(page.url()).toBe(consoleUrl);
    expect(await page.evaluate('sessionStorage.length')).toBe(0);
    expect(await page.locator('#session').isHidden()).toBe(true);
    await page.close();
  });

  it("keeps the access token when its aud is the API's audience (a resource), not the ID token", async () => {
    const page = await c.browser.newPage();
    await page.goto(resourceConsoleUrl);
    await providerButton(page).click();
    await logInAtProvider(page, 'ada@idp.test', resourceConsoleUrl);
    await waitForText(page, '#session-who', /^Signed in as ada@idp\.test \(approver\)$/);
    const claims = claimsOf(await stored(page, TOKEN_KEY));
    expect(claims).toMatchObject({
      iss: idp.issuer,
      aud: API_RESOURCE,
      client_id: TEST_CLIENT_ID,
      roles: ['approver'],
    });
    expect(claims).not.toHaveProperty('nonce'); // an ID token would carry the sign-in's nonce

    // A kept token the API no longer accepts is a sentence on the next load, not a silent sign-in page.
    await page.evaluate(`sessionStorage.setItem('${TOKEN_KEY}', 'x.' + btoa('{}') + '.y')`);
    await page.reload();
    await waitForText(
      page,
      '#sign-in-error',
      /^Your sign-in has expired or is no longer accepted by the API; sign in again\.$/,
    );
    expect(await stored(page, TOKEN_KEY)).toBeNull();
    await page.close();
  });

  it("ignores the provider's answer to another sign-in (state mismatch) and says so", async () => {
    const page = await c.browser.newPage();
    await page.goto(consoleUrl);
    // A first sign-in is started; its login page at the provider is kept…
    await providerButton(page).click();
    await page.waitForURL((url) => url.href.startsWith(idp.issuer));
    const firstLogin = page.url();
    // …a second one replaces it in this tab…
    await page.goto(consoleUrl);
    await providerButton(page).click();
    await page.waitForURL((url) => url.href.startsWith(idp.issuer));
    // …and the provider then answers the first: a real code, for a state this tab no longer expects.
    await page.goto(firstLogin);
    await logInAtProvider(page, 'ada@idp.test');
    await waitForText(
      page,
      '#sign-in-error',
      /^The identity provider's answer does not belong to the sign-in this tab started \(state mismatch\), so it was ignored; sign in again\.$/,
    );
    expect(await stored(page, TOKEN_KEY)).toBeNull();
    expect(await page.locator('#session').isHidden()).toBe(true);
    await page.close();
  });

  it("refuses an ID token replayed from an earlier sign-in (its nonce is not this sign-in's)", async () => {
    const page = await c.browser.newPage();
    await page.goto(consoleUrl);
    await providerButton(page).click();
    await logInAtProvider(page, 'ada@idp.test');
    await waitForText(page, '#session-who', /^Signed in as ada@idp\.test/);
    const earlier = await stored(page, TOKEN_KEY);
    await page.getByRole('button', { name: 'Sign out' }).click();

    // The next sign-in's token answer carries the earlier (valid, correctly signed) ID token instead.
    await page.route(`${idp.issuer}/token`, async (route) => {
      const answer = await route.fetch();
      const body = { ...((await answer.json()) as object), id_token: earlier };
      await route.fulfill({ response: answer, json: body });
    });
    // The provider's session outlives the console's sign-out: it answers at once, without its form.
    await providerButton(page).click();
    await waitForText(
      page,
      '#sign-in-error',
      /^The identity provider's ID token does not belong to this sign-in \(nonce, issuer or client differ\); sign in again\.$/,
    );
    expect(await stored(page, TOKEN_KEY)).toBeNull();
    await page.close();
  });

  it('signs the user out with a sentence when the token from the provider expires', async () => {
    idp.setIdTokenLifetime(6);
    try {
      const page = await c.browser.newPage();
      await page.goto(consoleUrl);
      await providerButton(page).click();
      await logInAtProvider(page, 'pat@idp.test');
      await waitForText(page, '#session-who', /^Signed in as pat@idp\.test \(pipeline\)$/);
      await waitForText(page, '#sign-in-error', /^Your sign-in expired at .+; sign in again\.$/, 30_000);
      expect(await stored(page, TOKEN_KEY)).toBeNull();
      await providerButton(page).waitFor();
      await page.close();
    } finally {
      idp.setIdTokenLifetime(600);
    }
  });
});
