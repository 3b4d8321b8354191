/**
 * The approval gate with its default 7-day deadline, on the time-skipping test server: the week
 * passes on the server's clock in well under a second of wall-clock time.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SEVEN_DAYS_SECONDS } from '../../../src/shared/lifecycle-input';
import { approveSignal } from '../../../src/shared/messages';
import { LifecycleStageKey } from '../../../src/shared/search-attributes';
import { startLifecycle, stateOf, waitForStage } from '../workflows/lifecycle-harness';
import {
  DAY_MS,
  defaultsRequest,
  enteredAt,
  startTimeSkippingHarness,
  type TimeSkippingHarness,
} from './defaults-harness';

let h: TimeSkippingHarness;
beforeAll(async () => {
  h = await startTimeSkippingHarness();
}, 180_000);
afterAll(async () => h?.stop());

// Sequential: the server's clock is shared by every workflow on it.
describe('approval deadline at its default (7 days), time skipped', () => {
  it('a version nobody decides on waits 7 days, then expires and is marked Rejected', async () => {
    const wallStart = Date.now();
    const handle = await startLifecycle(h, defaultsRequest());
    await waitForStage(handle, 'awaiting-approval');
    expect((await handle.describe()).typedSearchAttributes.get(LifecycleStageKey)).toBe('awaiting-approval');

    const final = await handle.result();

    expect(final.stage).toBe('expired');
    expect(final.outcome).toMatch(new RegExp(`no decision within ${SEVEN_DAYS_SECONDS} s`));
    const waited = enteredAt(final, 'expired') - enteredAt(final, 'awaiting-approval');
    expect(waited).toBeGreaterThanOrEqual(7 * DAY_MS);
    expect(waited).toBeLessThan(7 * DAY_MS + 60_000);
    expect((await handle.describe()).typedSearchAttributes.get(LifecycleStageKey)).toBe('expired');
    expect(h.fake.packages.get(final.modelPackageArn!)?.status).toBe('Rejected');
    expect(h.fake.notifications.find((n) => n.workflowId === final.workflowId)?.kind).toBe('expired');
    console.info(`[time-skipping] 7-day expiry took ${Date.now() - wallStart} ms of wall-clock time`);
  });

  it('an approval on day 6 is still in time: the version goes on to production', async () => {
    const wallStart = Date.now();
    const handle = await startLifecycle(h, defaultsRequest());
    await waitForStage(handle, 'awaiting-approval');

    await h.temporal.env.sleep(6 * DAY_MS);
    expect((await stateOf(handle)).stage).toBe('awaiting-approval');
    await handle.signal(approveSignal, { by: 'alice', reason: 'looked at it on day 6' });
    const final = await handle.result();

    expect(final.stage).toBe('promoted');
    expect(final.approval?.decision).toMatchObject({ status: 'Approved', by: 'alice' });
    const decidedAfter = enteredAt(final, 'deploying-staging') - enteredAt(final, 'awaiting-approval');
    expect(decidedAfter).toBeGreaterThanOrEqual(6 * DAY_MS);
    expect(decidedAfter).toBeLessThan(7 * DAY_MS);
    expect((await handle.describe()).typedSearchAttributes.get(LifecycleStageKey)).toBe('promoted');
    expect(h.fake.packages.get(final.modelPackageArn!)?.status).toBe('Approved');
    console.info(`[time-skipping] day-6 approval took ${Date.now() - wallStart} ms of wall-clock time`);
  });
});
