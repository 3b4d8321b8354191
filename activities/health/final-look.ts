/**
 * The bake's final look: one fixed-horizon test per step, at the look where the watch would
 * otherwise promote. It is applied at most once per step (the watch returns at that look), so it may
 * spend its α share in full, where the anytime-valid e-process pays for unlimited looks with a much
 * higher boundary. The look is chosen by traffic and time only, never by the error labels, so
 * conditioning on the traffic keeps the test exact.
 *
 * - Two-sample: given each period's events m_i, the canary's events are Σ Binomial(m_i, π0_i)
 *   (exact for Poisson counts; for rare binomial events the hypergeometric truth is slightly tighter).
 *   Upper tail by exact convolution while the counts are small, by the normal approximation with a
 *   continuity correction once the variance exceeds NORMAL_FROM (where it is accurate).
 * - One-sample: the exact binomial upper tail, summed in log space.
 * Pure.
 */
import { normalCdf } from './normal';
import type { PeriodCounts } from './sequential';

/** Variance above which the normal approximation replaces the exact convolution. */
const NORMAL_FROM = 400;

function logBinomialPmf(k: number, n: number, p: number, logFactorials: Float64Array): number {
  return (
    logFactorials[n]! -
    logFactorials[k]! -
    logFactorials[n - k]! +
    k * Math.log(p) +
    (n - k) * Math.log(1 - p)
  );
}

function logFactorialsTo(n: number): Float64Array {
  const f = new Float64Array(n + 1);
  for (let i = 1; i <= n; i++) f[i] = f[i - 1]! + Math.log(i);
  return f;
}

/** P(Binomial(n, p0) ≥ x). */
export function binomialUpperTail(x: number, n: number, p0: number): number {
  if (x <= 0) return 1;
  if (x > n) return 0;
  if (p0 <= 0) return 0;
  if (p0 >= 1) return 1;
  const variance = n * p0 * (1 - p0);
  if (variance > NORMAL_FROM) return 1 - normalCdf((x - 0.5 - n * p0) / Math.sqrt(variance));
  const lf = logFactorialsTo(n);
  let total = 0;
  for (let k = x; k <= n; k++) {
    const term = Math.exp(logBinomialPmf(k, n, p0, lf));
    total += term;
    if (k > n * p0 && term < total * 1e-15) break;
  }
  return Math.min(1, total);
}

/** P0(canary events ≥ observed) given each period's total events, under canary rate = ρ0 × stable's. */
export function conditionalUpperTail(periods: readonly PeriodCounts[], rho0 = 1): number {
  const used = periods.filter((p) => p.canaryTrials > 0 && p.stableTrials > 0);
  let observed = 0;
  let mean = 0;
  let variance = 0;
  const parts: { m: number; pi0: number }[] = [];
  for (const p of used) {
    const base = rho0 * p.canaryTrials;
    const pi0 = base / (base + p.stableTrials);
    const m = p.canaryEvents + p.stableEvents;
    observed += p.canaryEvents;
    mean += m * pi0;
    variance += m * pi0 * (1 - pi0);
    if (m > 0) parts.push({ m, pi0 });
  }
  if (observed === 0) return 1;
  if (variance > NORMAL_FROM) return 1 - normalCdf((observed - 0.5 - mean) / Math.sqrt(variance));
  // Exact: convolve the periods' binomials.
  const total = parts.reduce((s, x) => s + x.m, 0);
  const lf = logFactorialsTo(total);
  let dist = new Float64Array(total + 1);
  dist[0] = 1;
  let support = 0;
  for (const { m, pi0 } of parts) {
    const pmf = Array.from({ length: m + 1 }, (_, k) => Math.exp(logBinomialPmf(k, m, pi0, lf)));
    const next = new Float64Array(total + 1);
    for (let a = 0; a <= support; a++) {
      const pa = dist[a]!;
      if (pa === 0) continue;
      for (let k = 0; k <= m; k++) next[a + k]! += pa * pmf[k]!;
    }
    dist = next;
    support += m;
  }
  let tail = 0;
  for (let k = observed; k <= support; k++) tail += dist[k]!;
  return Math.min(1, tail);
}
