/**
 * The health rule as it was before the sequential judge (commit 4eaf7a3, activities/health/judge.ts
 * and the latency weighting of metrics.ts), kept only as the benchmark's baseline: on the cumulative
 * window at every look, unhealthy when the canary's 5xx or 4xx rate (point estimate) is over its
 * limit, its invocation-weighted mean of per-period p99s is over the limit, or, with a stable variant
 * of at least `minInvocations`, its 5xx rate exceeds stable's by more than the margin with z ≥ 2.33, or
 * its latency exceeds stable's × 1.5. Fewer than `minInvocations` canary invocations: no verdict.
 */
export const BASELINE_POLICY = {
  minInvocations: 100,
  maxErrorRate: 0.05,
  max4xxRate: 0.5,
  errorRateMargin: 0.01,
  significanceZ: 2.33,
  maxLatencyMs: 1000,
  maxLatencyRatio: 1.5,
};

export interface BaselineVariant {
  invocations: number;
  errors5xx: number;
  errors4xx: number;
  /** Invocation-weighted mean of per-period p99s (ms), null without data. */
  latencyMs: number | null;
}

export function twoProportionZ(x1: number, n1: number, x2: number, n2: number): number {
  if (n1 <= 0 || n2 <= 0) return 0;
  const pooled = (x1 + x2) / (n1 + n2);
  const se = Math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2));
  return se === 0 ? 0 : (x1 / n1 - x2 / n2) / se;
}

export function baselineVerdict(
  c: BaselineVariant,
  s: BaselineVariant | undefined,
): 'healthy' | 'unhealthy' | 'insufficient-data' {
  const p = BASELINE_POLICY;
  if (c.invocations < p.minInvocations) return 'insufficient-data';
  const rate = (v: BaselineVariant) => (v.invocations > 0 ? v.errors5xx / v.invocations : 0);
  if (rate(c) > p.maxErrorRate) return 'unhealthy';
  if (c.invocations > 0 && c.errors4xx / c.invocations > p.max4xxRate) return 'unhealthy';
  if (c.latencyMs !== null && c.latencyMs > p.maxLatencyMs) return 'unhealthy';
  if (s && s.invocations >= p.minInvocations) {
    const z = twoProportionZ(c.errors5xx, c.invocations, s.errors5xx, s.invocations);
    if (rate(c) - rate(s) > p.errorRateMargin && z >= p.significanceZ) return 'unhealthy';
    if (
      c.latencyMs !== null &&
      s.latencyMs !== null &&
      s.latencyMs > 0 &&
      c.latencyMs > s.latencyMs * p.maxLatencyRatio
    ) {
      return 'unhealthy';
    }
  }
  return 'healthy';
}
