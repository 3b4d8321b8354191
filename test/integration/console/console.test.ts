/**
 * The approval console in a real browser (headless Chromium from the machine's package, driven by
 * playwright-core) against the API and real lifecycles on the AWS emulator: sign-in, the inbox and an
 * approval with its comment, a registrant's self-approval refused (by the page, and by the API when
 * the page is bypassed), a rollout followed live to promotion, and an operator's rollback.
 * `CONSOLE_SCREENSHOTS_DIR=docs` (npm run docs:screenshots) also writes the README's screenshots.
 */
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { DescribeEndpointCommand } from '@aws-sdk/client-sagemaker';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findChromium } from '../../../dev/chromium';
import { TOKENS } from '../api/api-harness';
import { seedProduction } from '../emulator/emulator-harness';
import { startConsoleHarness, type ConsoleHarness } from './console-harness';

const chromiumPath = findChromium();
if (!chromiumPath) {
  console.warn(
    '[console] SKIPPED the browser tests: no Chromium at CHROMIUM_PATH or /usr/bin/chromium. `npm run setup:chromium` installs it (as root, with apt-get).',
  );
}
const screenshotsDir = process.env.CONSOLE_SCREENSHOTS_DIR;
const LIFECYCLE_MS = 150_000;

let c: ConsoleHarness;
beforeAll(async () => {
  if (chromiumPath) c = await startConsoleHarness(chromiumPath);
});
afterAll(async () => c?.stop());

const text = async (page: Page, selector: string) => (await page.locator(selector).innerText()).trim();
/** The text of each cell, row by row. */
async function cellsOf(page: Page, rowSelector: string): Promise<string[][]> {
  const rows = await page.locator(rowSelector).all();
  return Promise.all(rows.map((row) => row.locator('td').allTextContents()));
}

/** Waits for `selector` to show `pattern`; on a timeout the error carries what the page showed instead. */
async function waitForText(page: Page, selector: string, pattern: RegExp, timeout = 30_000) {
  try {
    await page.locator(selector, { hasText: pattern }).first().waitFor({ timeout });
  } catch (err) {
    const shown = await page
      .locator('main')
      .innerText()
      .catch(() => '(page closed)');
    throw new Error(`${(err as Error).message}\n--- the page showed:\n${shown}`);
  }
}
const stageIs = (page: Page, label: string, timeout = LIFECYCLE_MS) =>
  waitForText(page, '#rollout-live .badge', new RegExp(`^${label}$`), timeout);

/** A group whose endpoint serves v1 (approved, auc 0.88) with traffic, before any lifecycle starts. */
async function seededEndpoint() {
  const group = `console-${randomUUID().slice(0, 8)}`;
  const endpoint = `${group}-prod`;
  await seedProduction(c.emu, group, endpoint);
  return { group, endpoint };
}

async function seededVersion() {
  return c.register('pipeline', await seededEndpoint());
}

describe.skipIf(!chromiumPath).concurrent('approval console in Chromium', () => {
  it('signs in with a pasted token kept for the tab, refuses an unknown token, and signs out', async () => {
    const page = await c.open();
    await page.getByLabel('Bearer token').fill('tok-unknown-0000000000');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await waitForText(page, '#sign-in-error', /not accepted by the API \(401\)/);
    expect(await page.evaluate('sessionStorage.length')).toBe(0);

    await page.getByLabel('Bearer token').fill(TOKENS.approver.token);
    await page.keyboard.press('Enter'); // the form submits from the keyboard too
    await waitForText(page, '#session-who', /^Signed in as alice@test \(approver\)$/);
    await page.getByRole('heading', { name: 'Awaiting approval' }).waitFor();
    expect(await page.evaluate("sessionStorage.getItem('mvl.console.token')")).toBe(TOKENS.approver.token);

    await page.reload();
    await waitForText(page, '#session-who', /^Signed in as alice@test \(approver\)$/);
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByLabel('Bearer token').waitFor();
    expect(await page.evaluate('sessionStorage.length')).toBe(0);
    await page.close();
  });

  it('lists the versions awaiting approval oldest first and approves one with the required comment', async () => {
    const target = await seededEndpoint();
    // One after the other, so the older start is also the older package version (v2).
    const older = await c.register('pipeline', target);
    await c.waitFor(older.id, (s) => s.stage === 'awaiting-approval', 'awaiting-approval');
    const newer = await c.register('pipeline', target);
    await c.waitFor(newer.id, (s) => s.stage === 'awaiting-approval', 'awaiting-approval');
    const page = await c.open('approver', `/?group=${older.group}&stage=awaiting-approval`);
    await page.locator('table.inbox tbody tr').nth(1).waitFor();
    const rows = await cellsOf(page, 'table.inbox tbody tr');
    expect(rows.map((r) => [r[0], r[1], r[2], r[3]])).toEqual([
      [older.group, 'v2', 'awaiting approval', 'pipeline@test'],
      [older.group, 'v3', 'awaiting approval', 'pipeline@test'],
    ]);
    expect(rows[0]![5]).toMatch(/^in (6 d 23 h|7 d)/);
    if (screenshotsDir) await page.screenshot({ path: join(screenshotsDir, 'console-inbox.png') });

    await page.getByRole('link', { name: 'v2' }).click();
    await page.getByRole('heading', { name: `${older.group} v2: decision` }).waitFor();
    const auc = await page.locator('table.comparison tbody tr', { hasText: 'auc' }).innerText();
    expect(auc.split('\t').map((s) => s.trim())).toEqual(['auc', '0.91', '0.88', '+0.03']);
    expect(await page.locator('table.comparison thead th').allTextContents()).toEqual([
      'Metric',
      'Candidate',
      'Serving (v1)',
      'Difference',
    ]);
    expect(await text(page, 'section[aria-labelledby="h-lineage"]')).toMatch(
      /s3:\/\/data\/churn \(version 8\)[\s\S]*def456/,
    );

    // No comment, no decision: the page says so and sends nothing.
    await page.getByRole('button', { name: 'Approve' }).click();
    await waitForText(page, '#comment-feedback', /A comment is required/);
    expect((await c.state(older.id)).stage).toBe('awaiting-approval');

    await page.getByLabel('Comment').fill('auc +3 points over v1, same latency');
    await page.getByRole('button', { name: 'Approve' }).click();
    await waitForText(page, '#comment-feedback', /^Approved\.$/);
    const approved = await c.waitFor(older.id, (s) => s.approval?.decision !== undefined, 'a decision');
    expect(approved.approval!.decision).toMatchObject({ status: 'Approved', by: 'alice@test' });
    expect(approved.approval!.approvals).toEqual([
      expect.objectContaining({ by: 'alice@test', comment: 'auc +3 points over v1, same latency' }),
    ]);

    // A page opened before someone else decided: the API's 409 comes back as a sentence.
    const stale = await c.open('approver', `/versions/${newer.id}`);
    await stale.getByRole('heading', { name: `${older.group} v3: decision` }).waitFor();
    const rejected = await c.call('pipelineApprover', 'POST', `/model-versions/${newer.id}/reject`, {
      comment: 'superseded by v2',
    });
    expect(rejected.status).toBe(200);
    await stale.getByLabel('Comment').fill('looks fine');
    await stale.getByRole('button', { name: 'Approve' }).click();
    await waitForText(stale, '#comment-feedback', /^The API refused this now \(409\): .+\.$/);
    await page.close();
    await stale.close();
  });

  it("shows the registrant the approve button disabled with the reason, and the API's 403 when the page is bypassed", async () => {
    const own = await c.register('pipelineApprover');
    await c.waitFor(own.id, (s) => s.stage === 'awaiting-approval', 'awaiting-approval');
    const page = await c.open('pipelineApprover', `/versions/${own.id}`);
    const approve = page.getByRole('button', { name: 'Approve' });
    await approve.waitFor();
    expect(await approve.isDisabled()).toBe(true);
    expect(await text(page, '[data-action="approve"]')).toBe(
      'Approve: you registered this version (carol@test), so another approver must decide.',
    );
    // The button names its reason for assistive technology too.
    expect(await approve.getAttribute('aria-describedby')).toBe('comment-approve-blocked');
    expect(await page.getByRole('button', { name: 'Reject' }).isDisabled()).toBe(false);

    // The page only explains; the API decides. Forcing the button on gets the API's refusal.
    await page.evaluate("document.querySelector('button[value=approve]').removeAttribute('disabled')");
    await page.getByLabel('Comment').fill('my own model is great');
    await approve.click();
    await waitForText(
      page,
      '#comment-feedback',
      /^The API refused this \(403\): the registrant may not approve their own version\.$/,
    );
    const after = await c.state(own.id);
    expect(after.stage).toBe('awaiting-approval');
    expect(after.approval!.approvals).toEqual([]);
    await page.close();
  });

  it(
    'follows a rollout live, step by step with verdicts, to promoted, and the endpoint page then names the version',
    async () => {
      const v = await seededVersion();
      await c.waitFor(v.id, (s) => s.stage === 'awaiting-approval', 'awaiting-approval');
      const page = await c.open('operator', `/versions/${v.id}/rollout`);
      await page.getByRole('heading', { name: `${v.group} v2: rollout` }).waitFor();
      expect(await page.getByRole('button', { name: 'Roll back' }).isDisabled()).toBe(true);
      expect(
        await c.call('approver', 'POST', `/model-versions/${v.id}/approve`, { comment: 'ok' }),
      ).toMatchObject({
        status: 200,
      });

      // The page updates itself: no reload from here on.
      // The 10 % step lasts one bake (5 s): weights and step are read from one poll's rendering.
      await waitForText(
        page,
        '#rollout-live',
        /canary \S+ 10 % · stable v1 90 %[\s\S]*10 %\s*baking/,
        LIFECYCLE_MS,
      );
      await waitForText(page, '#bake-remaining', /left of 5 s|judging the last look/);
      await waitForText(page, '.step-baking .step-weight', /^100 %$/, LIFECYCLE_MS);
      if (screenshotsDir)
        await page.screenshot({ path: join(screenshotsDir, 'console-rollout.png'), fullPage: true });
      await stageIs(page, 'promoted');
      expect(await page.locator('.step-done').count()).toBe(3);
      const verdicts = (await cellsOf(page, 'table.verdicts tbody tr')).map((cells) => cells.slice(1, 4));
      expect(verdicts.map(([w, s]) => [w, s])).toEqual([
        ['10 %', 'healthy'],
        ['50 %', 'healthy'],
        ['100 %', 'healthy'],
      ]);
      expect(verdicts[0]![2]).toMatch(/^\d+ calls · 0 5xx \(0\.00 %\) · \d+\.\d ms$/);
      // Canary points for three verdicts, stable points where stable still served (10 and 50 %).
      expect(await page.locator('svg.chart').first().locator('.canary circle').count()).toBe(3);
      expect(await page.locator('svg.chart').first().locator('.stable circle').count()).toBe(2);
      expect(await page.getByRole('button', { name: 'Roll back' }).isDisabled()).toBe(true);

      await page.getByRole('link', { name: `Endpoint ${v.endpoint}` }).click();
      await page.getByRole('heading', { name: `Endpoint ${v.endpoint}` }).waitFor();
      await waitForText(page, '.variant h3', /^v2: version 2 at 100 % of traffic$/);
      expect(await text(page, '.variant')).toMatch(/Approved by\s+alice@test/);
      const history = await text(page, 'table.history tbody');
      expect(history).toMatch(/v2\s+\S+\s+promoted/);

      // Going back from the endpoint page: only an operator may, and only with a reason.
      const approverPage = await c.open('approver', `/endpoints/${v.endpoint}`);
      await waitForText(approverPage, '[data-action="revert"]', /needs the operator role/);
      await approverPage.close();
      const revert = page.getByRole('button', { name: 'Revert to the previous version' });
      expect(await revert.isDisabled()).toBe(false);
      await revert.click();
      await waitForText(page, '#reason-feedback', /A reason is required/);
      await page.getByLabel('Reason').fill('v2 under investigation');
      await revert.click();
      await waitForText(page, '.variant h3', /^v1: version 1 at 100 % of traffic$/, LIFECYCLE_MS);
      expect(await text(page, 'table.history tbody')).toMatch(
        /revert v2 → v1 \(operator by oscar@test: v2 under investigation\)\s+\S+\s+reverted/,
      );
      const described = await c.emu.aws.sagemaker.send(
        new DescribeEndpointCommand({ EndpointName: v.endpoint }),
      );
      expect(described.ProductionVariants?.map((pv) => pv.VariantName)).toEqual(['v1']);
      await page.close();
    },
    LIFECYCLE_MS + 30_000,
  );

  it(
    "rolls a canary back from the operator's button, with the required reason",
    async () => {
      const v = await seededVersion();
      await c.waitFor(v.id, (s) => s.stage === 'awaiting-approval', 'awaiting-approval');
      expect(
        (await c.call('approver', 'POST', `/model-versions/${v.id}/approve`, { comment: 'ok' })).status,
      ).toBe(200);

      const approverPage = await c.open('approver', `/versions/${v.id}/rollout`);
      await waitForText(approverPage, '[data-action="rollback"]', /needs the operator role/);
      await approverPage.close();

      const page = await c.open('operator', `/versions/${v.id}/rollout`);
      await waitForText(page, '.step-baking .step-weight', /^10 %$/, LIFECYCLE_MS);
      const rollback = page.getByRole('button', { name: 'Roll back' });
      expect(await rollback.isDisabled()).toBe(false);
      await rollback.click();
      await waitForText(page, '#reason-feedback', /A reason is required/);
      await page.getByLabel('Reason').fill('p99 regression in the dashboards');
      await rollback.click();
      await waitForText(page, '#reason-feedback', /^Rollback sent/);
      await stageIs(page, 'rolled back');
      expect(await text(page, '#rollout-live')).toMatch(
        /operator by oscar@test: p99 regression in the dashboards/,
      );
      const final = await c.state(v.id);
      // The step the rollback stopped, and those never reached (how far it got depends on the machine's pace).
      const { steps, stepIndex } = final.canary!;
      expect(await page.locator('.step-stopped .step-weight').allTextContents()).toEqual([
        `${steps[stepIndex]} %`,
      ]);
      expect(await page.locator('.step-not-reached').count()).toBe(steps.length - stepIndex - 1);
      expect(final.rollback).toMatchObject({
        cause: 'operator',
        by: 'oscar@test',
        reason: 'p99 regression in the dashboards',
      });
      const endpoint = await c.emu.aws.sagemaker.send(
        new DescribeEndpointCommand({ EndpointName: v.endpoint }),
      );
      expect(endpoint.ProductionVariants?.map((pv) => pv.VariantName)).toEqual(['v1']);
      await page.close();
    },
    LIFECYCLE_MS + 30_000,
  );
});
