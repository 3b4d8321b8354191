import { describe, expect, it } from 'vitest';
import { binomialUpperTail, conditionalUpperTail } from '../../../activities/health/final-look';

/** P(Σ Bin(m_i, π_i) ≥ x) by enumerating every outcome: the independent computation. */
function bruteForceTail(parts: { m: number; pi: number }[], x: number): number {
  let total = 0;
  const walk = (i: number, sum: number, prob: number) => {
    if (i === parts.length) {
      if (sum >= x) total += prob;
      return;
    }
    const { m, pi } = parts[i]!;
    let c = 1;
    for (let k = 0; k <= m; k++) {
      walk(i + 1, sum + k, prob * c * pi ** k * (1 - pi) ** (m - k));
      c = (c * (m - k)) / (k + 1);
    }
  };
  walk(0, 0, 1);
  return total;
}

describe('binomialUpperTail', () => {
  it('matches exact values', () => {
    // P(Bin(10, 1/2) ≥ 8) = (45 + 10 + 1) / 1024; binomial table: P(Bin(20, 0.1) ≥ 5) = 1 − 0.9568 = 0.0432.
    expect(binomialUpperTail(8, 10, 0.5)).toBeCloseTo(56 / 1024, 12);
    expect(binomialUpperTail(5, 20, 0.1)).toBeCloseTo(0.0432, 4);
    expect(binomialUpperTail(0, 20, 0.1)).toBe(1);
    expect(binomialUpperTail(21, 20, 0.1)).toBe(0);
  });

  it('switches to the normal approximation without a jump', () => {
    // Variance 400 sits at the switch: n = 1700, p = 0.3 gives 357 (exact), n = 2000 gives 420 (normal).
    const exact = binomialUpperTail(560, 1700, 0.3);
    const normal = binomialUpperTail(660, 2000, 0.3);
    expect(exact).toBeGreaterThan(0.001);
    expect(normal).toBeGreaterThan(0.001);
    // Both are the tail ≈ 2.4σ above the mean; within a few per cent of each other's order.
    expect(Math.abs(Math.log10(exact) - Math.log10(normal))).toBeLessThan(0.5);
  });
});

describe('conditionalUpperTail', () => {
  it('equals the brute-force tail of the periods’ binomials', () => {
    const periods = [
      { canaryEvents: 2, canaryTrials: 100, stableEvents: 3, stableTrials: 900 },
      { canaryEvents: 1, canaryTrials: 300, stableEvents: 2, stableTrials: 700 },
      { canaryEvents: 0, canaryTrials: 0, stableEvents: 4, stableTrials: 1000 }, // no canary traffic: ignored
    ];
    const expected = bruteForceTail(
      [
        { m: 5, pi: 0.1 },
        { m: 3, pi: 0.3 },
      ],
      3,
    );
    expect(conditionalUpperTail(periods)).toBeCloseTo(expected, 12);
  });

  it('shifts the null by the tolerated ratio', () => {
    const periods = [{ canaryEvents: 6, canaryTrials: 100, stableEvents: 6, stableTrials: 900 }];
    expect(conditionalUpperTail(periods, 2)).toBeGreaterThan(conditionalUpperTail(periods, 1));
    expect(conditionalUpperTail(periods, 1)).toBeCloseTo(binomialUpperTail(6, 12, 0.1), 12);
  });
});
