import {
  DescribeAlarmsCommand,
  GetMetricDataCommand,
  type MetricDataResult,
} from '@aws-sdk/client-cloudwatch';
import { beforeEach, describe, expect, it } from 'vitest';
import { alignedWindow, readEvidence, readLatencyReference } from '../../../activities/health/metrics';
import { mockedDeps, policy } from './helpers';

const T0 = Date.parse('2024-06-01T10:00:00Z');
const at = (minute: number) => new Date(T0 + minute * 60_000);

/** Complete per-period results for one variant: counts and a ladder that is flat at `latencyUs`. */
function variantResults(
  role: string,
  minutes: number[],
  invocations: number,
  errors5xx: number,
  latencyUs = 100_000,
): MetricDataResult[] {
  const ts = minutes.map(at);
  const series = (Id: string, v: number): MetricDataResult => ({
    Id,
    Timestamps: ts,
    Values: ts.map(() => v),
    StatusCode: 'Complete',
  });
  return [
    series(`${role}_invocations`, invocations),
    series(`${role}_errors5xx`, errors5xx),
    series(`${role}_errors4xx`, 0),
    series(`${role}_lat_n`, invocations),
    series(`${role}_lat_p50`, latencyUs),
    series(`${role}_lat_p99`, latencyUs),
  ];
}

describe('alignedWindow', () => {
  it('starts at the first whole period after the weight change and ends before the current one', () => {
    const w = alignedWindow(T0 + 59_000, T0 + 4 * 60_000 + 30_000, 60);
    expect(new Date(w.startMs)).toEqual(at(1));
    expect(new Date(w.endMs)).toEqual(at(4));
    expect(w.periodStarts).toEqual([at(1), at(2), at(3)].map((d) => d.getTime()));
    expect(alignedWindow(T0, T0, 60).periodStarts).toEqual([]);
    expect(alignedWindow(T0, T0 + 59_999, 60).periodStarts).toEqual([]);
  });
});

describe('readEvidence', () => {
  let ctx: ReturnType<typeof mockedDeps>;
  beforeEach(() => {
    ctx = mockedDeps();
  });
  const request = (over: Partial<Parameters<typeof readEvidence>[1]> = {}) => ({
    endpointName: 'prod',
    canaryVariant: 'v7',
    stableVariant: 'stable',
    sinceEpochMs: T0 + 10_000,
    nowEpochMs: T0 + 3 * 60_000 + 5_000,
    policy: policy({ metricPeriodSeconds: 60 }),
    ...over,
  });

  it('asks only for whole periods after the weight change, per variant, with the latency ladder', async () => {
    ctx.mocks.cloudwatch.on(GetMetricDataCommand).resolves({
      MetricDataResults: [
        ...variantResults('canary', [1, 2], 30, 1),
        ...variantResults('stable', [1, 2], 270, 3),
      ],
    });
    const e = await readEvidence(ctx.deps.cloudwatch, request());
    const input = ctx.mocks.cloudwatch.commandCalls(GetMetricDataCommand)[0]!.args[0].input;
    // The weight changed at 10:00:10: the 10:00 period mixes two steps and is left out.
    expect(input.StartTime).toEqual(at(1));
    expect(input.EndTime).toEqual(at(3));
    expect(e.periodStarts).toEqual([at(1).getTime(), at(2).getTime()]);
    const ids = input.MetricDataQueries!.map((q) => q.Id);
    expect(ids).toContain('canary_lat_p99_9');
    expect(ids).toContain('stable_lat_n');
    const p999 = input.MetricDataQueries!.find((q) => q.Id === 'canary_lat_p99_9')!;
    expect(p999.MetricStat).toMatchObject({ Period: 60, Stat: 'p99.9' });
    expect(e.canary.get(at(1).getTime())).toMatchObject({ invocations: 30, errors5xx: 1 });
    expect(e.canary.get(at(1).getTime())!.latency!.quantiles.get(50)).toBe(100); // µs → ms
    expect(e.problems).toEqual([]);
  });

  it('records a non-Complete status, a Forbidden answer and a missing count as problems', async () => {
    const canary = variantResults('canary', [1, 2], 30, 1);
    canary[1] = { ...canary[1]!, StatusCode: 'PartialData' };
    const stable = variantResults('stable', [1, 2], 270, 3);
    stable[0] = {
      ...stable[0]!,
      StatusCode: 'Forbidden',
      Messages: [{ Code: 'Forbidden', Value: 'no access' }],
    };
    ctx.mocks.cloudwatch.on(GetMetricDataCommand).resolves({ MetricDataResults: [...canary, ...stable] });
    const e = await readEvidence(ctx.deps.cloudwatch, request());
    expect(e.problems).toContain('canary_errors5xx: StatusCode PartialData');
    expect(e.problems).toContain('stable_invocations: StatusCode Forbidden');
    expect(e.problems.some((p) => p.includes('Forbidden no access'))).toBe(true);

    const gap = variantResults('canary', [1, 2], 30, 1);
    gap[1] = { ...gap[1]!, Timestamps: [at(1)], Values: [1] }; // no 5XX datapoint for 10:02
    ctx.mocks.cloudwatch.on(GetMetricDataCommand).resolves({ MetricDataResults: gap });
    const g = await readEvidence(ctx.deps.cloudwatch, request({ stableVariant: undefined }));
    expect(g.problems).toEqual([
      'canary period 2024-06-01T10:02:00.000Z: datapoints missing (Invocations, 5XX, 4XX or ModelLatency)',
    ]);
  });

  it('takes the status of the last page for a paged id', async () => {
    ctx.mocks.cloudwatch
      .on(GetMetricDataCommand)
      .resolvesOnce({
        MetricDataResults: variantResults('canary', [1], 30, 1).map((r) => ({
          ...r,
          StatusCode: 'PartialData',
        })),
        NextToken: 'more',
      })
      .resolves({ MetricDataResults: variantResults('canary', [2], 30, 1) });
    const e = await readEvidence(ctx.deps.cloudwatch, request({ stableVariant: undefined }));
    expect(e.problems).toEqual([]);
    expect(e.canary.get(at(2).getTime())).toMatchObject({ invocations: 30 });
  });

  it('makes no metric call before the first whole period, and still reads alarms', async () => {
    ctx.mocks.cloudwatch.on(DescribeAlarmsCommand).resolves({ MetricAlarms: [{ AlarmName: 'p99-high' }] });
    const e = await readEvidence(
      ctx.deps.cloudwatch,
      request({ nowEpochMs: T0 + 30_000, policy: policy({ alarmNames: ['p99-high'] }) }),
    );
    expect(e.periodStarts).toEqual([]);
    expect(e.alarmsInAlarm).toEqual(['p99-high']);
    expect(ctx.mocks.cloudwatch.commandCalls(GetMetricDataCommand)).toHaveLength(0);
  });

  it('reads guardrails per variant and combines their periods', async () => {
    const g = {
      name: 'conv',
      namespace: 'Shop',
      metricName: 'Conversion',
      dimensions: [{ name: 'App', value: 'web' }],
      statistic: 'Sum',
      worseWhen: 'lower' as const,
      limit: 1,
      missingData: 'insufficient' as const,
    };
    ctx.mocks.cloudwatch.on(GetMetricDataCommand).resolves({
      MetricDataResults: [
        { Id: 'canary_g0', Timestamps: [at(1), at(2)], Values: [2, 3], StatusCode: 'Complete' },
        { Id: 'stable_g0', Timestamps: [at(1)], Values: [7], StatusCode: 'Complete' },
      ],
    });
    const e = await readEvidence(ctx.deps.cloudwatch, request({ policy: policy({ guardrails: [g] }) }));
    expect(e.guardrails).toEqual([{ name: 'conv', canary: 5, stable: 7 }]);
    const q = ctx.mocks.cloudwatch
      .commandCalls(GetMetricDataCommand)[0]!
      .args[0].input.MetricDataQueries!.find((x) => x.Id === 'canary_g0')!;
    expect(q.MetricStat!.Metric!.Dimensions).toEqual([
      { Name: 'App', Value: 'web' },
      { Name: 'VariantName', Value: 'v7' },
    ]);
  });

  it("weights a guardrail's per-period Average by its SampleCount: the window's mean", async () => {
    const g = {
      name: 'conv',
      namespace: 'Shop',
      metricName: 'Conversion',
      dimensions: [],
      statistic: 'Average',
      worseWhen: 'lower' as const,
      relativeMargin: 0.1,
      missingData: 'insufficient' as const,
    };
    ctx.mocks.cloudwatch.on(GetMetricDataCommand).resolves({
      MetricDataResults: [
        // 10 samples at 0.5, then 90 at 0.1: the window's mean is 0.14, not (0.5 + 0.1) / 2.
        { Id: 'canary_g0', Timestamps: [at(1), at(2)], Values: [0.5, 0.1], StatusCode: 'Complete' },
        { Id: 'canary_g0_n', Timestamps: [at(1), at(2)], Values: [10, 90], StatusCode: 'Complete' },
        { Id: 'stable_g0', Timestamps: [at(1)], Values: [0.2], StatusCode: 'Complete' },
      ],
    });
    const e = await readEvidence(ctx.deps.cloudwatch, request({ policy: policy({ guardrails: [g] }) }));
    expect(e.guardrails[0]!.canary).toBeCloseTo(0.14, 12);
    // Stable's count is missing: its plain mean, which for one period is the value.
    expect(e.guardrails[0]!.stable).toBe(0.2);
    const stats = ctx.mocks.cloudwatch
      .commandCalls(GetMetricDataCommand)[0]!
      .args[0].input.MetricDataQueries!.filter((x) => x.Id!.includes('_g0'))
      .map((x) => `${x.Id}:${x.MetricStat!.Stat}`);
    expect(stats).toEqual(
      expect.arrayContaining(['canary_g0:Average', 'canary_g0_n:SampleCount', 'stable_g0_n:SampleCount']),
    );
  });
});

describe('readLatencyReference', () => {
  it("reads stable's median and tail over one period ending at the step's start", async () => {
    const ctx = mockedDeps();
    ctx.mocks.cloudwatch.on(GetMetricDataCommand).resolves({
      MetricDataResults: [
        { Id: 'ref_n', Timestamps: [at(-10)], Values: [5000], StatusCode: 'Complete' },
        { Id: 'ref_p50', Timestamps: [at(-10)], Values: [80_000], StatusCode: 'Complete' },
        { Id: 'ref_tail', Timestamps: [at(-10)], Values: [300_000], StatusCode: 'Complete' },
      ],
    });
    const ref = await readLatencyReference(ctx.deps.cloudwatch, {
      endpointName: 'prod',
      stableVariant: 'stable',
      sinceEpochMs: T0 + 10_000,
      policy: policy({ latencyReferenceSeconds: 600 }),
    });
    expect(ref).toEqual({ reference: { p50Ms: 80, tailMs: 300, samples: 5000 }, problems: [] });
    const input = ctx.mocks.cloudwatch.commandCalls(GetMetricDataCommand)[0]!.args[0].input;
    expect(input.StartTime).toEqual(at(-10));
    expect(input.EndTime).toEqual(at(0));
    expect(input.MetricDataQueries![0]!.MetricStat!.Period).toBe(600);
  });

  it('asks for one valid CloudWatch period: 70 s at 20 s periods is read as 120 s, not 80', async () => {
    const ctx = mockedDeps();
    ctx.mocks.cloudwatch.on(GetMetricDataCommand).resolves({ MetricDataResults: [] });
    await readLatencyReference(ctx.deps.cloudwatch, {
      endpointName: 'prod',
      stableVariant: 'stable',
      sinceEpochMs: T0 + 10_000,
      policy: policy({ metricPeriodSeconds: 20, latencyReferenceSeconds: 70 }),
    });
    const input = ctx.mocks.cloudwatch.commandCalls(GetMetricDataCommand)[0]!.args[0].input;
    expect(input.MetricDataQueries![0]!.MetricStat!.Period).toBe(120);
    expect(input.EndTime!.getTime() - input.StartTime!.getTime()).toBe(120_000);
  });

  it("reads stable's p10…p90 for the graded body test, and does without them when one is missing", async () => {
    const ctx = mockedDeps();
    const point = (Id: string, v: number): MetricDataResult => ({
      Id,
      Timestamps: [at(-10)],
      Values: [v],
      StatusCode: 'Complete',
    });
    const body = [point('ref_p10', 30_000), point('ref_p25', 50_000), point('ref_p75', 120_000)];
    ctx.mocks.cloudwatch
      .on(GetMetricDataCommand)
      .resolvesOnce({
        MetricDataResults: [
          point('ref_n', 5000),
          point('ref_p50', 80_000),
          point('ref_tail', 300_000),
          ...body,
          point('ref_p90', 200_000),
        ],
      })
      .resolves({
        MetricDataResults: [
          point('ref_n', 5000),
          point('ref_p50', 80_000),
          point('ref_tail', 300_000),
          ...body,
        ],
      });
    const read = () =>
      readLatencyReference(ctx.deps.cloudwatch, {
        endpointName: 'prod',
        stableVariant: 'stable',
        sinceEpochMs: T0 + 10_000,
        policy: policy({ latencyReferenceSeconds: 600 }),
      });
    expect((await read()).reference).toEqual({
      p50Ms: 80,
      tailMs: 300,
      samples: 5000,
      bodyMs: [30, 50, 80, 120, 200],
    });
    const ids = ctx.mocks.cloudwatch
      .commandCalls(GetMetricDataCommand)[0]!
      .args[0].input.MetricDataQueries!.map((q) => `${q.Id}:${q.MetricStat!.Stat}`);
    expect(ids).toEqual(expect.arrayContaining(['ref_p10:p10', 'ref_p25:p25', 'ref_p75:p75', 'ref_p90:p90']));
    expect((await read()).reference).toEqual({ p50Ms: 80, tailMs: 300, samples: 5000 });
  });
});
