import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ALPHA_SHARES, stepBudget, testAlphas } from '../../../activities/health/budget';

const sumAll = (alpha: number, steps: number[]) =>
  steps.reduce((s, _, i) => s + Object.values(testAlphas(alpha, steps, i)).reduce((a, b) => a + b, 0), 0);

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
});
