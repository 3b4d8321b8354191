import { GetMetricDataCommand, type MetricDataResult } from '@aws-sdk/client-cloudwatch';
import { CancelledFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { beforeEach, describe, expect, it } from 'vitest';
import { createActivities } from '../../../activities';
import type { WatchProgress } from '../../../activities/health/watch';
import type { HealthVerdict, WatchHealthInput } from '../../../src/shared/activity-contracts';
import { mockedDeps, policy } from './helpers';

/** One minute of canary traffic as GetMetricData reports it. */
function canaryTraffic(invocations: number, errors5xx = 0): { MetricDataResults: MetricDataResult[] } {
  const t = [new Date()];
  return {
    MetricDataResults: [
      { Id: 'canary_invocations', Timestamps: t, Values: [invocations] },
      { Id: 'canary_errors5xx', Timestamps: t, Values: [errors5xx] },
      { Id: 'canary_errors4xx', Timestamps: t, Values: [0] },
      { Id: 'canary_latency', Timestamps: t, Values: [50_000] },
    ],
  };
}

function watchInput(overrides: Partial<WatchHealthInput> = {}): WatchHealthInput {
  return {
    endpointName: 'prod',
    canaryVariant: 'v7',
    canaryWeight: 10,
    sinceEpochMs: Date.now(),
    bakeSeconds: 0.3,
    intervalSeconds: 0.05,
    policy: policy({ minInvocations: 100, maxWaitForEvidenceSeconds: 0.2 }),
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
      .resolvesOnce(canaryTraffic(200, 0))
      .resolves(canaryTraffic(200, 40));
    const started = Date.now();
    const verdict = await watch(watchInput({ bakeSeconds: 60 }));
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(verdict.status).toBe('unhealthy');
    expect(verdict.checks).toBe(2);
    expect(verdict.reasons[0]).toContain('5xx rate 20.00% (40/200)');
    expect(verdict).toMatchObject({ endpointName: 'prod', canaryWeight: 10 });
    expect(heartbeats.map((h) => h.checks)).toContain(2);
  });

  it('returns healthy once the bake time has passed, after several checks', async () => {
    ctx.mocks.cloudwatch.on(GetMetricDataCommand).resolves(canaryTraffic(500, 1));
    const input = watchInput();
    const verdict = await watch(input);
    expect(verdict.status).toBe('healthy');
    expect(Date.now()).toBeGreaterThanOrEqual(input.sinceEpochMs + 300);
    expect(verdict.checks).toBeGreaterThanOrEqual(3);
    expect(verdict.canary.invocations).toBe(500);
  });

  it('fails safe: insufficient data after the bake plus the evidence wait', async () => {
    ctx.mocks.cloudwatch.on(GetMetricDataCommand).resolves(canaryTraffic(3));
    const input = watchInput();
    const verdict = await watch(input);
    expect(verdict.status).toBe('insufficient-data');
    expect(Date.now()).toBeGreaterThanOrEqual(input.sinceEpochMs + 500);
    expect(verdict.reasons[0]).toContain('3 invocations');
  });

  it('keeps waiting past the bake for evidence and returns healthy when it arrives', async () => {
    const input = watchInput({
      bakeSeconds: 0.1,
      policy: policy({ minInvocations: 100, maxWaitForEvidenceSeconds: 30 }),
    });
    let calls = 0;
    ctx.mocks.cloudwatch.on(GetMetricDataCommand).callsFake(() => {
      calls += 1;
      // Traffic arrives only well after the bake ended.
      return Promise.resolve(Date.now() > input.sinceEpochMs + 250 ? canaryTraffic(150) : canaryTraffic(0));
    });
    const verdict = await watch(input);
    expect(verdict.status).toBe('healthy');
    expect(verdict.checks).toBe(calls);
    expect(Date.now() - input.sinceEpochMs).toBeLessThan(5_000);
  });

  it('resumes the check count from the last heartbeat on a retried attempt', async () => {
    env = new MockActivityEnvironment({ heartbeatDetails: { checks: 7, lastStatus: 'healthy' } });
    ctx.mocks.cloudwatch.on(GetMetricDataCommand).resolves(canaryTraffic(200, 100));
    const verdict = await watch(watchInput());
    expect(verdict.checks).toBe(8);
  });

  it('stops when the activity is cancelled', async () => {
    ctx.mocks.cloudwatch.on(GetMetricDataCommand).resolves(canaryTraffic(500));
    const running = watch(watchInput({ bakeSeconds: 60, intervalSeconds: 30 }));
    setTimeout(() => env.cancel(), 50);
    await expect(running).rejects.toBeInstanceOf(CancelledFailure);
  });
});
