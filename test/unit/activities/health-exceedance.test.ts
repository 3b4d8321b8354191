import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  exceedLowerBound,
  exceedUpperBound,
  LATENCY_LADDER,
  levelOf,
} from '../../../activities/health/exceedance';

/** CloudWatch's nearest-rank percentile of raw samples, computed from the samples themselves. */
function ladderOf(samples: number[]) {
  const sorted = [...samples].sort((a, b) => a - b);
  const q = new Map<number, number>();
  for (const level of LATENCY_LADDER) {
    // Smallest rank k with k/n ≥ level/100, compared in integers where possible.
    let k = 1;
    while (k * 100 < level * sorted.length) k += 1;
    q.set(level, sorted[k - 1]!);
  }
  return { samples: sorted.length, quantiles: q };
}

describe('exceedance bounds', () => {
  it('bracket the true number of samples over any threshold', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 1000 }), { minLength: 1, maxLength: 400 }),
        fc.integer({ min: 0, max: 1000 }),
        (samples, threshold) => {
          const period = ladderOf(samples);
          const truth = samples.filter((s) => s > threshold).length;
          expect(exceedLowerBound(period, threshold)).toBeLessThanOrEqual(truth);
          expect(exceedUpperBound(period, threshold)).toBeGreaterThanOrEqual(truth);
        },
      ),
    );
  });

  it('are tight where the ladder has a level: 100 samples 1..100 over 50', () => {
    const period = ladderOf(Array.from({ length: 100 }, (_, i) => i + 1));
    // p50 = 50 ≤ 50 → at most 50 exceed; p55 = 55 > 50 → at least 100 − 55 + 1 = 46, where 0.55 × 100
    // is 55.000000000000007 in floating point: the bound must take rank 55 or 56, whichever is safer.
    expect(exceedUpperBound(period, 50)).toBe(50);
    expect(exceedLowerBound(period, 50)).toBeGreaterThanOrEqual(45);
    expect(exceedLowerBound(period, 50)).toBeLessThanOrEqual(46);
    // Samples 1..100 over 55: p55 = 55 ≤ 55 → at most 45 may exceed (the truth), never fewer.
    expect(exceedUpperBound(period, 55)).toBe(45);
  });

  it('reads a statistic as its quantile level, Average as the median', () => {
    expect(levelOf('p99')).toBe(0.99);
    expect(levelOf('p99.9')).toBeCloseTo(0.999, 12);
    expect(levelOf('Average')).toBe(0.5);
  });
});
