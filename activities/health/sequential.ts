/**
 * Anytime-valid tests for counts: e-processes that may be checked after every metric period, as
 * often as we like, while P(ever crossing 1/α | H0) ≤ α (Ville's inequality for non-negative
 * supermartingales). Why these rather than an alpha-spending boundary over planned looks: the
 * watch looks whenever it wakes (retries, late datapoints, an evidence wait past the bake), so the
 * number and timing of looks is not known in advance; a mixture likelihood ratio needs neither, and
 * is exact at small counts (no normal approximation), which matters for a canary with a few hundred
 * requests. Its price is a high boundary at the bake's end, which the one fixed-horizon final look
 * (final-look.ts) pays back.
 *
 * - Two-sample (canary vs stable, rates λc ≤ ρ0·λs): per period, given the period's total number of
 *   events m, the canary's share is Binomial(m, π0), π0 = ρ0·nc / (ρ0·nc + ns). Exact for Poisson
 *   counts; for binomial counts with equal rates the share is hypergeometric, which is dominated in
 *   convex order by that binomial (Hoeffding 1963), so the likelihood ratio stays a supermartingale.
 * - One-sample (rate p ≤ p0, e.g. an absolute limit): the binomial likelihood ratio.
 * Both mix likelihood ratios over a fixed grid of alternatives (prior weights sum to 1), so one
 * test detects a doubling and a tenfold rise alike, the latter at the first look with data. Most
 * weight sits at 1.5-3×, the regressions a canary exists to catch; a weight w costs log(1/w) of
 * evidence for that alternative, so a tenfold rise, cheap to see, gets little.
 * Pure: no I/O, deterministic.
 */

/** Alternatives as multiples of the null (rate ratio, or odds ratio in the one-sample test). */
export const MIXTURE = [
  { ratio: 1.5, weight: 0.25 },
  { ratio: 2, weight: 0.35 },
  { ratio: 3, weight: 0.2 },
  { ratio: 10, weight: 0.1 },
  { ratio: 30, weight: 0.1 },
] as const;

/**
 * For counts whose canary/stable ratio cannot exceed 2 (exceedances of stable's median: at most every
 * request, against half of them), weight spent on 3× or 30× is wasted: a grid within (1, 2).
 */
export const BOUNDED_MIXTURE = [
  { ratio: 1.15, weight: 0.15 },
  { ratio: 1.3, weight: 0.2 },
  { ratio: 1.45, weight: 0.25 },
  { ratio: 1.6, weight: 0.2 },
  { ratio: 1.8, weight: 0.2 },
] as const;

export type Mixture = readonly { ratio: number; weight: number }[];

/** Events and trials of one variant in one metric period. */
export interface PeriodCounts {
  canaryEvents: number;
  canaryTrials: number;
  stableEvents: number;
  stableTrials: number;
}

function logSumExp(terms: number[]): number {
  const max = Math.max(...terms);
  if (max === -Infinity) return -Infinity;
  let s = 0;
  for (const t of terms) s += Math.exp(t - max);
  return max + Math.log(s);
}

/** x·log(a) that is 0 when x is 0 (0·log 0 = 0). */
const xlog = (x: number, a: number) => (x === 0 ? 0 : x * Math.log(a));

/**
 * log of the mixture e-value for "canary rate ≤ ρ0 × stable rate" over the periods so far.
 * Periods where either variant had no trials carry no information and contribute nothing.
 */
export function twoSampleLogE(
  periods: readonly PeriodCounts[],
  rho0 = 1,
  mixture: Mixture = MIXTURE,
): number {
  const perAlternative = mixture.map(({ ratio, weight }) => {
    let logL = Math.log(weight);
    for (const p of periods) {
      if (p.canaryTrials <= 0 || p.stableTrials <= 0) continue;
      const base = rho0 * p.canaryTrials;
      const pi0 = base / (base + p.stableTrials);
      const pi1 = (ratio * base) / (ratio * base + p.stableTrials);
      logL += xlog(p.canaryEvents, pi1 / pi0) + xlog(p.stableEvents, (1 - pi1) / (1 - pi0));
    }
    return logL;
  });
  return logSumExp(perAlternative);
}

/** log of the mixture e-value for "rate ≤ p0" after `events` in `trials` (alternatives by odds ratio). */
export function oneSampleLogE(events: number, trials: number, p0: number): number {
  if (trials <= 0) return 0;
  if (p0 >= 1) return -Infinity; // no rate exceeds 1
  if (p0 <= 0) return events > 0 ? Infinity : 0;
  const odds0 = p0 / (1 - p0);
  const perAlternative = MIXTURE.map(({ ratio, weight }) => {
    const odds = ratio * odds0;
    const p1 = odds / (1 + odds);
    return Math.log(weight) + xlog(events, p1 / p0) + xlog(trials - events, (1 - p1) / (1 - p0));
  });
  return logSumExp(perAlternative);
}

/** Bisection for the boundary of a predicate that is true below some point and false above it. */
function bisect(lo: number, hi: number, isRejected: (x: number) => boolean, logScale: boolean): number {
  for (let i = 0; i < 50; i++) {
    const mid = logScale ? Math.sqrt(lo * hi) : (lo + hi) / 2;
    if (isRejected(mid)) lo = mid;
    else hi = mid;
  }
  return lo;
}

/**
 * Anytime-valid lower confidence bound (level 1-α) of the canary/stable rate ratio: the largest ρ0
 * the two-sample test rejects. 0 when it rejects none (no evidence of any excess).
 */
export function ratioLowerBound(
  periods: readonly PeriodCounts[],
  alpha: number,
  mixture: Mixture = MIXTURE,
): number {
  const threshold = Math.log(1 / alpha);
  const rejects = (rho: number) => twoSampleLogE(periods, rho, mixture) >= threshold;
  if (!rejects(1e-6)) return 0;
  return bisect(1e-6, 1e6, rejects, true);
}

/** Anytime-valid lower confidence bound (level 1-α) of a rate: the largest p0 the one-sample test rejects. */
export function rateLowerBound(events: number, trials: number, alpha: number): number {
  const threshold = Math.log(1 / alpha);
  const rejects = (p0: number) => oneSampleLogE(events, trials, p0) >= threshold;
  if (!rejects(1e-9)) return 0;
  return bisect(1e-9, 1, rejects, false);
}
