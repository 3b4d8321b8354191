import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LATENCY_LADDER, type LatencyPeriod } from '../../../activities/health/exceedance';
import {
  judgeLook,
  ALPHA_SHARES,
  BODY_LEVELS,
  E_PROCESS_SHARE,
  type HealthEvidence,
  type VariantPeriod,
} from '../../../activities/health/judge';
import { normalQuantile } from '../../../activities/health/normal';
import type { HealthVerdict } from '../../../src/shared/activity-contracts';
import { policy } from './helpers';

const T0 = Date.parse('2024-06-01T10:00:00Z');
const MINUTE = 60_000;

/** A latency period whose ladder is that of a log-normal with this median (ms) and spread. */
function lognormalLatency(samples: number, medianMs: number, sigma = 0.5): LatencyPeriod {
  return {
    samples,
    quantiles: new Map(LATENCY_LADDER.map((l) => [l, medianMs * Math.exp(sigma * normalQuantile(l / 100))])),
  };
}

function period(invocations: number, errors5xx = 0, medianMs = 100, errors4xx = 0): VariantPeriod {
  return { invocations, errors5xx, errors4xx, latency: lognormalLatency(invocations, medianMs) };
}

function evidence(
  canary: VariantPeriod[],
  stable?: VariantPeriod[],
  extra: Partial<HealthEvidence> = {},
): HealthEvidence {
  const periodStarts = canary.map((_, i) => T0 + i * MINUTE);
  return {
    canaryVariant: 'v7',
    periodStarts,
    canary: new Map(canary.map((p, i) => [periodStarts[i]!, p])),
    ...(stable
      ? { stableVariant: 'stable', stable: new Map(stable.map((p, i) => [periodStarts[i]!, p])) }
      : {}),
    problems: [],
    alarmsInAlarm: [],
    guardrails: [],
    latencyReference: { p50Ms: 100, tailMs: 100 * Math.exp(0.5 * normalQuantile(0.99)), samples: 10_000 },
    windowStart: new Date(T0).toISOString(),
    windowEnd: new Date(T0 + canary.length * MINUTE).toISOString(),
    ...extra,
  };
}

const repeat = <T>(n: number, f: (i: number) => T): T[] => Array.from({ length: n }, (_, i) => f(i));
const at = { stepIndex: 0, steps: [10, 50, 100] };
const p = policy({ minInvocations: 100 });

describe('judgeLook', () => {
  it('splits the budget over steps and tests, and states what has been spent', () => {
    const v = judgeLook(
      evidence(
        repeat(5, () => period(100)),
        repeat(5, () => period(900)),
      ),
      p,
      {
        stepIndex: 1,
        steps: [10, 50, 100],
      },
    );
    // Comparisons share α over the two steps where stable still serves; the limits over all three.
    const stepAlpha = (0.01 * 0.9) / 2 + (0.01 * 0.1) / 3;
    expect(v.alpha.lifecycle).toBe(0.01);
    expect(v.alpha.step).toBeCloseTo(stepAlpha, 12);
    expect(v.alpha.spentThroughStep).toBeCloseTo(2 * stepAlpha, 12);
    for (const t of v.tests) {
      const share = ALPHA_SHARES[t.test as keyof typeof ALPHA_SHARES];
      expect(t.alpha).toBeCloseTo((0.01 * share) / (t.test.endsWith('-vs-stable') ? 2 : 3), 12);
      expect(t.log10Boundary).toBeCloseTo(Math.log10(1 / (t.alpha * E_PROCESS_SHARE)), 9);
    }
  });

  it('healthy with identical variants, carrying the numbers of every test', () => {
    const v = judgeLook(
      evidence(
        repeat(10, () => period(30, 0)),
        repeat(10, () => period(270, 3)),
      ),
      p,
      at,
    );
    expect(v.status).toBe('healthy');
    expect(v.tests.map((t) => t.test)).toEqual([
      '5xx-limit',
      '4xx-limit',
      '5xx-vs-stable',
      'latency-limit',
      'latency-body-vs-stable',
      'latency-tail-vs-stable',
    ]);
    const rel = v.tests.find((t) => t.test === '5xx-vs-stable')!;
    expect(rel).toMatchObject({ canaryEvents: 0, canaryTrials: 300, stableEvents: 30, stableTrials: 2700 });
    expect(v.canary.invocations).toBe(300);
    expect(v.reasons[0]).toContain('300 invocations');
  });

  it('rolls back a tenfold 5xx rate within four minutes at 5 req/s and a 10 % weight (120 canary requests)', () => {
    // Stable 1 %, canary 10 %: a minute is 30 canary and 270 stable requests.
    const v = judgeLook(
      evidence(
        repeat(4, () => period(30, 3)),
        repeat(4, () => period(270, 3)),
      ),
      p,
      at,
    );
    expect(v.status).toBe('unhealthy');
    expect(v.reasons[0]).toMatch(
      /^5xx-vs-stable: canary 5xx rate 10.00% \(12\/120\) against stable's 1.11% \(12\/1080\), ratio 9.00 \(lower bound/,
    );
    // Two minutes are not yet beyond doubt at this budget.
    const early = judgeLook(
      evidence(
        repeat(2, () => period(30, 3)),
        repeat(2, () => period(270, 3)),
      ),
      p,
      at,
    );
    expect(early.status).not.toBe('unhealthy');
  });

  it('does not roll back a small excess that the data cannot tell from chance', () => {
    // The old z-test (z ≈ 2.9 ≥ 2.33) would have rolled this back: 3/300 against 9/2700.
    const v = judgeLook(
      evidence(
        repeat(10, (i) => period(30, i < 3 ? 1 : 0)),
        repeat(10, (i) => period(270, i < 9 ? 1 : 0)),
      ),
      p,
      at,
    );
    expect(v.status).toBe('healthy');
  });

  it('judges the absolute limit on a confidence bound, not the point estimate', () => {
    // 7 % observed on 100 requests is over the 5 % limit as a point estimate, but not beyond doubt.
    const near = judgeLook(evidence([period(100, 7)]), p, at);
    expect(near.status).toBe('healthy');
    const far = judgeLook(evidence([period(400, 80)]), p, at);
    expect(far.status).toBe('unhealthy');
    const t = far.tests.find((x) => x.test === '5xx-limit')!;
    expect(t.lowerBound).toBeGreaterThan(0.05);
    expect(t.lowerBound).toBeLessThan(0.2);
    expect(far.reasons[0]).toContain('5xx-limit: canary 5xx rate 20.00% (80/400) (lower bound');
  });

  it('catches a whole-distribution slowdown and a tail-only one at the same quantiles as stable', () => {
    const slow = judgeLook(
      evidence(
        repeat(10, () => period(300, 0, 150)),
        repeat(10, () => period(2700, 0, 100)),
      ),
      p,
      at,
    );
    expect(slow.tests.find((t) => t.test === 'latency-body-vs-stable')!.rejected).toBe(true);
    // Same median, p99 1.5× stable's: only the ladder's tail moves.
    const tailOnly = (n: number): VariantPeriod => {
      const lat = lognormalLatency(n, 100);
      for (const l of [98.5, 98.75, 99, 99.25, 99.5, 99.75, 99.9])
        lat.quantiles.set(l, lat.quantiles.get(l)! * 1.5);
      return { invocations: n, errors5xx: 0, errors4xx: 0, latency: lat };
    };
    const tail = judgeLook(
      evidence(
        repeat(10, () => tailOnly(3000)),
        repeat(10, () => period(3000, 0, 100)),
      ),
      p,
      at,
    );
    expect(tail.tests.find((t) => t.test === 'latency-body-vs-stable')!.rejected).toBe(false);
    expect(tail.tests.find((t) => t.test === 'latency-tail-vs-stable')!.rejected).toBe(true);
    expect(tail.status).toBe('unhealthy');
  });

  it('spends on each test the share of α that the policy gives it', () => {
    // 47 canary 5xx in 3000 against stable's 1 %: mid-p 3.4e-3, between the two levels below.
    const borderline = evidence(
      repeat(10, (i) => period(300, i < 7 ? 5 : 4)),
      repeat(10, () => period(2700, 27)),
    );
    const final = { ...at, finalLook: true };
    const byDefault = judgeLook(borderline, p, final);
    expect(byDefault.status).toBe('healthy');
    const focused = policy({ minInvocations: 100, alphaShares: { '5xx-vs-stable': 0.95 } });
    const v = judgeLook(borderline, focused, final);
    expect(v.status).toBe('unhealthy');
    expect(v.reasons).toEqual([expect.stringMatching(/^5xx-vs-stable \(final look\)/)]);
    const alphaOf = (x: typeof v, test: string) => x.tests.find((t) => t.test === test)!.alpha;
    expect(alphaOf(v, '5xx-vs-stable')).toBeCloseTo((0.01 * 0.95) / 2, 12);
    expect(alphaOf(v, 'latency-tail-vs-stable')).toBeLessThan(alphaOf(byDefault, 'latency-tail-vs-stable'));
    expect(v.tests.reduce((sum, t) => sum + t.alpha, 0)).toBeCloseTo(v.alpha.step, 12);
  });

  it("spends the rest of the α once, at the final look, on the bake's periods", () => {
    // 1.73× at 50 req/s over a 10 % bake: 3000 canary requests at 1.73 %, 27000 stable at 1 %.
    const bake = {
      canary: repeat(10, (i) => period(300, i < 2 ? 6 : 5)),
      stable: repeat(10, () => period(2700, 27)),
    };
    const doubled = evidence(bake.canary, bake.stable);
    const during = judgeLook(doubled, p, at);
    expect(during.status).toBe('healthy'); // the e-process alone cannot see it yet
    expect(during.tests.every((t) => t.pValue === undefined)).toBe(true);
    const final = judgeLook(doubled, p, { ...at, finalLook: true });
    expect(final.status).toBe('unhealthy');
    const t = final.tests.find((x) => x.test === '5xx-vs-stable')!;
    expect(t.pValue).toBeLessThanOrEqual(t.finalAlpha!);
    expect(t.finalAlpha).toBeCloseTo(t.alpha * (1 - E_PROCESS_SHARE), 12);
    expect(final.reasons[0]).toMatch(
      /^5xx-vs-stable \(final look\): canary 5xx rate 1.73% \(52\/3000\) against stable's 1.00% \(270\/27000\), mid-p = /,
    );
    // Two clean periods after the bake (a look that came late) dilute the window, not the final test:
    // it judges the bake's ten periods only.
    const late = evidence(
      [...bake.canary, period(3000, 30), period(3000, 30)],
      [...bake.stable, period(27000, 270), period(27000, 270)],
    );
    const horizonEndMs = T0 + 10 * MINUTE;
    expect(judgeLook(late, p, { ...at, finalLook: true }).status).toBe('healthy');
    const onBake = judgeLook(late, p, { ...at, finalLook: true, horizonEndMs });
    expect(onBake.status).toBe('unhealthy');
    expect(onBake.reasons[0]).toContain('(52/3000)');
  });

  it('rolls back at the final look on fewer than minInvocations, but never promotes on them', () => {
    // 12 5xx in 60 requests (20 %) against the 5 % limit: below the e-process's boundary, far below
    // the final look's level; 60 < minInvocations = 100.
    const low = evidence(repeat(10, (i) => period(6, i < 2 ? 3 : i < 8 ? 1 : 0)));
    expect(judgeLook(low, p, at).status).toBe('insufficient-data');
    const final = judgeLook(low, p, { ...at, finalLook: true });
    expect(final.status).toBe('unhealthy');
    expect(final.reasons[0]).toMatch(/^5xx-limit \(final look\): canary 5xx rate 20.00% \(12\/60\)/);
    const clean = evidence(repeat(10, () => period(6, 0)));
    expect(judgeLook(clean, p, { ...at, finalLook: true }).status).toBe('insufficient-data');
    // Incomplete data is never healthy at the final look either.
    const partial = evidence(
      repeat(10, () => period(300, 3)),
      repeat(10, () => period(2700, 27)),
      { problems: ['stable_errors5xx: StatusCode PartialData'] },
    );
    expect(judgeLook(partial, p, { ...at, finalLook: true }).status).toBe('insufficient-data');
  });

  it("grades the body at the final look: requests over each of stable's p10…p90, not the median alone", () => {
    // 1 req/s at 10 %: 6 canary requests a minute, 20 % slower everywhere; stable 54 a minute.
    const q = (median: number, level: number) => median * Math.exp(0.5 * normalQuantile(level / 100));
    // The tail threshold out of reach: a ladder of 6 samples puts its maximum at p99.9, which would
    // read as a tail regression here.
    const reference = {
      p50Ms: 100,
      tailMs: 10_000,
      samples: 10_000,
      bodyMs: BODY_LEVELS.map((l) => q(100, l)),
    };
    const slower = evidence(
      repeat(10, () => period(6, 0, 120)),
      repeat(10, () => period(54, 0, 100)),
      { latencyReference: reference },
    );
    const lowMin = policy({ minInvocations: 50 });
    const graded = judgeLook(slower, lowMin, { ...at, finalLook: true });
    const body = graded.tests.find((t) => t.test === 'latency-body-vs-stable')!;
    expect(body.finalTest).toMatch(/^graded: requests over stable's p10\/p25\/p50\/p75\/p90/);
    const { bodyMs: _, ...medianOnly } = reference;
    const median = judgeLook({ ...slower, latencyReference: medianOnly }, lowMin, { ...at, finalLook: true });
    const medianBody = median.tests.find((t) => t.test === 'latency-body-vs-stable')!;
    expect(medianBody.finalTest).toBeUndefined();
    expect(body.pValue!).toBeLessThan(medianBody.pValue! / 10);
    expect(body.pValue!).toBeLessThanOrEqual(body.finalAlpha!);
    expect(graded.status).toBe('unhealthy');
    expect(graded.reasons[0]).toMatch(/^latency-body-vs-stable \(final look\): graded: /);
    // The same canary as fast as stable: nothing to see, graded or not.
    const same = evidence(
      repeat(10, () => period(6, 0, 100)),
      repeat(10, () => period(54, 0, 100)),
      { latencyReference: reference },
    );
    expect(judgeLook(same, lowMin, { ...at, finalLook: true }).status).toBe('healthy');
  });

  it('counts latency exceedances conservatively: a lower bound for the canary, an upper bound for stable', () => {
    // Both variants' ladders straddle the threshold (stable's median, 100 ms): p50 ≤ 100 < p55.
    const straddle = (n: number): VariantPeriod => {
      const lat = lognormalLatency(n, 100);
      lat.quantiles.set(50, 100);
      return { invocations: n, errors5xx: 0, errors4xx: 0, latency: lat };
    };
    const v = judgeLook(evidence([straddle(1000)], [straddle(1000)]), p, at);
    const body = v.tests.find((t) => t.test === 'latency-body-vs-stable')!;
    // p55 > T: at least 1000 − 550 + 1 exceed (one fewer where floating point blurs the rank).
    expect(body.canaryEvents).toBeGreaterThanOrEqual(450);
    expect(body.canaryEvents).toBeLessThanOrEqual(451);
    expect(body.stableEvents).toBe(1000 - 500); // p50 ≤ T: at most these exceed
  });

  it('never calls incomplete data healthy', () => {
    const good = evidence(
      repeat(10, () => period(300)),
      repeat(10, () => period(2700)),
    );
    expect(judgeLook(good, p, at).status).toBe('healthy');
    const partial = { ...good, problems: ['canary_errors5xx: StatusCode PartialData'] };
    const v = judgeLook(partial, p, at);
    expect(v.status).toBe('insufficient-data');
    expect(v.reasons).toContain('canary_errors5xx: StatusCode PartialData');
    expect(judgeLook({ ...good, periodStarts: [] }, p, at).status).toBe('insufficient-data');
  });

  it('gives no healthy verdict below the minimum sample, but still rolls back on strong evidence', () => {
    expect(judgeLook(evidence([period(99, 0)]), p, at).status).toBe('insufficient-data');
    expect(judgeLook(evidence([period(60, 40)]), p, at).status).toBe('unhealthy');
  });

  it('fails on an alarm whatever the sample size', () => {
    const v = judgeLook(evidence([period(3)], undefined, { alarmsInAlarm: ['p99-high'] }), p, at);
    expect(v.status).toBe('unhealthy');
    expect(v.reasons).toEqual(['alarm p99-high is in ALARM']);
  });

  it('names a custom guardrail and its numbers when it crosses its line', () => {
    const gp = policy({
      guardrails: [
        {
          name: 'conversion',
          namespace: 'Shop',
          metricName: 'Conversion',
          dimensions: [],
          statistic: 'Average',
          worseWhen: 'lower',
          relativeMargin: 0.1,
          missingData: 'insufficient',
        },
      ],
    });
    const ok = judgeLook(
      evidence([period(300)], [period(300)], {
        guardrails: [{ name: 'conversion', canary: 0.095, stable: 0.1 }],
      }),
      gp,
      at,
    );
    expect(ok.status).toBe('healthy');
    const bad = judgeLook(
      evidence([period(300)], [period(300)], {
        guardrails: [{ name: 'conversion', canary: 0.08, stable: 0.1 }],
      }),
      gp,
      at,
    );
    expect(bad.status).toBe('unhealthy');
    expect(bad.reasons[0]).toContain(
      'guardrail conversion (Shop Conversion Average): canary 0.08, stable 0.1, under the line 0.09',
    );
  });
});

describe('judgeLook properties', () => {
  const rank: Record<HealthVerdict['status'], number> = { healthy: 0, 'insufficient-data': 1, unhealthy: 2 };
  const counts = fc.array(
    fc.record({
      n: fc.integer({ min: 0, max: 3000 }),
      e: fc.integer({ min: 0, max: 60 }),
      ns: fc.integer({ min: 0, max: 3000 }),
      es: fc.integer({ min: 0, max: 60 }),
    }),
    { minLength: 1, maxLength: 10 },
  );
  const build = (rows: { n: number; e: number; ns: number; es: number }[]) =>
    evidence(
      rows.map((r) => period(r.n, Math.min(r.e, r.n))),
      rows.map((r) => period(r.ns, Math.min(r.es, r.ns))),
    );

  it('more canary errors never make the verdict healthier', () => {
    fc.assert(
      fc.property(counts, fc.nat(), (rows, i) => {
        const k = i % rows.length;
        const sized = rows.map((r) => ({
          ...r,
          n: Math.max(r.n, r.e + 1),
          e: Math.min(r.e, Math.max(r.n, r.e + 1) - 1),
        }));
        const worse = sized.map((r, j) => (j === k ? { ...r, e: r.e + 1 } : r));
        for (const position of [at, { ...at, finalLook: true }]) {
          const base = judgeLook(build(sized), p, position, { bounds: false });
          const after = judgeLook(build(worse), p, position, { bounds: false });
          expect(rank[after.status]).toBeGreaterThanOrEqual(rank[base.status]);
        }
      }),
      { numRuns: 40 },
    );
  }, 30_000);

  it('a stable variant that gets worse never makes the canary look worse', () => {
    fc.assert(
      fc.property(counts, fc.nat(), (rows, i) => {
        const k = i % rows.length;
        const sized = rows.map((r, j) => (j === k ? { ...r, ns: Math.max(r.ns, r.es + 1) } : r));
        const worse = sized.map((r, j) => (j === k ? { ...r, es: Math.min(r.es, r.ns) + 1 } : r));
        for (const position of [at, { ...at, finalLook: true }]) {
          const base = judgeLook(build(sized), p, position, { bounds: false });
          const after = judgeLook(build(worse), p, position, { bounds: false });
          expect(rank[after.status]).toBeLessThanOrEqual(rank[base.status]);
        }
      }),
      { numRuns: 40 },
    );
  }, 30_000);

  it('a slower canary never makes the verdict healthier; a slower stable never makes it worse', () => {
    const q = (median: number, level: number) => median * Math.exp(0.5 * normalQuantile(level / 100));
    const reference = {
      p50Ms: 100,
      tailMs: q(100, 99),
      samples: 10_000,
      bodyMs: BODY_LEVELS.map((l) => q(100, l)),
    };
    const medians = fc.array(
      fc.record({
        n: fc.integer({ min: 1, max: 400 }),
        ns: fc.integer({ min: 1, max: 3000 }),
        mc: fc.double({ min: 60, max: 200, noNaN: true }),
        ms: fc.double({ min: 60, max: 200, noNaN: true }),
      }),
      { minLength: 1, maxLength: 10 },
    );
    const build = (rows: { n: number; ns: number; mc: number; ms: number }[]) =>
      evidence(
        rows.map((r) => period(r.n, 0, r.mc)),
        rows.map((r) => period(r.ns, 0, r.ms)),
        { latencyReference: reference },
      );
    fc.assert(
      fc.property(medians, fc.nat(), fc.double({ min: 1.01, max: 2, noNaN: true }), (rows, i, factor) => {
        const k = i % rows.length;
        const slowerCanary = rows.map((r, j) => (j === k ? { ...r, mc: r.mc * factor } : r));
        const slowerStable = rows.map((r, j) => (j === k ? { ...r, ms: r.ms * factor } : r));
        for (const position of [at, { ...at, finalLook: true }]) {
          const base = rank[judgeLook(build(rows), p, position, { bounds: false }).status];
          expect(
            rank[judgeLook(build(slowerCanary), p, position, { bounds: false }).status],
          ).toBeGreaterThanOrEqual(base);
          expect(
            rank[judgeLook(build(slowerStable), p, position, { bounds: false }).status],
          ).toBeLessThanOrEqual(base);
        }
      }),
      { numRuns: 30 },
    );
  }, 30_000);
});
