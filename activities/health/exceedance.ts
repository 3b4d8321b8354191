/**
 * Latency as counts. CloudWatch gives per-period percentiles, not samples, and per-period quantiles
 * cannot be averaged into a window quantile. But each reported percentile bounds how many samples
 * of that period lie above a threshold T: with n samples and CloudWatch's nearest-rank percentile
 * (value at rank ⌈r·n⌉), `p_r > T` means at least n − ⌈r·n⌉ + 1 samples exceed T, and `p_r ≤ T`
 * means at most n − ⌈r·n⌉ do. Summed over whole periods, these give an exceedance count for both
 * variants over the same T, so "canary slower at this quantile" becomes a test on counts with the
 * same exact machinery as 5xx errors. Bounds err on the safe side: the canary's count is a lower
 * bound and stable's an upper bound, so the test can only lose power, never validity.
 */

/**
 * The percentile levels read per period: dense around the thresholds the tests count at (stable's
 * p25, p50, p75 for a whole-distribution slowdown, its p99 for the tail), since a bound is only as
 * tight as the nearest levels on either side of its threshold.
 */
export const LATENCY_LADDER = [
  5, 7.5, 10, 12.5, 15, 20, 22.5, 25, 27.5, 30, 40, 45, 50, 55, 60, 70, 72.5, 75, 77.5, 80, 85, 87.5, 90,
  92.5, 95, 96, 97, 97.5, 98, 98.5, 98.75, 99, 99.25, 99.5, 99.75, 99.9,
] as const;

export const ladderStat = (level: number) => `p${level}`;

/** One variant's latency in one metric period: its SampleCount and the ladder's values (ms). */
export interface LatencyPeriod {
  samples: number;
  /** level → value in ms; a level CloudWatch did not return is absent. */
  quantiles: Map<number, number>;
}

/**
 * The rank a percentile is read at, as a range: ⌈r·n⌉ is ambiguous where r·n is an integer in floating
 * point (0.55 × 100 = 55.000000000000007), and a source may land on either side. Each bound takes the
 * side that keeps it conservative.
 */
function rankRange(level: number, n: number): { low: number; high: number } {
  const x = (level / 100) * n;
  return { low: Math.max(1, Math.ceil(x - 1e-9)), high: Math.max(1, Math.ceil(x + 1e-9)) };
}

/** At least this many samples of the period exceed `threshold`. */
export function exceedLowerBound(period: LatencyPeriod, threshold: number): number {
  let best = 0;
  for (const [level, value] of period.quantiles) {
    if (value > threshold) best = Math.max(best, period.samples - rankRange(level, period.samples).high + 1);
  }
  return best;
}

/** At most this many samples of the period exceed `threshold`. */
export function exceedUpperBound(period: LatencyPeriod, threshold: number): number {
  let best = period.samples;
  for (const [level, value] of period.quantiles) {
    if (value <= threshold) best = Math.min(best, period.samples - rankRange(level, period.samples).low);
  }
  return best;
}

/** The quantile level (0..1) a latency statistic stands for; Average is judged as the median. */
export function levelOf(statistic: string): number {
  const m = /^p(\d+(\.\d+)?)$/.exec(statistic);
  return m ? Number(m[1]) / 100 : 0.5;
}
