/**
 * Evidence CloudWatch does not vouch for is insufficient, never healthy: answers that leave a query
 * out, a page's error that a later page does not undo, values that are not counts, a variant's period
 * not yet published, a guardrail without datapoints. Each case has a control (the same canary on
 * complete data) that shows the verdict the missing data would have hidden.
 */
import { GetMetricDataCommand, type MetricDataResult } from '@aws-sdk/client-cloudwatch';
import { describe, expect, it } from 'vitest';
import { LATENCY_LADDER } from '../../../activities/health/exceedance';
import { judgeLook } from '../../../activities/health/judge';
import { readEvidence } from '../../../activities/health/metrics';
import type { GuardrailMetric, HealthPolicy } from '../../../src/shared/lifecycle-input';
import { healthPolicySchema } from '../../../src/shared/lifecycle-input';
import { mockedDeps, policy } from './helpers';

const T0 = Date.parse('2024-06-01T10:00:00Z');
const at = (minute: number) => new Date(T0 + minute * 60_000);
const MINUTES = [1, 2, 3];
const BASE = policy({ minInvocations: 100 });

const series = (Id: string, values: number[], minutes = MINUTES): MetricDataResult => ({
  Id,
  Timestamps: minutes.map(at),
  Values: values,
  StatusCode: 'Complete',
});

/** One variant's complete answer: the same counts in every period and a flat latency ladder. */
function variant(role: string, o: { inv: number; e5?: number; e4?: number; latencyUs?: number }) {
  const all = (v: number) => MINUTES.map(() => v);
  return [
    series(`${role}_invocations`, all(o.inv)),
    series(`${role}_errors5xx`, all(o.e5 ?? 0)),
    series(`${role}_errors4xx`, all(o.e4 ?? 0)),
    series(`${role}_lat_n`, all(o.inv)),
    ...LATENCY_LADDER.map((l) =>
      series(`${role}_lat_p${String(l).replace('.', '_')}`, all(o.latencyUs ?? 100_000)),
    ),
  ];
}

const without = (results: MetricDataResult[], ids: (id: string) => boolean) =>
  results.filter((r) => !ids(r.Id!));
const replace = (results: MetricDataResult[], id: string, values: number[]) =>
  results.map((r) => (r.Id === id ? { ...r, Values: values } : r));

async function look(
  answer: MetricDataResult[] | { MetricDataResults: MetricDataResult[]; NextToken?: string }[],
  o: { policy?: HealthPolicy; stable?: boolean; finalLook?: boolean } = {},
) {
  const pol = o.policy ?? BASE;
  const ctx = mockedDeps();
  const pages = Array.isArray(answer[0]) || !('MetricDataResults' in (answer[0] ?? {}));
  const mock = ctx.mocks.cloudwatch.on(GetMetricDataCommand);
  if (pages) mock.resolves({ MetricDataResults: answer as MetricDataResult[] });
  else {
    const ps = answer as { MetricDataResults: MetricDataResult[]; NextToken?: string }[];
    ps.slice(0, -1).forEach((p) => mock.resolvesOnce(p));
    mock.resolves(ps[ps.length - 1]!);
  }
  const e = await readEvidence(ctx.deps.cloudwatch, {
    endpointName: 'prod',
    canaryVariant: 'v7',
    ...((o.stable ?? true) ? { stableVariant: 'stable' } : {}),
    sinceEpochMs: T0 + 10_000,
    nowEpochMs: T0 + 4 * 60_000 + 5_000,
    policy: pol,
  });
  const v = judgeLook(e, pol, { stepIndex: 0, steps: [10, 50, 100], finalLook: o.finalLook ?? true });
  return { e, v };
}

describe('an answer that leaves something out', () => {
  it("stable's queries absent: the comparison cannot run, so no verdict (control: 3 % vs 0.1 % rolls back)", async () => {
    const canary = variant('canary', { inv: 1000, e5: 30 });
    const stable = variant('stable', { inv: 9000, e5: 9 });
    const full = await look([...canary, ...stable]);
    expect(full.v.status).toBe('unhealthy');
    expect(full.v.reasons.join()).toContain('5xx-vs-stable');

    const r = await look(canary);
    expect(r.v.status).toBe('insufficient-data');
    expect(r.e.problems).toContain("stable_invocations: not in CloudWatch's answer");
  });

  it('the 4XX query absent (control: 90 % 4xx rolls back), or one period without its 4XX datapoint: no verdict', async () => {
    const bad = variant('canary', { inv: 1000, e4: 900 });
    expect((await look(bad, { stable: false })).v.status).toBe('unhealthy');

    const noQuery = await look(
      without(bad, (id) => id === 'canary_errors4xx'),
      { stable: false },
    );
    expect(noQuery.v.status).toBe('insufficient-data');
    const oneGap = await look(
      variant('canary', { inv: 1000 }).map((r) =>
        r.Id === 'canary_errors4xx' ? series(r.Id, [0, 0], [1, 2]) : r,
      ),
      { stable: false },
    );
    expect(oneGap.v.status).toBe('insufficient-data');
    expect(oneGap.e.problems.join()).toContain('4XX');
  });

  it('latency samples without any percentile: no verdict (control: 5 s against the 1 s limit rolls back)', async () => {
    const slow = variant('canary', { inv: 1000, latencyUs: 5_000_000 });
    expect((await look(slow, { stable: false })).v.status).toBe('unhealthy');
    const r = await look(
      without(slow, (id) => id.startsWith('canary_lat_p')),
      { stable: false },
    );
    expect(r.v.status).toBe('insufficient-data');
    expect(r.e.problems.join()).toContain('no ModelLatency percentile');
  });

  it("stable's period not yet published where the canary's errors are: no verdict, not a comparison without it", async () => {
    const canary = [
      ...variant('canary', { inv: 1000 }).filter((r) => !r.Id!.includes('errors5xx')),
      series('canary_errors5xx', [1, 1, 60]),
    ];
    const stable = variant('stable', { inv: 9000, e5: 9 });
    expect((await look([...canary, ...stable])).v.status).toBe('unhealthy');

    const late = stable.map((r) => ({
      ...r,
      Timestamps: r.Timestamps!.slice(0, 2),
      Values: r.Values!.slice(0, 2),
    }));
    const r = await look([...canary, ...late]);
    expect(r.v.status).toBe('insufficient-data');
    expect(r.e.problems.join()).toContain('not yet published');
  });

  it("the window's last period not yet published for either busy variant: no verdict on the periods before it", async () => {
    const lastMissing = (rs: MetricDataResult[]) =>
      rs.map((r) => ({ ...r, Timestamps: r.Timestamps!.slice(0, 2), Values: r.Values!.slice(0, 2) }));
    const r = await look([
      ...lastMissing(variant('canary', { inv: 1000 })),
      ...lastMissing(variant('stable', { inv: 9000 })),
    ]);
    expect(r.v.status).toBe('insufficient-data');
    expect(r.e.problems).toEqual([
      "canary period 2024-06-01T10:03:00.000Z: no datapoint in the window's last periods (canary averages 1000 invocations a period): not yet published",
      "stable period 2024-06-01T10:03:00.000Z: no datapoint in the window's last periods (stable averages 9000 invocations a period): not yet published",
    ]);
  });

  it('a quiet variant missing a period is idle, not late: a canary at 5 a period may have none', async () => {
    const canary = variant('canary', { inv: 5 }).map((r) => ({
      ...r,
      Timestamps: r.Timestamps!.slice(1),
      Values: r.Values!.slice(1),
    }));
    const r = await look([...canary, ...variant('stable', { inv: 45 })], {
      policy: policy({ minInvocations: 10 }),
    });
    expect(r.e.problems).toEqual([]);
    expect(r.v.status).toBe('healthy');
  });
});

describe('the final look', () => {
  it('runs no fixed-horizon test on incomplete data: the watch runs it at the first complete look', async () => {
    // 8 % 5xx against the 5 % limit: the e-process stays below its boundary, the final look rejects.
    const borderline = variant('canary', { inv: 300, e5: 24 });
    const complete = await look(borderline, { stable: false });
    expect(complete.v.status).toBe('unhealthy');
    expect(complete.v.reasons[0]).toContain('5xx-limit (final look)');

    const gap = borderline.map((r) => (r.Id === 'canary_errors4xx' ? series(r.Id, [0, 0], [1, 2]) : r));
    const r = await look(gap, { stable: false });
    expect(r.v.status).toBe('insufficient-data');
    expect(r.v.tests.every((t) => t.pValue === undefined)).toBe(true);
  });
});

describe('pages', () => {
  it('an InternalError on page 1 stays a problem when page 2 says Complete (PartialData does not)', async () => {
    const all = variant('canary', { inv: 100 });
    const firstTwo = all.map((r) => ({
      ...r,
      Timestamps: r.Timestamps!.slice(0, 2),
      Values: r.Values!.slice(0, 2),
      StatusCode: 'PartialData' as const,
    }));
    const last = all.map((r) => ({ ...r, Timestamps: r.Timestamps!.slice(2), Values: r.Values!.slice(2) }));
    const failed = firstTwo.map((r) =>
      r.Id === 'canary_errors4xx'
        ? { ...r, Timestamps: [], Values: [], StatusCode: 'InternalError' as const }
        : r,
    );
    const ok = await look([{ MetricDataResults: firstTwo, NextToken: 'more' }, { MetricDataResults: last }], {
      stable: false,
    });
    expect(ok.e.problems).toEqual([]);
    expect(ok.v.status).toBe('healthy');

    const r = await look([{ MetricDataResults: failed, NextToken: 'more' }, { MetricDataResults: last }], {
      stable: false,
    });
    expect(r.e.problems).toContain('canary_errors4xx: StatusCode InternalError');
    expect(r.v.status).toBe('insufficient-data');
  });
});

describe('values that are not counts', () => {
  it('a NaN is a problem, not a number that makes every test NaN (checked at a look that is not the final one)', async () => {
    const bad = variant('canary', { inv: 1000, e5: 10 });
    const r = await look(replace(bad, 'canary_errors5xx', [10, 10, NaN]), {
      stable: false,
      finalLook: false,
    });
    expect(r.v.status).toBe('insufficient-data');
    expect(r.e.problems.join()).toContain('is not a number');
  });

  it('a negative count cannot cancel real errors (control: 900 errors a period rolls back)', async () => {
    const bad = variant('canary', { inv: 1000, e5: 900 });
    expect((await look(bad, { stable: false })).v.status).toBe('unhealthy');
    const r = await look(replace(bad, 'canary_errors5xx', [900, 900, -1800]), { stable: false });
    expect(r.v.status).not.toBe('healthy');
    expect(r.e.problems.join()).toContain('negative count');
  });
});

describe('guardrails without data', () => {
  const guard = (over: Partial<GuardrailMetric> = {}): GuardrailMetric => ({
    name: 'errors',
    namespace: 'Shop',
    metricName: 'CheckoutErrors',
    dimensions: [],
    statistic: 'Maximum',
    worseWhen: 'higher',
    limit: 10,
    missingData: 'insufficient',
    ...over,
  });
  const base = [...variant('canary', { inv: 1000 }), ...variant('stable', { inv: 9000 })];
  const withGuards = (gs: GuardrailMetric[]) => ({ policy: policy({ minInvocations: 100, guardrails: gs }) });

  it('a guardrail over its line rolls back (control)', async () => {
    const r = await look([...base, series('canary_g0', [50, 50, 50])], withGuards([guard()]));
    expect(r.v.status).toBe('unhealthy');
    expect(r.v.reasons[0]).toContain('guardrail errors');
  });

  it('no datapoint at all, or none in one period with traffic: insufficient by default', async () => {
    const none = await look([...base, series('canary_g0', [], [])], withGuards([guard()]));
    expect(none.v.status).toBe('insufficient-data');
    expect(none.e.problems.join()).toContain('guardrail errors: no canary datapoint in 3 of the 3 periods');
    const gap = await look([...base, series('canary_g0', [1, 2], [1, 2])], withGuards([guard()]));
    expect(gap.v.status).toBe('insufficient-data');
    const absent = await look(base, withGuards([guard()]));
    expect(absent.e.problems).toContain("guardrail errors: canary's query not in CloudWatch's answer");
  });

  it('missingData "not-breaching": a metric published only when something happens passes its quiet periods', async () => {
    const g = guard({ missingData: 'not-breaching' });
    const quiet = await look([...base, series('canary_g0', [], [])], withGuards([g]));
    expect(quiet.e.problems).toEqual([]);
    expect(quiet.v.status).toBe('healthy');
    const breach = await look([...base, series('canary_g0', [50], [2])], withGuards([g]));
    expect(breach.v.status).toBe('unhealthy');
  });

  it("a relative guardrail needs stable's value to draw its line", async () => {
    const g = guard({ limit: undefined, relativeMargin: 0.1 });
    delete g.limit;
    const r = await look(
      [...base, series('canary_g0', [1e6, 1e6, 1e6]), series('stable_g0', [], [])],
      withGuards([g]),
    );
    expect(r.v.status).toBe('insufficient-data');
    expect(r.e.problems.join()).toContain('no stable datapoint');
  });

  it('two guardrails are judged each on its own reading, and the schema refuses a name twice', async () => {
    const a = guard({ metricName: 'A' });
    const b = guard({ metricName: 'B', name: 'errors-b' });
    const r = await look(
      [...base, series('canary_g0', [1, 1, 1]), series('canary_g1', [99, 99, 99])],
      withGuards([a, b]),
    );
    expect(r.v.status).toBe('unhealthy');
    expect(r.v.reasons[0]).toContain('guardrail errors-b');

    const twice = healthPolicySchema.safeParse({ guardrails: [a, { ...b, name: 'errors' }] });
    expect(twice.success).toBe(false);
    expect(twice.error!.issues[0]).toMatchObject({
      path: ['guardrails', 1, 'name'],
      message: 'duplicate guardrail name errors',
    });
    const variantDim = healthPolicySchema.safeParse({
      guardrails: [{ ...a, dimensions: [{ name: 'VariantName', value: 'x' }] }],
    });
    expect(variantDim.success).toBe(false);
  });
});
