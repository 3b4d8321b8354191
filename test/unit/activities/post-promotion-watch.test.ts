/** The post-promotion watch: its final look, its re-reads of incomplete answers, resume and supersession. */
import {
  GetMetricDataCommand,
  type GetMetricDataCommandInput,
  type MetricDataResult,
} from '@aws-sdk/client-cloudwatch';
import {
  DescribeEndpointCommand,
  DescribeEndpointConfigCommand,
  DescribeModelCommand,
} from '@aws-sdk/client-sagemaker';
import { MockActivityEnvironment } from '@temporalio/testing';
import { describe, expect, it } from 'vitest';
import { createPromotionWatchActivities } from '../../../activities/health/post-promotion-watch';
import type { WatchPromotedInput, WatchPromotedResult } from '../../../src/shared/activity-contracts';
import { mockedDeps, periodStartsAsked, policy } from './helpers';

/** The promoted variant's traffic in the first whole period of the window asked for, zeros after. */
function traffic(
  invocations: number,
  errors5xx: number,
  status: MetricDataResult['StatusCode'] = 'Complete',
) {
  return (input: GetMetricDataCommandInput): { MetricDataResults: MetricDataResult[] } => {
    const t = periodStartsAsked(input);
    const s = (
      Id: string,
      v: number,
      code: MetricDataResult['StatusCode'] = 'Complete',
    ): MetricDataResult => ({
      Id,
      Timestamps: t,
      Values: t.map((_, i) => (i === 0 ? v : 0)),
      StatusCode: code,
    });
    return {
      MetricDataResults: [
        s('canary_invocations', invocations),
        s('canary_errors5xx', errors5xx),
        s('canary_errors4xx', 0),
        s('canary_lat_n', invocations),
        s('canary_lat_p50', 50_000),
        // One ladder query of the answer not complete this time (CloudWatch's PartialData).
        s('canary_lat_p99', 80_000, status),
      ],
    };
  };
}

function setup() {
  const ctx = mockedDeps();
  ctx.mocks.sagemaker.on(DescribeEndpointCommand).resolves({
    EndpointName: 'prod',
    EndpointConfigName: 'cfg',
    EndpointStatus: 'InService',
    ProductionVariants: [{ VariantName: 'v7', CurrentWeight: 1 }],
  });
  ctx.mocks.sagemaker
    .on(DescribeEndpointConfigCommand)
    .resolves({ ProductionVariants: [{ VariantName: 'v7', ModelName: 'm7' }] });
  ctx.mocks.sagemaker.on(DescribeModelCommand).resolves({});
  return ctx;
}

const input = (over: Partial<WatchPromotedInput> = {}): WatchPromotedInput => ({
  endpointName: 'prod',
  variantName: 'v7',
  modelName: 'm7',
  lifecycleId: 'lc',
  sinceEpochMs: Date.now() - 3000,
  watchSeconds: 2, // over 1 s ago: the first look is the final one
  intervalSeconds: 0.05,
  policy: policy({ metricPeriodSeconds: 1, minInvocations: 100 }),
  // A clean previous version: the limit is 0.1 %..0.13 %.
  baseline: { variantName: 'v6', invocations: 100_000, errors5xx: 10, latencyMs: 80, verdicts: 3 },
  ...over,
});

describe('watchPromoted: the final look', () => {
  it('control: on complete data the fixed-horizon test rolls back 5 5xx in 600 against a ~0.1 % baseline', async () => {
    const ctx = setup();
    ctx.mocks.cloudwatch.on(GetMetricDataCommand).callsFake(traffic(600, 5));
    const env = new MockActivityEnvironment();
    const r: WatchPromotedResult = await env.run(
      createPromotionWatchActivities(ctx.deps).watchPromoted,
      input(),
    );
    expect(r.status).toBe('unhealthy');
    expect(r.verdict!.reasons[0]).toMatch(/final look/);
  });

  it('an incomplete CloudWatch answer at the end is read again: the regression is judged on the complete one', async () => {
    const ctx = setup();
    // The first read at the end is PartialData; every later read would be complete (and unhealthy).
    ctx.mocks.cloudwatch
      .on(GetMetricDataCommand)
      .callsFakeOnce(traffic(600, 5, 'PartialData'))
      .callsFake(traffic(600, 5));
    const env = new MockActivityEnvironment();
    const r: WatchPromotedResult = await env.run(
      createPromotionWatchActivities(ctx.deps).watchPromoted,
      input(),
    );
    expect(ctx.mocks.cloudwatch.commandCalls(GetMetricDataCommand)).toHaveLength(2);
    expect(r.status).toBe('unhealthy');
    expect(r.verdict!.reasons[0]).toMatch(/final look/);
  });

  it('gives up as inconclusive once maxWaitForEvidenceSeconds has passed without a complete answer', async () => {
    const ctx = setup();
    ctx.mocks.cloudwatch.on(GetMetricDataCommand).callsFake(traffic(600, 5, 'PartialData'));
    const r: WatchPromotedResult = await new MockActivityEnvironment().run(
      createPromotionWatchActivities(ctx.deps).watchPromoted,
      input({
        policy: policy({ metricPeriodSeconds: 1, minInvocations: 100, maxWaitForEvidenceSeconds: 1.3 }),
      }),
    );
    expect(r.status).toBe('inconclusive');
    expect(r.verdict!.reasons.join()).toContain('StatusCode PartialData');
    expect(ctx.mocks.cloudwatch.commandCalls(GetMetricDataCommand).length).toBeGreaterThan(1);
  });

  it('a look that begins 1 ms before the end is followed by the final look', async () => {
    const ctx = setup();
    ctx.mocks.cloudwatch.on(GetMetricDataCommand).callsFake(traffic(600, 0));
    const since = Date.now() - 3000;
    const endsAt = since + 3000;
    const times = [endsAt - 1, endsAt];
    const acts = createPromotionWatchActivities({ ...ctx.deps, now: () => times.shift() ?? endsAt });
    const r: WatchPromotedResult = await new MockActivityEnvironment().run(
      acts.watchPromoted,
      input({ sinceEpochMs: since, watchSeconds: 3 }),
    );
    expect(r.status).toBe('healthy');
    expect(r.checks).toBe(2);
    expect(r.verdict!.tests!.some((t) => t.pValue !== undefined)).toBe(true);
  });

  it('resumes the check count from the heartbeat, and a superseded endpoint ends the watch at once', async () => {
    const ctx = setup();
    ctx.mocks.cloudwatch.on(GetMetricDataCommand).callsFake(traffic(600, 0));
    ctx.mocks.sagemaker.on(DescribeEndpointConfigCommand).resolves({
      ProductionVariants: [{ VariantName: 'v7', ModelName: 'm8' }],
    });
    const env = new MockActivityEnvironment({ heartbeatDetails: { checks: 4 } });
    const r: WatchPromotedResult = await env.run(
      createPromotionWatchActivities(ctx.deps).watchPromoted,
      input(),
    );
    expect(r).toMatchObject({ status: 'superseded', checks: 4 });
    expect(ctx.mocks.cloudwatch.commandCalls(GetMetricDataCommand)).toHaveLength(0);
  });
});
