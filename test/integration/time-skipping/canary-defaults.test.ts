/**
 * The canary with the defaults users get (steps 10/50/100, 600 s bakes with a look every 60 s, 30 s
 * endpoint polls within a 1 h endpoint timeout, 60 s lock liveness checks, 4 h pause limit) on the
 * time-skipping test server, against the in-memory SageMaker.
 *
 * Here the fake's activities take the server time SageMaker and CloudWatch would: a new endpoint
 * config takes ENDPOINT_UPDATE_MS to come InService, so the default poll (the activity retry policy)
 * and timeout meet a production-length wait; and a bake lasts its 600 s of server time inside one
 * watchHealth activity with the production options (25 s heartbeat timeout), looking every interval
 * as watchHealth does and heartbeating before every sleep of at most 10 s (sleepServerTimeUntil, whose
 * comment has the test server's lock accounting that makes this work). The bake times are asserted
 * from the server's record: the history's event times and the state's workflow-time stamps. A watch
 * cancelled by an operator's command notices it at its next heartbeat, at most 10 s of server time
 * later, and ends as cancelled while the rollback still runs, so the server's locks stay balanced.
 */
import { ApplicationFailure, CancelledFailure, Context } from '@temporalio/activity';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorTypes } from '../../../src/shared/activity-contracts';
import { approveSignal } from '../../../src/shared/messages';
import { LifecycleStageKey } from '../../../src/shared/search-attributes';
import type { FakeSageMaker } from '../../helpers/fake-sagemaker';
import {
  SERVER_SLEEP_CHUNK_MS,
  sleepServerTimeUntil,
  type TimeSkippingTemporal,
} from '../../helpers/time-skipping';
import { ACTIVE_STAGES } from '../../../src/shared/lifecycle-state';
import {
  command,
  startLifecycle,
  stateOf,
  waitForStage,
  weightsSet,
  type LifecycleHandle,
} from '../workflows/lifecycle-harness';
import {
  HOUR_MS,
  activitySpans,
  defaultsRequest,
  enteredAt,
  startTimeSkippingHarness,
  type TimeSkippingHarness,
} from './defaults-harness';

const DEFAULT_BAKE_MS = 600_000;
const DEFAULT_LOOK_EVERY_MS = 60_000;
/** watchHealth's options at the defaults (workflows/activity-proxies.ts healthWatch): 600 + 1800 + 120 s. */
const WATCH_HEARTBEAT_TIMEOUT_MS = 25_000;
const WATCH_START_TO_CLOSE_MS = (600 + 1800 + 120) * 1000;
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
/** Every look a watch took (server time), by endpoint. */
const looks: { endpointName: string; stepIndex?: number; checks: number; at: number }[] = [];
/** Watches that ended cancelled: when (server time) they noticed it. */
const watchesCancelled: { endpointName: string; stepIndex?: number; at: number }[] = [];
/** The look at which a bake the fake scripts 'unhealthy' returns its verdict (the first is at the step's start). */
const UNHEALTHY_AT_LOOK = 4;

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
      // Held until the test has sent its command; meanwhile the clock moves at wall-clock speed only
      // (nothing awaits a result, so the test's time-skipping lock is held).
      while (holdFirstBake && input.stepIndex === 0) {
        Context.current().heartbeat();
        await Context.current().sleep(100);
      }
      // The fake decides the bake's verdict; the watch reaches it as watchHealth does
      // (activities/health/watch.ts), in server time: a look every interval from the step's start,
      // an unhealthy verdict at once (at its look), a healthy one at the first look at or after the
      // bake's end, insufficient data at the evidence deadline.
      const scripted = await a.watchHealth(input);
      const bakeEndsAt = input.sinceEpochMs + input.bakeSeconds * 1000;
      const evidenceDeadline = bakeEndsAt + input.policy.maxWaitForEvidenceSeconds * 1000;
      for (let checks = 1; ; checks++) {
        const at = await t.env.currentTimeMs();
        looks.push({ endpointName: input.endpointName, stepIndex: input.stepIndex, checks, at });
        const done =
          scripted.status === 'unhealthy'
            ? checks >= UNHEALTHY_AT_LOOK || at >= bakeEndsAt
            : at >= (scripted.status === 'healthy' ? bakeEndsAt : evidenceDeadline);
        if (done) {
          return {
            ...scripted,
            at: new Date(at).toISOString(),
            windowEnd: new Date(at).toISOString(),
            checks,
          };
        }
        const nextDeadline = at < bakeEndsAt ? bakeEndsAt : evidenceDeadline;
        try {
          await sleepServerTimeUntil(t, Math.min(at + input.intervalSeconds * 1000, nextDeadline), {
            checks,
          });
        } catch (err) {
          if (err instanceof CancelledFailure) {
            const noticedAt = await t.env.currentTimeMs();
            watchesCancelled.push({
              endpointName: input.endpointName,
              stepIndex: input.stepIndex,
              at: noticedAt,
            });
          }
          throw err;
        }
      }
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
async function approvedDefaultCanary(req = defaultsRequest()) {
  const endpoint = req.deployment.productionEndpointName;
  const stable = h.fake.seedProduction(endpoint, req.modelPackageGroup);
  const handle = await startLifecycle(h, req);
  await waitForStage(handle, 'awaiting-approval');
  await handle.signal(approveSignal, { by: 'alice' });
  return { req, endpoint, stable, handle };
}

/**
 * Each bake of the lifecycle from its history, in server time: how long after its step's weight
 * change (the setVariantWeights before it completed) its verdict came back, and the watch itself.
 */
async function bakesOf(handle: LifecycleHandle) {
  const weights = await activitySpans(handle, 'setVariantWeights');
  const watches = await activitySpans(handle, 'watchHealth');
  return watches.map((watch) => {
    const change = weights.filter((w) => w.closedAt! <= watch.scheduledAt).at(-1)!;
    return { watch, weightChangedAt: change.closedAt!, verdictAfterMs: watch.closedAt! - change.closedAt! };
  });
}

/** Every bake ran once, to completion, with watchHealth's production timeouts. */
function expectWatchedUnderProductionOptions(bakes: Awaited<ReturnType<typeof bakesOf>>) {
  for (const { watch } of bakes) {
    expect(watch).toMatchObject({
      outcome: 'completed',
      attempt: 1,
      heartbeatTimeoutMs: WATCH_HEARTBEAT_TIMEOUT_MS,
      startToCloseTimeoutMs: WATCH_START_TO_CLOSE_MS,
    });
  }
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
    // Each bake took its 600 s of server time, in one watch that heartbeated through it (attempt 1:
    // no heartbeat timeout), and the verdict came at the first look at or after the bake's end.
    const bakes = await bakesOf(handle);
    expect(bakes).toHaveLength(3);
    expectWatchedUnderProductionOptions(bakes);
    for (const { verdictAfterMs } of bakes) {
      expect(verdictAfterMs).toBeGreaterThanOrEqual(DEFAULT_BAKE_MS);
      expect(verdictAfterMs).toBeLessThan(DEFAULT_BAKE_MS + 60_000);
    }
    expect(bakes[2]!.watch.closedAt! - bakes[0]!.weightChangedAt).toBeGreaterThanOrEqual(3 * DEFAULT_BAKE_MS);
    // The state agrees, in workflow time: each verdict a bake after its step began (windowStart is the
    // workflow's clock when the step's weights had settled), looked at every 60 s, and the ramp 3 bakes long.
    for (const v of final.verdicts) {
      expect(Date.parse(v.at) - Date.parse(v.windowStart)).toBeGreaterThanOrEqual(DEFAULT_BAKE_MS);
      expect(v.checks).toBe(DEFAULT_BAKE_MS / DEFAULT_LOOK_EVERY_MS + 1);
    }
    expect(enteredAt(final, 'promoting') - enteredAt(final, 'canary')).toBeGreaterThanOrEqual(
      3 * DEFAULT_BAKE_MS,
    );
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
    console.info(
      `[time-skipping] default canary took ${Date.now() - wallStart} ms of wall-clock time; ` +
        `bakes of ${bakes.map((b) => b.verdictAfterMs / 1000).join(', ')} s of server time`,
    );
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
    // The first bake ran its 600 s of server time; the pause then held the canary from its verdict.
    const bakes = await bakesOf(handle);
    expect(bakes).toHaveLength(1);
    expectWatchedUnderProductionOptions(bakes);
    expect(bakes[0]!.verdictAfterMs).toBeGreaterThanOrEqual(DEFAULT_BAKE_MS);
    expect(final.verdicts.map((v) => [v.canaryWeight, v.status])).toEqual([[10, 'healthy']]);
    const heldFor = enteredAt(final, 'rolling-back') - bakes[0]!.watch.closedAt!;
    expect(heldFor).toBeGreaterThanOrEqual(4 * HOUR_MS);
    expect(heldFor).toBeLessThan(4 * HOUR_MS + 5 * 60_000);
    expect(enteredAt(final, 'rolling-back') - enteredAt(final, 'canary')).toBeGreaterThanOrEqual(
      DEFAULT_BAKE_MS + 4 * HOUR_MS,
    );
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

  it('an unhealthy look in the second 600 s bake rolls the canary back', async () => {
    const wallStart = Date.now();
    const req = defaultsRequest();
    h.fake.scriptVerdicts(req.deployment.productionEndpointName, ['healthy', 'unhealthy']);
    const { endpoint, stable, handle } = await approvedDefaultCanary(req);

    const final = await handle.result();

    expect(final.stage).toBe('rolled-back');
    expect(final.rollback).toMatchObject({ cause: 'health', by: 'health-check' });
    expect(final.rollback?.reason).toMatch(/^step 50%: /);
    expect(final.verdicts.map((v) => [v.canaryWeight, v.status, v.checks])).toEqual([
      [10, 'healthy', DEFAULT_BAKE_MS / DEFAULT_LOOK_EVERY_MS + 1],
      [50, 'unhealthy', UNHEALTHY_AT_LOOK],
    ]);
    // The 10 % step baked its 600 s; the 50 % step's watch returned at its 4th look, 3 intervals in,
    // before its bake's end, and the rollback followed in server time.
    const bakes = await bakesOf(handle);
    expect(bakes).toHaveLength(2);
    expectWatchedUnderProductionOptions(bakes);
    expect(bakes[0]!.verdictAfterMs).toBeGreaterThanOrEqual(DEFAULT_BAKE_MS);
    expect(bakes[0]!.verdictAfterMs).toBeLessThan(DEFAULT_BAKE_MS + 60_000);
    const lookedFor = (UNHEALTHY_AT_LOOK - 1) * DEFAULT_LOOK_EVERY_MS;
    expect(bakes[1]!.verdictAfterMs).toBeGreaterThanOrEqual(lookedFor);
    expect(bakes[1]!.verdictAfterMs).toBeLessThan(lookedFor + DEFAULT_LOOK_EVERY_MS);
    expect(enteredAt(final, 'rolling-back')).toBeGreaterThanOrEqual(bakes[1]!.watch.closedAt!);
    expect(enteredAt(final, 'rolling-back') - enteredAt(final, 'canary')).toBeGreaterThanOrEqual(
      DEFAULT_BAKE_MS + lookedFor,
    );
    expect(weightsSet(h.fake, endpoint)).toEqual([
      { v1: 90, v2: 10 },
      { v1: 50, v2: 50 },
      { v1: 100, v2: 0 },
    ]);
    expect(h.fake.endpoints.get(endpoint)?.variants.map((v) => v.variantName)).toEqual(['v1']);
    expect(h.fake.packages.get(final.modelPackageArn!)?.status).toBe('Rejected');
    expect(h.fake.packages.get(stable.arn)?.serving).toBe(endpoint);
    expect((await handle.describe()).typedSearchAttributes.get(LifecycleStageKey)).toBe('rolled-back');
    console.info(
      `[time-skipping] rollback at the 50 % bake took ${Date.now() - wallStart} ms of wall-clock time; ` +
        `verdicts after ${bakes.map((b) => b.verdictAfterMs / 1000).join(', ')} s of server time`,
    );
  });

  it('a rollback command in the middle of a 600 s bake cancels the watch at its next heartbeat', async () => {
    const wallStart = Date.now();
    const { req, endpoint, stable, handle } = await approvedDefaultCanary();
    // Nothing awaits a result yet, so the clock moves only as this loop sleeps (10 s at a time, the
    // watch's own sleeps with it), through staging, the canary config's update and 2 looks of the bake.
    const looked = () => looks.filter((l) => l.endpointName === endpoint && l.stepIndex === 0).length;
    while (looked() < 3) await h.temporal.env.sleep(10_000);
    expect(await command(handle, 'rollback', 'oscar', 'wrong dashboard')).toMatchObject({ accepted: true });

    const final = await handle.result();

    expect(final.stage).toBe('rolled-back');
    expect(final.rollback).toMatchObject({ cause: 'operator', by: 'oscar', reason: 'wrong dashboard' });
    expect(final.verdicts).toEqual([]);
    // The watch was cancelled in its bake, noticed it at the heartbeat before its next sleep (at most
    // 10 s of server time after the command), and ended as cancelled, not failed or timed out.
    const commandAt = Date.parse(final.commands.find((c) => c.action === 'rollback')!.at);
    const [cancelled, ...more] = watchesCancelled.filter((w) => w.endpointName === endpoint);
    expect(more).toEqual([]);
    expect(cancelled?.stepIndex).toBe(0);
    expect(cancelled!.at - commandAt).toBeGreaterThanOrEqual(0);
    expect(cancelled!.at - commandAt).toBeLessThanOrEqual(SERVER_SLEEP_CHUNK_MS + 1_000);
    const [watch, ...otherWatches] = await activitySpans(handle, 'watchHealth');
    expect(otherWatches).toEqual([]);
    // (The test server writes no ActivityTaskStarted for a cancelled attempt, so its number is not in history.)
    expect(watch).toMatchObject({ outcome: 'canceled', heartbeatTimeoutMs: WATCH_HEARTBEAT_TIMEOUT_MS });
    expect(watch!.closedAt! - watch!.scheduledAt).toBeLessThan(DEFAULT_BAKE_MS);
    expect(weightsSet(h.fake, endpoint)).toEqual([
      { v1: 90, v2: 10 },
      { v1: 100, v2: 0 },
    ]);
    expect(h.fake.endpoints.get(endpoint)?.variants).toMatchObject([
      { variantName: 'v1', modelName: `${req.modelPackageGroup}-v1-seed` },
    ]);
    expect(h.fake.packages.get(stable.arn)?.serving).toBe(endpoint);
    // The cancelled watch left the server's time-skipping locks balanced: an hour still skips at once.
    const before = await h.temporal.env.currentTimeMs();
    const wallBefore = Date.now();
    await h.temporal.env.sleep(HOUR_MS);
    expect((await h.temporal.env.currentTimeMs()) - before).toBeGreaterThanOrEqual(HOUR_MS);
    expect(Date.now() - wallBefore).toBeLessThan(10_000);
    console.info(
      `[time-skipping] rollback command mid-bake took ${Date.now() - wallStart} ms of wall-clock time; ` +
        `the watch noticed it ${(cancelled!.at - commandAt) / 1000} s of server time after the command`,
    );
  });
});
