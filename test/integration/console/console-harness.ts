/**
 * The approval console behind a real lifecycle: the API (serving /console) on a real port, the
 * lifecycle worker with the real activities against the AWS emulator (emulator-harness), the run's
 * shared Temporal server, and headless Chromium from the machine's package driven by playwright-core.
 */
import { chromium, type Browser, type Page } from 'playwright-core';
import { describeServingLineage, planRevert } from '../../../activities';
import { Authenticator } from '../../../src/api/auth/authenticator';
import { createJwtVerifier } from '../../../src/api/auth/jwt-verifier';
import { StaticTokenTable } from '../../../src/api/auth/static-tokens';
import type { JwtConfig, OidcSignInConfig } from '../../../src/config';
import type { LifecycleState } from '../../../src/shared/lifecycle-state';
import { createTestApi, TOKENS, type Persona } from '../api/api-harness';
import { emulatorRequest, startEmulatorHarness, type EmulatorHarness } from '../emulator/emulator-harness';

export interface ConsoleHarness {
  emu: EmulatorHarness;
  baseUrl: string;
  browser: Browser;
  call<T = Record<string, unknown>>(
    as: Persona,
    method: string,
    path: string,
    body?: unknown,
  ): Promise<{ status: number; body: T }>;
  /** A new browser page, signed in through the sign-in form when `as` is given. */
  open(as?: Persona, hash?: string): Promise<Page>;
  /** POST /model-versions as `as` (a pipeline role) with an emulator-shaped request; returns the id. */
  register(
    as: Persona,
    overrides?: Parameters<typeof emulatorRequest>[0],
  ): Promise<{ id: string; group: string; endpoint: string }>;
  state(id: string): Promise<LifecycleState>;
  /** Polls the API until the state satisfies `ok`. */
  waitFor(
    id: string,
    ok: (s: LifecycleState) => boolean,
    what: string,
    timeoutMs?: number,
  ): Promise<LifecycleState>;
  stop(): Promise<void>;
}

export interface ConsoleHarnessOptions {
  /** JWTs accepted besides the personas' static tokens (an identity provider's). */
  jwt?: JwtConfig;
  /** The console's OpenID Connect sign-in. */
  consoleSignIn?: OidcSignInConfig;
}

export async function startConsoleHarness(
  chromiumPath: string,
  options: ConsoleHarnessOptions = {},
): Promise<ConsoleHarness> {
  const emu = await startEmulatorHarness();
  const app = await createTestApi(
    emu.temporal.client,
    emu.temporal.taskQueue,
    (name) => describeServingLineage(emu.aws.sagemaker, name),
    undefined,
    {
      planRevert: (input) => planRevert(emu.aws.sagemaker, input),
      ...(options.jwt
        ? {
            authenticator: new Authenticator(
              new StaticTokenTable(Object.values(TOKENS)),
              createJwtVerifier(options.jwt),
            ),
          }
        : {}),
      consoleSignIn: options.consoleSignIn,
    },
  );
  await app.listen(0, '127.0.0.1');
  const baseUrl = await app.getUrl();
  const browser = await chromium.launch({ executablePath: chromiumPath, args: ['--no-sandbox'] });

  const call: ConsoleHarness['call'] = async (as, method, path, body) => {
    const res = await fetch(`${baseUrl}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${TOKENS[as].token}`,
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      body: body !== undefined ? JSON.stringify(body) : undefined,
    });
    return { status: res.status, body: (await res.json()) as never };
  };

  const state = async (id: string) => {
    const res = await call<LifecycleState>('viewer', 'GET', `/model-versions/${id}`);
    if (res.status !== 200)
      throw new Error(`GET /model-versions/${id}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  };

  return {
    emu,
    baseUrl,
    browser,
    call,
    state,
    async open(as, hash = '') {
      const page = await browser.newPage({ viewport: { width: 1366, height: 860 } });
      await page.goto(`${baseUrl}/console/${hash ? `#${hash}` : ''}`);
      if (as) {
        await page.getByLabel('Bearer token').fill(TOKENS[as].token);
        await page.getByRole('button', { name: 'Sign in' }).click();
        await page.locator('#session-who', { hasText: `Signed in as ${TOKENS[as].identity}` }).waitFor();
      }
      return page;
    },
    async register(as, overrides) {
      const { registeredBy: _ignored, ...body } = emulatorRequest(overrides);
      const res = await call<{ id: string }>(as, 'POST', '/model-versions', body);
      if (res.status !== 201)
        throw new Error(`POST /model-versions: ${res.status} ${JSON.stringify(res.body)}`);
      return {
        id: res.body.id,
        group: body.modelPackageGroup,
        endpoint: body.deployment.productionEndpointName,
      };
    },
    async waitFor(id, ok, what, timeoutMs = 90_000) {
      const deadline = Date.now() + timeoutMs;
      let last: LifecycleState | undefined;
      while (Date.now() < deadline) {
        last = await state(id);
        if (ok(last)) return last;
        await new Promise((r) => setTimeout(r, 250));
      }
      throw new Error(`${id} never reached ${what}; last stage ${last?.stage}`);
    },
    async stop() {
      await browser.close();
      await app.close();
      await emu.stop();
    },
  };
}
