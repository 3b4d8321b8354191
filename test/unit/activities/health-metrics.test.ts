import { DescribeAlarmsCommand, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { beforeEach, describe, expect, it } from 'vitest';
import { readHealthSample } from '../../../activities/health/metrics';
import { mockedDeps, policy } from './helpers';

const T0 = Date.parse('2024-06-01T10:00:00Z');
const at = (minute: number) => new Date(T0 + minute * 60_000);

describe('readHealthSample', () => {
  let ctx: ReturnType<typeof mockedDeps>;
  beforeEach(() => {
    ctx = mockedDeps();
  });

  it('reads both variants in one GetMetricData call and sums, weights and converts', async () => {
    ctx.mocks.cloudwatch.on(GetMetricDataCommand).resolves({
      MetricDataResults: [
        { Id: 'canary_invocations', Timestamps: [at(0), at(1)], Values: [100, 300] },
        { Id: 'canary_errors5xx', Timestamps: [at(0), at(1)], Values: [1, 2] },
        { Id: 'canary_errors4xx', Timestamps: [at(1)], Values: [4] },
        // µs: 100 ms in the quiet minute, 200 ms in the busy one → weighted mean 175 ms.
        { Id: 'canary_latency', Timestamps: [at(0), at(1)], Values: [100_000, 200_000] },
        { Id: 'stable_invocations', Timestamps: [at(0)], Values: [900] },
        { Id: 'stable_errors5xx', Timestamps: [], Values: [] },
        { Id: 'stable_errors4xx', Timestamps: [], Values: [] },
        { Id: 'stable_latency', Timestamps: [at(0)], Values: [80_000] },
      ],
    });
    const sample = await readHealthSample(ctx.deps.cloudwatch, {
      endpointName: 'prod',
      canaryVariant: 'v7',
      stableVariant: 'stable',
      sinceEpochMs: T0,
      nowEpochMs: T0 + 120_000,
      policy: policy({ metricPeriodSeconds: 60, latencyStatistic: 'p90' }),
    });

    expect(sample.canary).toEqual({
      variantName: 'v7',
      invocations: 400,
      errors5xx: 3,
      errors4xx: 4,
      errorRate: 3 / 400,
      rate4xx: 4 / 400,
      latencyMs: 175,
    });
    expect(sample.stable).toMatchObject({
      variantName: 'stable',
      invocations: 900,
      errors5xx: 0,
      latencyMs: 80,
    });
    expect(sample.windowStart).toBe('2024-06-01T10:00:00.000Z');
    expect(sample.windowEnd).toBe('2024-06-01T10:02:00.000Z');

    const calls = ctx.mocks.cloudwatch.commandCalls(GetMetricDataCommand);
    expect(calls).toHaveLength(1);
    const input = calls[0]!.args[0].input;
    expect(input.StartTime).toEqual(new Date(T0));
    expect(input.MetricDataQueries).toHaveLength(8);
    const latency = input.MetricDataQueries!.find((q) => q.Id === 'canary_latency')!;
    expect(latency.MetricStat).toEqual({
      Metric: {
        Namespace: 'AWS/SageMaker',
        MetricName: 'ModelLatency',
        Dimensions: [
          { Name: 'EndpointName', Value: 'prod' },
          { Name: 'VariantName', Value: 'v7' },
        ],
      },
      Period: 60,
      Stat: 'p90',
    });
    const errors = input.MetricDataQueries!.find((q) => q.Id === 'stable_errors5xx')!;
    expect(errors.MetricStat?.Metric?.MetricName).toBe('Invocation5XXErrors');
    expect(errors.MetricStat?.Stat).toBe('Sum');
    // No alarms configured: no DescribeAlarms call.
    expect(ctx.mocks.cloudwatch.commandCalls(DescribeAlarmsCommand)).toHaveLength(0);
  });

  it('without a stable variant queries the canary only; no data means zero invocations and no latency', async () => {
    ctx.mocks.cloudwatch.on(GetMetricDataCommand).resolves({ MetricDataResults: [] });
    const sample = await readHealthSample(ctx.deps.cloudwatch, {
      endpointName: 'prod',
      canaryVariant: 'v1',
      sinceEpochMs: T0,
      nowEpochMs: T0,
      policy: policy(),
    });
    expect(sample.stable).toBeUndefined();
    expect(sample.canary).toMatchObject({ invocations: 0, errorRate: 0, latencyMs: null });
    const input = ctx.mocks.cloudwatch.commandCalls(GetMetricDataCommand)[0]!.args[0].input;
    expect(input.MetricDataQueries).toHaveLength(4);
    expect(input.EndTime!.getTime()).toBeGreaterThan(input.StartTime!.getTime());
  });

  it('reports the configured alarms that are in ALARM', async () => {
    ctx.mocks.cloudwatch.on(GetMetricDataCommand).resolves({ MetricDataResults: [] });
    ctx.mocks.cloudwatch.on(DescribeAlarmsCommand).resolves({
      MetricAlarms: [{ AlarmName: 'p99-high' }],
      CompositeAlarms: [{ AlarmName: 'service-degraded' }],
    });
    const sample = await readHealthSample(ctx.deps.cloudwatch, {
      endpointName: 'prod',
      canaryVariant: 'v1',
      sinceEpochMs: T0,
      nowEpochMs: T0 + 60_000,
      policy: policy({ alarmNames: ['p99-high', 'service-degraded', 'quiet'] }),
    });
    expect(sample.alarmsInAlarm).toEqual(['p99-high', 'service-degraded']);
    expect(ctx.mocks.cloudwatch.commandCalls(DescribeAlarmsCommand)[0]!.args[0].input).toEqual({
      AlarmNames: ['p99-high', 'service-degraded', 'quiet'],
      AlarmTypes: ['MetricAlarm', 'CompositeAlarm'],
      StateValue: 'ALARM',
    });
  });
});
