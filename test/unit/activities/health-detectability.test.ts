import { GetMetricDataCommand, type GetMetricDataCommandInput } from '@aws-sdk/client-cloudwatch';
import { describe, expect, it } from 'vitest';
import { createActivities } from '../../../activities';
import { assessDetectability, type DetectabilityArgs } from '../../../activities/health/detectability';
import { judgeLook, type HealthEvidence } from '../../../activities/health/judge';
import type { DetectabilityActivities } from '../../../src/shared/activity-contracts';
import type { HealthPolicy } from '../../../src/shared/lifecycle-input';
import { mockedDeps, policy } from './helpers';

const args = (over: Partial<DetectabilityArgs> = {}): DetectabilityArgs => ({
  requestsPerSecond: 5,
  stableErrorRate: 0.01,
  latencyP50Ms: 50,
  latencyP99Ms: 160,
  canarySteps: [10, 50, 100],
  bakeSeconds: 600,
  policy: policy(),
  ...over,
});

describe('assessDetectability', () => {
  it('sees less with less traffic, a shorter bake or a smaller budget', () => {
    const ratio = (a: DetectabilityArgs) =>
      assessDetectability(a).perStep[0]!.minDetectableErrorRatio ?? Infinity;
    expect(ratio(args({ requestsPerSecond: 50 }))).toBeLessThan(ratio(args({ requestsPerSecond: 5 })));
    expect(ratio(args({ bakeSeconds: 3600 }))).toBeLessThan(ratio(args()));
    expect(ratio(args({ policy: policy({ falseRollbackBudget: 0.001 }) }))).toBeGreaterThan(
      ratio(args({ policy: policy({ falseRollbackBudget: 0.05 }) })),
    );
  });

  it('sees a smaller 5xx regression when the policy gives the 5xx comparison more of the budget', () => {
    const ratio = (alphaShares: HealthPolicy['alphaShares']) =>
      assessDetectability(args({ policy: policy({ alphaShares }) })).perStep[1]!.minDetectableErrorRatio!;
    expect(ratio({ '5xx-vs-stable': 0.95 })).toBeLessThan(ratio({}));
    expect(ratio({ '5xx-vs-stable': 0.05 })).toBeGreaterThan(ratio({}));
  });

  it('states nothing relative at 100 % (no stable traffic left) but still the absolute limit', () => {
    const last = assessDetectability(args()).perStep[2]!;
    expect(last).toMatchObject({
      canaryWeight: 100,
      expectedStableRequests: 0,
      minDetectableErrorRatio: null,
    });
    expect(last.minDetectableErrorRateOverLimit).toBeGreaterThan(0.05);
  });

  it('warns, without refusing, when a doubling is out of reach', () => {
    const low = assessDetectability(args({ requestsPerSecond: 1 }));
    expect(low.warning).toMatch(/doubling of the 5xx rate .* unlikely to be seen during the 10%, 50% steps/);
    expect(assessDetectability(args({ requestsPerSecond: 500 })).warning).toBeUndefined();
  });

  it('agrees with the judge: the stated ratio is flagged at the final look on expected counts, a clearly smaller one is not', () => {
    // No latency data in this evidence: no minimum sample, so the final look is reached.
    const a = args({ requestsPerSecond: 50, policy: policy({ minInvocations: 0 }) });
    const step = assessDetectability(a).perStep[0]!;
    const r = step.minDetectableErrorRatio!;
    // Feed the judge the bake's expected counts in one period (the drift the approximation is built on).
    const judgeAt = (ratio: number) => {
      const nc = step.expectedCanaryRequests;
      const ns = step.expectedStableRequests;
      const e: HealthEvidence = {
        canaryVariant: 'c',
        stableVariant: 's',
        periodStarts: [0],
        canary: new Map([[0, { invocations: nc, errors5xx: Math.round(nc * 0.01 * ratio), errors4xx: 0 }]]),
        stable: new Map([[0, { invocations: ns, errors5xx: Math.round(ns * 0.01), errors4xx: 0 }]]),
        problems: [],
        alarmsInAlarm: [],
        guardrails: [],
        windowStart: '',
        windowEnd: '',
      };
      return judgeLook(
        e,
        a.policy,
        { stepIndex: 0, steps: [10, 50, 100], finalLook: true },
        { bounds: false },
      ).tests.find((t) => t.test === '5xx-vs-stable')!.rejected;
    };
    expect(judgeAt(r * 1.1)).toBe(true);
    expect(judgeAt(r / 1.3)).toBe(false);
  });
});

describe('assessDetectability activity', () => {
  it("reads the stable variant's last hour in one period and reports per step", async () => {
    const ctx = mockedDeps();
    const at = Date.parse('2024-06-01T10:00:30Z');
    ctx.mocks.cloudwatch.on(GetMetricDataCommand).callsFake((req: GetMetricDataCommandInput) => {
      const t = [req.StartTime as Date];
      const s = (Id: string, v: number) => ({ Id, Timestamps: t, Values: [v], StatusCode: 'Complete' });
      return Promise.resolve({
        MetricDataResults: [s('inv', 18_000), s('err', 180), s('p50', 50_000), s('p99', 160_000)],
      });
    });
    const acts = createActivities({ ...ctx.deps, now: () => at }) as unknown as DetectabilityActivities;
    const report = await acts.assessDetectability({
      endpointName: 'prod',
      stableVariant: 'stable',
      canarySteps: [10, 50, 100],
      bakeSeconds: 600,
      policy: policy(),
    });
    expect(report.requestsPerSecond).toBeCloseTo(5, 9);
    expect(report.stableErrorRate).toBeCloseTo(0.01, 9);
    expect(report.latencyP50Ms).toBe(50);
    expect(report.perStep.map((s) => s.expectedCanaryRequests)).toEqual([300, 1500, 3000]);
    const input = ctx.mocks.cloudwatch.commandCalls(GetMetricDataCommand)[0]!.args[0].input;
    expect(input.EndTime).toEqual(new Date('2024-06-01T10:00:00Z'));
    expect(input.MetricDataQueries![0]!.MetricStat!.Period).toBe(3600);
  });
});

describe('assessDetectability on evidence it cannot trust', () => {
  const at = Date.parse('2024-06-01T10:00:30Z');
  const input = {
    endpointName: 'prod',
    stableVariant: 'stable',
    canarySteps: [10, 50, 100],
    bakeSeconds: 600,
  };
  function activityAnswering(answer: (req: GetMetricDataCommandInput) => unknown) {
    const ctx = mockedDeps();
    ctx.mocks.cloudwatch
      .on(GetMetricDataCommand)
      .callsFake((req: GetMetricDataCommandInput) => Promise.resolve(answer(req)));
    const acts = createActivities({ ...ctx.deps, now: () => at }) as unknown as DetectabilityActivities;
    return { ctx, acts };
  }
  const answer =
    (status: string, values: Record<string, number>, messages = false) =>
    (req: GetMetricDataCommandInput) => ({
      MetricDataResults: ['inv', 'err', 'p50', 'p99'].map((Id) => ({
        Id,
        Timestamps: values[Id] === undefined ? [] : [req.StartTime as Date],
        Values: values[Id] === undefined ? [] : [values[Id]],
        StatusCode: status,
        ...(messages ? { Messages: [{ Code: 'Forbidden', Value: 'not authorized' }] } : {}),
      })),
    });

  it('PartialData or Forbidden: the figures come with a warning that says so', async () => {
    const partial = activityAnswering(
      answer('PartialData', { inv: 9000, err: 90, p50: 50_000, p99: 160_000 }),
    );
    const p = await partial.acts.assessDetectability({ ...input, policy: policy() });
    expect(p.requestsPerSecond).toBe(2.5);
    expect(p.warning).toMatch(
      /^CloudWatch did not vouch for stable's last 3600 s \(inv: StatusCode PartialData/,
    );
    const forbidden = activityAnswering(answer('Forbidden', {}, true));
    const f = await forbidden.acts.assessDetectability({ ...input, policy: policy() });
    expect(f.warning).toContain('CloudWatch says Forbidden not authorized');
  });

  it('a stable variant without traffic: a warning, not an idle report', async () => {
    const { acts } = activityAnswering(answer('Complete', {}));
    const r = await acts.assessDetectability({ ...input, policy: policy() });
    expect(r.perStep.every((s) => s.minDetectableErrorRatio === null)).toBe(true);
    expect(r.warning).toContain('stable stable served no requests in the last 3600 s');
  });

  it('asks for a valid CloudWatch period: 70 s at 20 s periods as 120 s', async () => {
    const { ctx, acts } = activityAnswering(answer('Complete', { inv: 1000, err: 10, p50: 1, p99: 2 }));
    await acts.assessDetectability({
      ...input,
      lookbackSeconds: 70,
      policy: policy({ metricPeriodSeconds: 20 }),
    });
    const q = ctx.mocks.cloudwatch.commandCalls(GetMetricDataCommand)[0]!.args[0].input;
    expect(q.MetricDataQueries![0]!.MetricStat!.Period).toBe(120);
  });

  it('a bake shorter than one metric period can detect nothing, and says so', () => {
    const r = assessDetectability(
      args({ requestsPerSecond: 50, bakeSeconds: 30, policy: policy({ metricPeriodSeconds: 60 }) }),
    );
    expect(
      r.perStep.every(
        (s) => s.minDetectableErrorRatio === null && s.minDetectableErrorRateOverLimit === null,
      ),
    ).toBe(true);
    expect(r.warning).toBe(
      'the 30 s bake is shorter than one 60 s metric period: no step has a whole period to judge',
    );
    // Control: a bake of one whole period states a figure.
    expect(
      assessDetectability(args({ requestsPerSecond: 50, bakeSeconds: 60 })).perStep[0]!
        .minDetectableErrorRatio,
    ).not.toBeNull();
  });

  it('a stable without 5xx has no doubling to miss: no warning about one, at any traffic', () => {
    expect(
      assessDetectability(args({ stableErrorRate: 0, requestsPerSecond: 10_000, bakeSeconds: 86_400 }))
        .warning,
    ).toBeUndefined();
    expect(assessDetectability(args({ requestsPerSecond: 1 })).warning).toContain(
      'a doubling of the 5xx rate',
    );
  });
});
