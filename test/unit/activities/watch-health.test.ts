import {
  GetMetricDataCommand,
  type GetMetricDataCommandInput,
  type MetricDataResult,
} from '@aws-sdk/client-cloudwatch';
import { CancelledFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { beforeEach, describe, expect, it } from 'vitest';
import { createActivities } from '../../../activities';
import { LATENCY_LADDER } from '../../../activities/health/exceedance';
import { createHealthActivities, type WatchProgress } from '../../../activities/health/watch';
import type { HealthVerdict, WatchHealthInput } from '../../../src/shared/activity-contracts';
import { mockedDeps, periodStartsAsked, policy } from './helpers';

/**
 * Canary traffic as GetMetricData reports it: `invocations` in the first whole period of the window
 * asked for (the ids the reader uses) and published zeros in the others, so a look at any time sees
 * the same totals.
 */
function canaryTraffic(invocations: number, errors5xx = 0) {
  return (input: GetMetricDataCommandInput): { MetricDataResults: MetricDataResult[] } => {
    const t = periodStartsAsked(input);
    const series = (Id: string, v: number): MetricDataResult => ({
      Id,
      Timestamps: t,
      Values: t.map((_, i) => (i === 0 ? v : 0)),
      StatusCode: 'Complete',
    });
    return {
      MetricDataResults: [
        series('canary_invocations', invocations),
        series('canary_errors5xx', errors5xx),
        series('canary_errors4xx', 0),
        series('canary_lat_n', invocations),
        series('canary_lat_p50', 50_000),
        series('canary_lat_p99', 80_000),
      ],
    };
  };
}

/** The step began 3 s ago (so whole 1 s periods exist); the bake ends `bakeLeft` seconds from now. */
function watchInput(overrides: Partial<WatchHealthInput> = {}, bakeLeft = 0.3): WatchHealthInput {
  return {
    endpointName: 'prod',
    canaryVariant: 'v7',
    canaryWeight: 10,
    sinceEpochMs: Date.now() - 3000,
    bakeSeconds: 3 + bakeLeft,
    intervalSeconds: 0.05,
    policy: policy({ metricPeriodSeconds: 1, minInvocations: 100, maxWaitForEvidenceSeconds: 0.2 }),
    stepIndex: 0,
    canarySteps: [10, 50, 100],
    ...overrides,
  };
}

describe('watchHealth', () => {
  let ctx: ReturnType<typeof mockedDeps>;
  let env: MockActivityEnvironment;
  let heartbeats: WatchProgress[];
  beforeEach(() => {
    ctx = mockedDeps();
    env = new MockActivityEnvironment();
    heartbeats = [];
    env.on('heartbeat', (d: WatchProgress) => heartbeats.push(d));
  });

  const watch = (input: WatchHealthInput): Promise<HealthVerdict> =>
    env.run(createActivities(ctx.deps).watchHealth, input);

  it('returns early on the first unhealthy verdict', async () => {
    ctx.mocks.cloudwatch
      .on(GetMetricDataCommand)
      .callsFakeOnce(canaryTraffic(200, 0))
      .callsFake(canaryTraffic(200, 60));
    const started = Date.now();
    const verdict = await watch(watchInput({}, 60));
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(verdict.status).toBe('unhealthy');
    expect(verdict.checks).toBe(2);
    expect(verdict.reasons[0]).toContain('5xx-limit: canary 5xx rate 30.00% (60/200)');
    expect(verdict).toMatchObject({ endpointName: 'prod', canaryWeight: 10 });
    expect(verdict.alpha!.lifecycle).toBe(0.01);
    expect(verdict.alpha!.step).toBeCloseTo((0.01 * 0.9) / 2 + (0.01 * 0.1) / 3, 12);
    expect(verdict.tests!.find((t) => t.test === '5xx-limit')).toMatchObject({
      canaryEvents: 60,
      canaryTrials: 200,
      rejected: true,
    });
    expect(heartbeats.map((h) => h.checks)).toContain(2);
  });

  it('returns healthy once the bake time has passed, after several checks', async () => {
    ctx.mocks.cloudwatch.on(GetMetricDataCommand).callsFake(canaryTraffic(500, 1));
    const input = watchInput();
    const verdict = await watch(input);
    expect(verdict.status).toBe('healthy');
    expect(Date.now()).toBeGreaterThanOrEqual(input.sinceEpochMs + input.bakeSeconds * 1000);
    expect(verdict.checks).toBeGreaterThanOrEqual(3);
    expect(verdict.canary.invocations).toBe(500);
  });

  it('fails safe: insufficient data after the bake plus the evidence wait', async () => {
    ctx.mocks.cloudwatch.on(GetMetricDataCommand).callsFake(canaryTraffic(3));
    const input = watchInput();
    const verdict = await watch(input);
    expect(verdict.status).toBe('insufficient-data');
    expect(Date.now()).toBeGreaterThanOrEqual(input.sinceEpochMs + (input.bakeSeconds + 0.2) * 1000);
    expect(verdict.reasons[0]).toContain('3 invocations');
  });

  it('keeps waiting past the bake for evidence and returns healthy when it arrives', async () => {
    const input = watchInput(
      { policy: policy({ metricPeriodSeconds: 1, minInvocations: 100, maxWaitForEvidenceSeconds: 30 }) },
      0.1,
    );
    let calls = 0;
    ctx.mocks.cloudwatch.on(GetMetricDataCommand).callsFake((req: GetMetricDataCommandInput) => {
      calls += 1;
      // Traffic arrives only well after the bake ended.
      const late = Date.now() > input.sinceEpochMs + input.bakeSeconds * 1000 + 150;
      return Promise.resolve(canaryTraffic(late ? 150 : 0)(req));
    });
    const verdict = await watch(input);
    expect(verdict.status).toBe('healthy');
    expect(verdict.checks).toBe(calls);
    expect(Date.now() - input.sinceEpochMs).toBeLessThan(5_000);
  });

  it('runs the fixed-horizon test once, at the first look after the bake, even below minInvocations', async () => {
    // 12 5xx in 60 requests against the 5 % limit: the e-process stays below its boundary, the
    // final look rejects (minInvocations is 100, so without it the bake would end insufficient).
    ctx.mocks.cloudwatch.on(GetMetricDataCommand).callsFake(canaryTraffic(60, 12));
    const input = watchInput();
    const verdict = await watch(input);
    expect(verdict.status).toBe('unhealthy');
    expect(verdict.reasons[0]).toMatch(/^5xx-limit \(final look\): canary 5xx rate 20.00% \(12\/60\)/);
    expect(Date.parse(verdict.at)).toBeGreaterThanOrEqual(input.sinceEpochMs + input.bakeSeconds * 1000);
    // Recorded by the heartbeat of that look, the last one: the watch returned there.
    expect(heartbeats.filter((h) => h.finalLookDone)).toEqual([heartbeats.at(-1)]);

    // A retried attempt whose heartbeat says the final look ran does not run it again.
    env = new MockActivityEnvironment({ heartbeatDetails: { checks: 4, finalLookDone: true } });
    heartbeats = [];
    env.on('heartbeat', (d: WatchProgress) => heartbeats.push(d));
    const resumed = await watch(watchInput());
    expect(resumed.status).toBe('insufficient-data');
    expect(resumed.tests!.every((t) => t.pValue === undefined)).toBe(true);
    expect(heartbeats.every((h) => h.finalLookDone)).toBe(true);
  });

  it('resumes the check count from the last heartbeat on a retried attempt', async () => {
    env = new MockActivityEnvironment({ heartbeatDetails: { checks: 7, lastStatus: 'healthy' } });
    ctx.mocks.cloudwatch.on(GetMetricDataCommand).callsFake(canaryTraffic(200, 100));
    const verdict = await watch(watchInput());
    expect(verdict.checks).toBe(8);
  });

  it("reads stable's latency reference once per step and keeps it across a retried attempt", async () => {
    const refCalls = () =>
      ctx.mocks.cloudwatch
        .commandCalls(GetMetricDataCommand)
        .filter((c) => c.args[0].input.MetricDataQueries![0]!.Id === 'ref_n').length;
    ctx.mocks.cloudwatch.on(GetMetricDataCommand).callsFake((req: GetMetricDataCommandInput) => {
      if (req.MetricDataQueries![0]!.Id !== 'ref_n') return Promise.resolve(canaryTraffic(500)(req));
      const point = (Id: string, v: number) => ({
        Id,
        Timestamps: [req.StartTime as Date],
        Values: [v],
        StatusCode: 'Complete',
      });
      return Promise.resolve({
        MetricDataResults: [point('ref_n', 900), point('ref_p50', 40_000), point('ref_tail', 90_000)],
      });
    });
    const verdict = await watch(watchInput({ stableVariant: 'stable' }));
    expect(refCalls()).toBe(1);
    expect(heartbeats.at(-1)!.latencyReference).toEqual({ p50Ms: 40, tailMs: 90, samples: 900 });
    expect(verdict.tests!.map((t) => t.test)).toContain('latency-tail-vs-stable');

    env = new MockActivityEnvironment({
      heartbeatDetails: { checks: 2, latencyReference: { p50Ms: 41, tailMs: 91, samples: 900 } },
    });
    const resumed = await watch(watchInput({ stableVariant: 'stable' }));
    expect(refCalls()).toBe(1);
    expect(resumed.tests!.find((t) => t.test === 'latency-tail-vs-stable')!.event).toContain('91.0 ms');
  });

  it('stops when the activity is cancelled', async () => {
    ctx.mocks.cloudwatch.on(GetMetricDataCommand).callsFake(canaryTraffic(500));
    const running = watch(watchInput({ intervalSeconds: 30 }, 60));
    setTimeout(() => env.cancel(), 50);
    await expect(running).rejects.toBeInstanceOf(CancelledFailure);
  });
});

describe('watchHealth on a controlled clock', () => {
  const MIN = 60_000;
  const SINCE = Date.parse('2024-06-01T10:00:10Z'); // the weight change, mid-minute
  // The bake counts from the first whole period: 10:01 to 10:11, ten whole minutes judged.
  const BAKE_END = Date.parse('2024-06-01T10:11:00Z');

  /** Every period asked for: the same counts and a flat latency ladder per variant. */
  function traffic(variants: Record<string, { inv: number; e5: number; latencyUs: number }>) {
    return (req: GetMetricDataCommandInput): { MetricDataResults: MetricDataResult[] } => {
      const ts = periodStartsAsked(req);
      const s = (Id: string, v: number): MetricDataResult => ({
        Id,
        Timestamps: ts,
        Values: ts.map(() => v),
        StatusCode: 'Complete',
      });
      return {
        MetricDataResults: Object.entries(variants).flatMap(([role, p]) => [
          s(`${role}_invocations`, p.inv),
          s(`${role}_errors5xx`, p.e5),
          s(`${role}_errors4xx`, 0),
          s(`${role}_lat_n`, p.inv),
          ...LATENCY_LADDER.map((l) => s(`${role}_lat_p${String(l).replace('.', '_')}`, p.latencyUs)),
        ]),
      };
    };
  }

  const input = (over: Partial<WatchHealthInput> = {}): WatchHealthInput => ({
    endpointName: 'prod',
    canaryVariant: 'v7',
    canaryWeight: 10,
    sinceEpochMs: SINCE,
    bakeSeconds: 600,
    intervalSeconds: 60,
    policy: policy({ metricPeriodSeconds: 60, minInvocations: 100, maxWaitForEvidenceSeconds: 0 }),
    stepIndex: 0,
    canarySteps: [10, 50, 100],
    ...over,
  });

  /** The watch with `now()` answering from `clock` in turn (the last value repeats). */
  function watcher(ctx: ReturnType<typeof mockedDeps>, clock: number[]) {
    let i = 0;
    const now = () => clock[Math.min(i++, clock.length - 1)]!;
    const env = new MockActivityEnvironment();
    const { watchHealth } = createHealthActivities({ cloudwatch: ctx.deps.cloudwatch, now });
    return (inp: WatchHealthInput): Promise<HealthVerdict> => env.run(watchHealth, inp);
  }

  it('a look that begins just before the bake ends is not the final one, however late it returns', async () => {
    // 8 % 5xx against the 5 % limit: the e-process stays below its boundary, the final look rejects.
    const fake = traffic({ canary: { inv: 100, e5: 8, latencyUs: 50_000 } });
    const atEnd = mockedDeps();
    atEnd.mocks.cloudwatch.on(GetMetricDataCommand).callsFake(fake);
    const control = await watcher(atEnd, [BAKE_END, BAKE_END + 500])(input());
    expect(control.status).toBe('unhealthy');
    expect(control.reasons[0]).toContain('5xx-limit (final look): canary 5xx rate 8.00% (80/1000)');
    // 600 s after a change at 10:00:10 is not yet the bake's end: 10:10 holds only nine whole periods.
    const early = mockedDeps();
    early.mocks.cloudwatch.on(GetMetricDataCommand).callsFake(fake);
    const nine = await watcher(early, [SINCE + 600_000, BAKE_END - 1, BAKE_END, BAKE_END])(input());
    expect(nine.checks).toBe(2);
    expect(nine.reasons[0]).toContain('(80/1000)');

    // Begins 1 ms before the bake's end and its reads take 0.5 s: the next look is the final one.
    const straddling = mockedDeps();
    straddling.mocks.cloudwatch.on(GetMetricDataCommand).callsFake(fake);
    const v = await watcher(straddling, [BAKE_END - 1, BAKE_END + 500, BAKE_END + 500])(input());
    expect(v.status).toBe('unhealthy');
    expect(v.reasons[0]).toContain('5xx-limit (final look)');
    expect(v.checks).toBe(2);
  });

  it("stable's latency reference that CloudWatch does not vouch for: no verdict until a later read gives it", async () => {
    // The canary is 3x slower than stable, well under maxLatencyMs: only the comparisons see it.
    const fake = traffic({
      canary: { inv: 100, e5: 0, latencyUs: 300_000 },
      stable: { inv: 900, e5: 0, latencyUs: 100_000 },
    });
    let referenceReads = 0;
    const ctx = mockedDeps();
    ctx.mocks.cloudwatch.on(GetMetricDataCommand).callsFake((req: GetMetricDataCommandInput) => {
      if (req.MetricDataQueries![0]!.Id !== 'ref_n') return Promise.resolve(fake(req));
      referenceReads += 1;
      const forbidden = referenceReads === 1;
      const point = (Id: string, v: number): MetricDataResult => ({
        Id,
        Timestamps: [req.StartTime as Date],
        Values: [v],
        StatusCode: forbidden ? 'Forbidden' : 'Complete',
        ...(forbidden ? { Messages: [{ Code: 'Forbidden', Value: 'no access' }] } : {}),
      });
      return Promise.resolve({
        MetricDataResults: [point('ref_n', 9000), point('ref_p50', 100_000), point('ref_tail', 100_000)],
      });
    });
    const looks = [SINCE + 3 * MIN, SINCE + 3 * MIN, BAKE_END, BAKE_END];
    const env = new MockActivityEnvironment();
    const heartbeats: WatchProgress[] = [];
    env.on('heartbeat', (d: WatchProgress) => heartbeats.push(d));
    let i = 0;
    const { watchHealth } = createHealthActivities({
      cloudwatch: ctx.deps.cloudwatch,
      now: () => looks[Math.min(i++, looks.length - 1)]!,
    });
    const v: HealthVerdict = await env.run(
      watchHealth,
      input({ stableVariant: 'stable', intervalSeconds: 0.01 }),
    );
    // The first look had no reference (insufficient, and none kept for a retried attempt); the second read it.
    expect(heartbeats[0]!.lastStatus).toBe('insufficient-data');
    expect(heartbeats[0]!.latencyReference).toBeUndefined();
    expect(referenceReads).toBe(2);
    expect(v.status).toBe('unhealthy');
    expect(v.reasons.join()).toContain('latency-');
  });
});
