/**
 * The canary with the defaults users get (steps 10/50/100, 600 s bakes, 30 s endpoint polls within a
 * 1 h endpoint timeout, 60 s lock liveness checks, 4 h pause limit) on the time-skipping test server.
 *
 * The in-memory SageMaker answers at once; here a new endpoint config takes ENDPOINT_UPDATE_MS of
 * server time to come InService, as SageMaker's do, so the default poll (the activity retry policy)
 * and timeout meet a production-length wait. A bake stays instant: the wait is inside the watchHealth
 * activity, and the test server moves its clock past an activity's heartbeat timeout while it runs
 * (activities do not hold the clock), so a bake cannot be given server time; its 600 s is checked as
 * the value the activity is asked for.
 */
import { ApplicationFailure, Context } from '@temporalio/activity';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorTypes } from '../../../src/shared/activity-contracts';
import { approveSignal } from '../../../src/shared/messages';
import { LifecycleStageKey } from '../../../src/shared/search-attributes';
import type { FakeSageMaker } from '../../helpers/fake-sagemaker';
import type { TimeSkippingTemporal } from '../../helpers/time-skipping';
import { ACTIVE_STAGES } from '../../../src/shared/lifecycle-state';
import { command, startLifecycle, stateOf, waitForStage, weightsSet } from '../workflows/lifecycle-harness';
import {
  HOUR_MS,
  defaultsRequest,
  enteredAt,
  startTimeSkippingHarness,
  type TimeSkippingHarness,
} from './defaults-harness';

const DEFAULT_BAKE_MS = 600_000;
const DEFAULT_POLL_MS = 30_000;
const DEFAULT_LIVENESS_CHECK_MS = 60_000;
/** How long SageMaker takes to apply a new endpoint config (minutes in practice). */
const ENDPOINT_UPDATE_MS = 8 * 60_000;

/** The fake's activities, with bakes and endpoint updates that take server time. */
const bakesAsked: number[] = [];
/** Endpoint names of every awaitEndpointInService attempt (the fake records only those that succeed). */
const polls: string[] = [];
/** Server times of the endpoint lock's holder liveness checks. */
const livenessChecks: number[] = [];
let holdFirstBake = false;

function withRealDurations(fake: FakeSageMaker, t: TimeSkippingTemporal): object {
  const a = fake.activities;
  const readyAt = new Map<string, number>();
  return {
    ...a,
    async deployEndpointConfig(input: Parameters<typeof a.deployEndpointConfig>[0]) {
      const result = await a.deployEndpointConfig(input);
      readyAt.set(input.endpointName, (await t.env.currentTimeMs()) + ENDPOINT_UPDATE_MS);
      return result;
    },
    async awaitEndpointInService(input: Parameters<typeof a.awaitEndpointInService>[0]) {
      const now = await t.env.currentTimeMs();
      polls.push(input.endpointName);
      const ready = readyAt.get(input.endpointName) ?? 0;
      if (now < ready) {
        throw ApplicationFailure.retryable(
          `${input.endpointName} is Updating (${Math.ceil((ready - now) / 1000)} s left)`,
          ErrorTypes.EndpointNotReady,
        );
      }
      return a.awaitEndpointInService(input);
    },
    async watchHealth(input: Parameters<typeof a.watchHealth>[0]) {
      bakesAsked.push(input.bakeSeconds);
      // Held until the test has sent its command; the clock does not move meanwhile (nothing awaits a result).
      while (holdFirstBake && input.stepIndex === 0) {
        Context.current().heartbeat();
        await Context.current().sleep(100);
      }
      return a.watchHealth(input);
    },
    async describeLockHolder(input: Parameters<typeof a.describeLockHolder>[0]) {
      livenessChecks.push(await t.env.currentTimeMs());
      return a.describeLockHolder(input);
    },
  };
}

let h: TimeSkippingHarness;
beforeAll(async () => {
  h = await startTimeSkippingHarness(withRealDurations);
}, 180_000);
afterAll(async () => h?.stop());

/** A version for an endpoint serving v1, approved at the gate, with default deployment settings. */
async function approvedDefaultCanary() {
  const req = defaultsRequest();
  const endpoint = req.deployment.productionEndpointName;
  const stable = h.fake.seedProduction(endpoint, req.modelPackageGroup);
  const handle = await startLifecycle(h, req);
  await waitForStage(handle, 'awaiting-approval');
  await handle.signal(approveSignal, { by: 'alice' });
  return { req, endpoint, stable, handle };
}

// Sequential: the server's clock is shared by every workflow on it.
describe('canary at its defaults, time skipped', () => {
  it('bakes 600 s at each of 10, 50 and 100 % and promotes', async () => {
    const wallStart = Date.now();
    const { endpoint, stable, handle } = await approvedDefaultCanary();

    const final = await handle.result();

    expect(final.stage).toBe('promoted');
    expect(weightsSet(h.fake, endpoint)).toEqual([
      { v1: 90, v2: 10 },
      { v1: 50, v2: 50 },
      { v1: 0, v2: 100 },
    ]);
    expect(final.verdicts.map((v) => [v.canaryWeight, v.status])).toEqual([
      [10, 'healthy'],
      [50, 'healthy'],
      [100, 'healthy'],
    ]);
    expect(bakesAsked.splice(0)).toEqual([600, 600, 600].map(() => DEFAULT_BAKE_MS / 1000));
    // The canary config's update was waited out at the default poll, well inside the 1 h timeout.
    const updateWait = enteredAt(final, 'canary') - enteredAt(final, 'deploying-canary');
    expect(updateWait).toBeGreaterThanOrEqual(ENDPOINT_UPDATE_MS);
    expect(updateWait).toBeLessThan(ENDPOINT_UPDATE_MS + 2 * 60_000);
    expect(polls.filter((name) => name === endpoint).length).toBeGreaterThanOrEqual(
      ENDPOINT_UPDATE_MS / DEFAULT_POLL_MS,
    );
    expect(h.fake.endpoints.get(endpoint)?.variants.map((v) => v.variantName)).toEqual(['v2']);
    expect(h.fake.packages.get(final.modelPackageArn!)?.serving).toBe(endpoint);
    expect(h.fake.packages.get(stable.arn)?.serving).toBeUndefined();
    expect((await handle.describe()).typedSearchAttributes.get(LifecycleStageKey)).toBe('promoted');
    console.info(`[time-skipping] default canary took ${Date.now() - wallStart} ms of wall-clock time`);
  });

  it('a pause held beyond the 4 h limit rolls the canary back', async () => {
    const wallStart = Date.now();
    holdFirstBake = true;
    const { req, endpoint, stable, handle } = await approvedDefaultCanary();
    // Nothing awaits a result yet, so the clock moves only as this loop sleeps: 10 s at a time, under
    // watchHealth's 25 s heartbeat timeout, through staging and the canary config's update.
    for (let state = await stateOf(handle); state.stage !== 'canary'; state = await stateOf(handle)) {
      expect(ACTIVE_STAGES).toContain(state.stage);
      await h.temporal.env.sleep(10_000);
    }
    expect(await command(handle, 'pause', 'oscar', 'checking dashboards')).toMatchObject({ accepted: true });
    holdFirstBake = false;
    const checksBefore = livenessChecks.length;

    const final = await handle.result();

    expect(final.stage).toBe('rolled-back');
    expect(final.rollback).toMatchObject({ cause: 'pause-limit', by: 'workflow' });
    expect(final.rollback?.reason).toBe(`paused for longer than the ${4 * 3600} s limit`);
    const heldFor = enteredAt(final, 'rolling-back') - enteredAt(final, 'canary');
    expect(heldFor).toBeGreaterThanOrEqual(4 * HOUR_MS);
    expect(heldFor).toBeLessThan(4 * HOUR_MS + 5 * 60_000);
    // The endpoint lock checked its holder every 60 s through the 4 h it was held paused.
    const checks = livenessChecks.slice(checksBefore);
    expect(checks.length).toBeGreaterThanOrEqual((4 * HOUR_MS) / DEFAULT_LIVENESS_CHECK_MS - 2);
    const gaps = checks.slice(1).map((at, i) => at - checks[i]!);
    expect(Math.max(...gaps)).toBeLessThan(DEFAULT_LIVENESS_CHECK_MS + 5_000);
    expect(weightsSet(h.fake, endpoint)).toEqual([
      { v1: 90, v2: 10 },
      { v1: 100, v2: 0 },
    ]);
    expect(h.fake.endpoints.get(endpoint)?.variants).toMatchObject([
      { variantName: 'v1', modelName: `${req.modelPackageGroup}-v1-seed` },
    ]);
    expect(h.fake.packages.get(final.modelPackageArn!)?.status).toBe('Rejected');
    expect(h.fake.packages.get(stable.arn)?.serving).toBe(endpoint);
    expect((await handle.describe()).typedSearchAttributes.get(LifecycleStageKey)).toBe('rolled-back');
    console.info(`[time-skipping] 4 h pause limit took ${Date.now() - wallStart} ms of wall-clock time`);
  });
});
