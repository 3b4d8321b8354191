import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { normalCdf, normalQuantile } from '../../../activities/health/normal';
import {
  MIXTURE,
  oneSampleLogE,
  rateLowerBound,
  ratioLowerBound,
  twoSampleLogE,
} from '../../../activities/health/sequential';

/**
 * Exact probability that a one-sample e-process ever reaches 1/α within `n` Bernoulli(p) trials, by
 * dynamic programming over (trials, events), paths absorbed once they cross. Independent of the
 * closed form: it only calls the statistic, and sums path probabilities.
 */
function exactCrossingProbability(p: number, p0: number, alpha: number, n: number): number {
  const boundary = Math.log(1 / alpha);
  let alive = new Map<number, number>([[0, 1]]);
  let crossed = 0;
  for (let t = 1; t <= n; t++) {
    const next = new Map<number, number>();
    for (const [x, prob] of alive) {
      for (const [dx, q] of [
        [1, p],
        [0, 1 - p],
      ] as const) {
        const y = x + dx;
        const mass = prob * q;
        if (oneSampleLogE(y, t, p0) >= boundary) crossed += mass;
        else next.set(y, (next.get(y) ?? 0) + mass);
      }
    }
    alive = next;
  }
  return crossed;
}

describe('normal distribution', () => {
  it('matches the published table values', () => {
    // Standard normal table: Φ(1.959964) = 0.975, Φ(2.326348) = 0.99, Φ(-1) = 0.158655.
    expect(normalCdf(1.959964)).toBeCloseTo(0.975, 6);
    expect(normalCdf(2.326348)).toBeCloseTo(0.99, 6);
    expect(normalCdf(-1)).toBeCloseTo(0.158655, 5);
    expect(normalQuantile(0.995)).toBeCloseTo(2.575829, 4);
  });
});

describe('oneSampleLogE', () => {
  it('equals the mixture of binomial likelihood ratios computed directly', () => {
    const [x, n, p0] = [3, 40, 0.02];
    const odds0 = p0 / (1 - p0);
    const direct = MIXTURE.reduce((acc, { ratio, weight }) => {
      const p1 = (ratio * odds0) / (1 + ratio * odds0);
      return acc + weight * (p1 / p0) ** x * ((1 - p1) / (1 - p0)) ** (n - x);
    }, 0);
    expect(Math.exp(oneSampleLogE(x, n, p0))).toBeCloseTo(direct, 10);
  });

  it('holds its α over every look (exact: ever crossing within 400 trials at the null)', () => {
    for (const [p0, alpha] of [
      [0.05, 0.05],
      [0.01, 0.01],
      [0.5, 0.05],
    ] as const) {
      const crossing = exactCrossingProbability(p0, p0, alpha, 400);
      expect(crossing).toBeLessThanOrEqual(alpha);
      expect(crossing).toBeGreaterThan(0);
    }
  });

  it('detects a rate far over the null quickly: 20% against 1% crosses α = 0.001 within 60 trials', () => {
    expect(exactCrossingProbability(0.2, 0.01, 0.001, 60)).toBeGreaterThan(0.9);
  });

  it('never decreases with more events in the same trials', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 2000 }),
        fc.double({ min: 0.001, max: 0.9, noNaN: true }),
        (n, p0) => {
          let last = -Infinity;
          for (let x = 0; x <= Math.min(n, 200); x++) {
            const v = oneSampleLogE(x, n, p0);
            expect(v).toBeGreaterThanOrEqual(last - 1e-9);
            last = v;
          }
        },
      ),
    );
  });
});

describe('twoSampleLogE', () => {
  it('holds its α over every look (exact: each event is canary with the traffic share, 300 events)', () => {
    // With a constant split, the conditional test is a sequence of Bernoulli(π0) labels; reuse the DP on them.
    const share = 0.1;
    const boundary = Math.log(1 / 0.01);
    let alive = new Map<number, number>([[0, 1]]);
    let crossed = 0;
    for (let m = 1; m <= 300; m++) {
      const next = new Map<number, number>();
      for (const [x, prob] of alive) {
        for (const [dx, q] of [
          [1, share],
          [0, 1 - share],
        ] as const) {
          const y = x + dx;
          const e = twoSampleLogE([
            { canaryEvents: y, canaryTrials: 100, stableEvents: m - y, stableTrials: 900 },
          ]);
          if (e >= boundary) crossed += prob * q;
          else next.set(y, (next.get(y) ?? 0) + prob * q);
        }
      }
      alive = next;
    }
    expect(crossed).toBeLessThanOrEqual(0.01);
    expect(crossed).toBeGreaterThan(0);
  });

  it('more canary errors never lower the evidence; more stable errors never raise it', () => {
    const period = fc.record({
      canaryEvents: fc.integer({ min: 0, max: 50 }),
      canaryTrials: fc.integer({ min: 50, max: 5000 }),
      stableEvents: fc.integer({ min: 0, max: 50 }),
      stableTrials: fc.integer({ min: 50, max: 5000 }),
    });
    fc.assert(
      fc.property(fc.array(period, { minLength: 1, maxLength: 10 }), fc.nat(9), (periods, i) => {
        const k = i % periods.length;
        const base = twoSampleLogE(periods);
        const worseCanary = periods.map((p, j) => (j === k ? { ...p, canaryEvents: p.canaryEvents + 1 } : p));
        const worseStable = periods.map((p, j) => (j === k ? { ...p, stableEvents: p.stableEvents + 1 } : p));
        expect(twoSampleLogE(worseCanary)).toBeGreaterThanOrEqual(base - 1e-9);
        expect(twoSampleLogE(worseStable)).toBeLessThanOrEqual(base + 1e-9);
      }),
    );
  });

  it('ignores periods in which one variant had no traffic', () => {
    expect(
      twoSampleLogE([{ canaryEvents: 9, canaryTrials: 10, stableEvents: 0, stableTrials: 0 }]),
    ).toBeCloseTo(0, 12);
  });
});

describe('confidence bounds', () => {
  it('the anytime-valid bound is below the fixed-horizon Clopper-Pearson bound, and above zero with evidence', () => {
    // Clopper-Pearson one-sided 97.5% lower bound for 10/100 is 0.0490 (published exact binomial tables).
    const lb = rateLowerBound(10, 100, 0.025);
    expect(lb).toBeLessThan(0.049);
    expect(lb).toBeGreaterThan(0.01);
    expect(rateLowerBound(0, 1000, 0.01)).toBe(0);
  });

  it('the ratio bound is consistent with the test: rejecting ρ0 exactly below the bound', () => {
    const periods = [{ canaryEvents: 30, canaryTrials: 1000, stableEvents: 90, stableTrials: 9000 }];
    const alpha = 0.001;
    const lb = ratioLowerBound(periods, alpha);
    expect(lb).toBeGreaterThan(1);
    expect(lb).toBeLessThan(3); // the point estimate
    expect(twoSampleLogE(periods, lb * 0.99)).toBeGreaterThanOrEqual(Math.log(1 / alpha));
    expect(twoSampleLogE(periods, lb * 1.01)).toBeLessThan(Math.log(1 / alpha));
  });
});
