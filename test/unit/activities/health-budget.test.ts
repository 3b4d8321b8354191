import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ALPHA_SHARES, resolveShares, stepBudget, testAlphas } from '../../../activities/health/budget';
import { HEALTH_TESTS } from '../../../src/shared/lifecycle-input';

const sumAll = (alpha: number, steps: number[], shares = resolveShares()) =>
  steps.reduce(
    (s, _, i) => s + Object.values(testAlphas(alpha, steps, i, shares)).reduce((a, b) => a + b, 0),
    0,
  );

describe('the false-rollback budget', () => {
  it('shares sum to one', () => {
    expect(Object.values(ALPHA_SHARES).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
  });

  it('spends exactly α over the ramp, whatever the ramp', () => {
    const ramp = fc
      .uniqueArray(fc.integer({ min: 1, max: 99 }), { maxLength: 8 })
      .map((xs) => [...xs.sort((a, b) => a - b), 100]);
    fc.assert(
      fc.property(ramp, fc.double({ min: 1e-6, max: 0.2, noNaN: true }), (steps, alpha) => {
        expect(sumAll(alpha, steps)).toBeCloseTo(alpha, 12);
        for (const [i] of steps.entries()) {
          for (const v of Object.values(testAlphas(alpha, steps, i))) expect(v).toBeGreaterThanOrEqual(0);
        }
        expect(stepBudget(alpha, steps, steps.length - 1).spentThroughStep).toBeCloseTo(alpha, 12);
      }),
    );
  });

  it('gives the 100 % step no comparison, and a first deployment all of α for the limits', () => {
    const last = testAlphas(0.01, [10, 50, 100], 2);
    expect(last['5xx-vs-stable']).toBe(0);
    expect(last['5xx-limit']).toBeCloseTo((0.01 * 0.04) / 3, 15);
    const first = testAlphas(0.01, [100], 0);
    expect(first['5xx-limit'] + first['latency-limit'] + first['4xx-limit']).toBeCloseTo(0.01, 15);
  });

  it('gives named tests the shares asked for and splits the rest in the default proportions', () => {
    const shares = resolveShares({ '5xx-vs-stable': 0.8 });
    expect(shares['5xx-vs-stable']).toBe(0.8);
    const rest = 1 - ALPHA_SHARES['5xx-vs-stable'];
    for (const t of HEALTH_TESTS.filter((t) => t !== '5xx-vs-stable'))
      expect(shares[t]).toBeCloseTo((0.2 * ALPHA_SHARES[t]) / rest, 15);
    expect(resolveShares()).toEqual(ALPHA_SHARES);
    // The 10 % step's 5xx comparison gets 0.8 of α over the two compared steps.
    expect(testAlphas(0.01, [10, 50, 100], 0, shares)['5xx-vs-stable']).toBeCloseTo(0.004, 15);
  });

  it('spends exactly α over the ramp whatever shares are asked for, every test keeping some', () => {
    const override = fc.subarray([...HEALTH_TESTS], { minLength: 1, maxLength: 5 }).chain((tests) =>
      fc
        .array(fc.double({ min: 0.01, max: 1, noNaN: true }), {
          minLength: tests.length + 1,
          maxLength: tests.length + 1,
        })
        .map((w) => {
          const total = w.reduce((a, b) => a + b, 0);
          return Object.fromEntries(tests.map((t, i) => [t, w[i]! / total]));
        }),
    );
    fc.assert(
      fc.property(override, (o) => {
        const shares = resolveShares(o);
        expect(Object.values(shares).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
        for (const v of Object.values(shares)) expect(v).toBeGreaterThan(0);
        expect(sumAll(0.01, [10, 50, 100], shares)).toBeCloseTo(0.01, 12);
        expect(stepBudget(0.01, [10, 50, 100], 2, shares).spentThroughStep).toBeCloseTo(0.01, 12);
      }),
    );
  });
});
