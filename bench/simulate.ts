/**
 * Simulated per-period metrics as AWS/SageMaker publishes them: per variant and 60 s period,
 * Invocations ~ Poisson(rate × share × period), 5XX ~ Binomial(invocations, p), and ModelLatency's
 * nearest-rank percentiles at the judge's ladder, drawn as joint order statistics of the period's
 * samples (no per-request sampling: order statistics of uniforms are sequential Beta draws).
 */
import { LATENCY_LADDER, type LatencyPeriod } from '../activities/health/exceedance';
import type { VariantPeriod } from '../activities/health/judge';
import { beta, binomial, poisson, probit } from './random';
import { normalCdf } from '../activities/health/normal';

/** A latency distribution by its quantile function (ms). */
export interface LatencyModel {
  quantile(u: number): number;
  /** P(X > x), for the oracle. */
  exceed(x: number): number;
}

export const MEDIAN_MS = 50;
/** σ of log-latency: p99/p50 ≈ 3.2, a realistic spread for a model server. */
export const SIGMA = 0.5;

export function lognormal(medianMs: number, sigma = SIGMA): LatencyModel {
  return {
    quantile: (u) => medianMs * Math.exp(sigma * probit(u)),
    exceed: (x) => 1 - normalCdf(Math.log(x / medianMs) / sigma),
  };
}

/** A fraction `w` of requests `k`× slower: the body is unchanged, the tail moves. */
export function tailMixture(medianMs: number, w: number, k: number, sigma = SIGMA): LatencyModel {
  const cdf = (x: number) =>
    (1 - w) * normalCdf(Math.log(x / medianMs) / sigma) + w * normalCdf(Math.log(x / (medianMs * k)) / sigma);
  return {
    quantile: (u) => {
      let lo = Math.log(medianMs) - 10 * sigma;
      let hi = Math.log(medianMs * k) + 10 * sigma;
      for (let i = 0; i < 40; i++) {
        const mid = (lo + hi) / 2;
        if (cdf(Math.exp(mid)) < u) lo = mid;
        else hi = mid;
      }
      return Math.exp((lo + hi) / 2);
    },
    exceed: (x) => 1 - cdf(x),
  };
}

/** The k that makes a w-fraction mixture's p99 equal `factor` × the base p99. */
export function tailFactorFor(factor: number, w: number): number {
  const base = lognormal(MEDIAN_MS);
  const target = factor * base.quantile(0.99);
  let lo = 1;
  let hi = 100;
  for (let i = 0; i < 60; i++) {
    const k = (lo + hi) / 2;
    if (tailMixture(MEDIAN_MS, w, k).quantile(0.99) < target) lo = k;
    else hi = k;
  }
  return (lo + hi) / 2;
}

/** Nearest rank, as the emulator computes it (floating point included). */
const rank = (level: number, n: number) => Math.max(1, Math.ceil((level / 100) * n));

/** Nearest-rank percentiles of n samples at the given levels, as joint order statistics. */
export function ladder(
  u: () => number,
  n: number,
  model: LatencyModel,
  levels: readonly number[] = LATENCY_LADDER,
): LatencyPeriod {
  const quantiles = new Map<number, number>();
  let prevK = 0;
  let prevU = 0;
  for (const level of levels) {
    const k = rank(level, n);
    if (k > prevK) {
      prevU = prevU + (1 - prevU) * beta(u, k - prevK, n - k + 1);
      prevK = k;
    }
    quantiles.set(level, model.quantile(prevU));
  }
  return { samples: n, quantiles };
}

export interface VariantModel {
  requestsPerSecond: number;
  errorRate: number;
  latency: LatencyModel;
}

export function simulatePeriod(
  u: () => number,
  m: VariantModel,
  periodSeconds: number,
  deterministic = false,
): VariantPeriod {
  const mean = m.requestsPerSecond * periodSeconds;
  const invocations = deterministic ? Math.round(mean) : poisson(u, mean);
  const errors5xx = binomial(u, invocations, m.errorRate);
  return {
    invocations,
    errors5xx,
    errors4xx: 0,
    ...(invocations > 0 ? { latency: ladder(u, invocations, m.latency) } : {}),
  };
}
