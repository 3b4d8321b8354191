/**
 * The bake's final look: one fixed-horizon test per step, at the look where the watch would
 * otherwise promote. It is applied at most once per step (the watch returns at that look), so it may
 * spend its α share in full, where the anytime-valid e-process pays for unlimited looks with a much
 * higher boundary. The look is chosen by traffic and time only, never by the error labels, so
 * conditioning on the traffic keeps the test exact.
 *
 * - Two-sample: given each period's events m_i, the canary's events are Σ Binomial(m_i, π0_i)
 *   (exact for Poisson counts; for rare binomial events the hypergeometric truth is slightly tighter).
 *   Upper tail by exact convolution at every size, its support kept to the partial sums' mean ±
 *   SPAN_SD·sd (so thousands of events stay cheap). No switch to an approximation: a switch at a size
 *   that one more event crosses could make one more canary error give a higher p-value.
 * - One-sample: the exact binomial upper tail at every size, summed in log space.
 * Pure.
 */
import { normalCdf } from './normal';
import type { PeriodCounts } from './sequential';

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

/** P(Binomial(n, p0) ≥ x); with `mid`, the mid-p value P(> x) + ½·P(= x). */
export function binomialUpperTail(x: number, n: number, p0: number, mid = false): number {
  if (x <= 0 && !mid) return 1;
  if (x > n) return 0;
  if (p0 <= 0) return x <= 0 ? (mid ? 0.5 : 1) : 0;
  if (p0 >= 1) return x === n && mid ? 0.5 : 1;
  // Exact at every size, summed from x away from the mean until the terms vanish: above the mean the
  // upper tail itself, below it one minus the lower tail (each sum then has a few sd of terms).
  const lf = logFactorialsTo(n);
  const pmf = (k: number) => Math.exp(logBinomialPmf(k, n, p0, lf));
  const atX = mid && x >= 0 ? pmf(x) / 2 : 0;
  if (x > n * p0) {
    let total = 0;
    for (let k = x; k <= n; k++) {
      const term = pmf(k);
      total += term;
      if (term < total * 1e-17) break;
    }
    return Math.min(1, total - atX);
  }
  let lower = 0;
  for (let k = x - 1; k >= 0; k--) {
    const term = pmf(k);
    lower += term;
    if (term < lower * 1e-17) break;
  }
  return Math.min(1, Math.max(0, 1 - lower - atX));
}

/** How the canary's share of a period's events is distributed under the null, given the period's margins. */
export type ConditionalModel = 'binomial' | 'hypergeometric';

/** Mass further than this many standard deviations from a period's mean is below 1e-18: left out. */
const SPAN_SD = 9;

/**
 * One period's null distribution of the canary's events, over its support cut to mean ± SPAN_SD·sd
 * (what keeps the convolution small when a period holds thousands of events): the lowest value kept,
 * and the pmf from there.
 */
function periodPmf(
  p: PeriodCounts,
  rho0: number,
  model: ConditionalModel,
  lf: Float64Array,
): { from: number; pmf: number[] } {
  const m = p.canaryEvents + p.stableEvents;
  const [mean, variance] = periodMoments(p, rho0, model);
  const span = SPAN_SD * Math.sqrt(variance) + 1;
  const cut = (lo: number, hi: number) => [
    Math.max(lo, Math.floor(mean - span)),
    Math.min(hi, Math.ceil(mean + span)),
  ];
  if (model === 'binomial') {
    const base = rho0 * p.canaryTrials;
    const pi0 = base / (base + p.stableTrials);
    const [lo, hi] = cut(0, m);
    return {
      from: lo!,
      pmf: Array.from({ length: hi! - lo! + 1 }, (_, i) => Math.exp(logBinomialPmf(lo! + i, m, pi0, lf))),
    };
  }
  // Hypergeometric: m events among N = nc + ns trials, the canary's nc drawn without replacement.
  const nc = p.canaryTrials;
  const n = nc + p.stableTrials;
  const [lo, hi] = cut(Math.max(0, nc - (n - m)), Math.min(nc, m));
  const logC = (a: number, b: number) => lf[a]! - lf[b]! - lf[a - b]!;
  const denominator = logC(n, nc);
  return {
    from: lo!,
    pmf: Array.from({ length: hi! - lo! + 1 }, (_, i) =>
      Math.exp(logC(m, lo! + i) + logC(n - m, nc - lo! - i) - denominator),
    ),
  };
}

/** A period's null mean and variance of the canary's events. */
function periodMoments(p: PeriodCounts, rho0: number, model: ConditionalModel): [number, number] {
  const m = p.canaryEvents + p.stableEvents;
  if (model === 'binomial') {
    const base = rho0 * p.canaryTrials;
    const pi0 = base / (base + p.stableTrials);
    return [m * pi0, m * pi0 * (1 - pi0)];
  }
  const nc = p.canaryTrials;
  const n = nc + p.stableTrials;
  if (n <= 1) return [0, 0];
  return [(nc * m) / n, (nc * m * (n - m) * (n - nc)) / (n * n * (n - 1))];
}

/**
 * P0(canary events ≥ observed) given each period's total events, under canary rate = ρ0 × stable's.
 * `binomial`: each event is the canary's with its traffic share (exact for Poisson counts, any ρ0).
 * `hypergeometric`: the periods' 2×2 tables with their margins fixed (Fisher's exact test, stratified
 * by period; exact for per-request Bernoulli events, ρ0 = 1 only). For rare events the two agree; for
 * common ones (latency exceedances of the median, ~50 % of requests) the hypergeometric is far tighter,
 * since it knows a request cannot exceed twice.
 * `mid`: the mid-p value, P(S > s) + ½·P(S = s), which removes most of a discrete test's conservatism.
 */
export function conditionalUpperTail(
  periods: readonly PeriodCounts[],
  rho0 = 1,
  model: ConditionalModel = 'binomial',
  mid = false,
): number {
  if (model === 'hypergeometric' && rho0 !== 1) throw new Error('the hypergeometric null is ρ0 = 1');
  const used = periods.filter((p) => p.canaryTrials > 0 && p.stableTrials > 0);
  const moments = used.map((p) => periodMoments(p, rho0, model));
  const observed = used.reduce((s, p) => s + p.canaryEvents, 0);
  const mean = moments.reduce((s, [mu]) => s + mu, 0);
  const variance = moments.reduce((s, [, v]) => s + v, 0);
  if (variance === 0) return observed > mean ? 0 : 1;
  // Exact: convolve the periods' null distributions.
  const largest = used.reduce(
    (s, p) =>
      Math.max(
        s,
        p.canaryEvents + p.stableEvents,
        model === 'hypergeometric' ? p.canaryTrials + p.stableTrials : 0, // the binomial needs m! only
      ),
    0,
  );
  const lf = logFactorialsTo(largest);
  let dist = new Float64Array([1]);
  let offset = 0;
  let partialMean = 0;
  let partialVariance = 0;
  for (const [i, p] of used.entries()) {
    if (p.canaryEvents + p.stableEvents === 0) continue;
    const { from, pmf } = periodPmf(p, rho0, model, lf);
    const next = new Float64Array(dist.length + pmf.length - 1);
    for (let a = 0; a < dist.length; a++) {
      const pa = dist[a]!;
      if (pa === 0) continue;
      for (let k = 0; k < pmf.length; k++) next[a + k]! += pa * pmf[k]!;
    }
    offset += from;
    // The partial sum's mass beyond its mean ± SPAN_SD·sd is negligible: keep the convolution that wide.
    partialMean += moments[i]![0];
    partialVariance += moments[i]![1];
    const span = SPAN_SD * Math.sqrt(partialVariance) + 1;
    const lo = Math.max(0, Math.floor(partialMean - span) - offset);
    const hi = Math.min(next.length - 1, Math.ceil(partialMean + span) - offset);
    dist = lo > 0 || hi < next.length - 1 ? next.slice(lo, hi + 1) : next;
    offset += lo;
  }
  let tail = 0;
  for (let k = Math.max(0, observed - offset); k < dist.length; k++) {
    tail += k === observed - offset && mid ? dist[k]! / 2 : dist[k]!;
  }
  return Math.min(1, tail);
}

/**
 * One period of a graded latency comparison: per threshold (ascending), how many requests of each
 * variant exceed it (the canary's a lower bound, stable's an upper bound, as in exceedance.ts).
 */
export interface ScorePeriod {
  canaryTrials: number;
  stableTrials: number;
  canaryOver: readonly number[];
  stableOver: readonly number[];
}

/** Below this null variance of the score sum the normal tail is not trusted: the caller falls back. */
export const SCORE_NORMAL_FROM = 25;

/**
 * P0(canary's score sum ≥ observed), a request's score being how many thresholds it exceeds (0…k).
 * Under the null both variants' requests in a period are exchangeable, so given the period's pooled
 * scores the canary's sum is that of nc draws without replacement: mean nc·s̄, variance
 * nc·ns/(N(N−1))·Σ(s − s̄)². Summed over periods, by the normal tail (scores are bounded and the sum is
 * over many requests; its tails are lighter than the normal's). A graded statistic at stable's p10…p90
 * recovers most of what one threshold at the median loses against a whole-distribution shift (a
 * dichotomy at the median keeps 2/π ≈ 64 % of the information of a normal shift, five graded
 * thresholds about 90 %). null when the variance is too small for the normal tail.
 */
export function scoreUpperTail(periods: readonly ScorePeriod[], mid = false): number | null {
  let observed = 0;
  let mean = 0;
  let variance = 0;
  for (const p of periods) {
    const nc = p.canaryTrials;
    const n = nc + p.stableTrials;
    if (nc <= 0 || p.stableTrials <= 0 || n <= 1) continue;
    const k = p.canaryOver.length;
    // Pooled "at least j thresholds exceeded" counts, made non-increasing in j (bounds may cross by a
    // rank): raising a count only raises the null mean, the safe side.
    const atLeast: number[] = new Array<number>(k);
    let running = 0;
    for (let j = k - 1; j >= 0; j--) {
      running = Math.min(n, Math.max(running, p.canaryOver[j]! + p.stableOver[j]!));
      atLeast[j] = running;
    }
    let sum = 0;
    let sumSquares = 0;
    atLeast.forEach((count, j) => {
      sum += count;
      sumSquares += (2 * j + 1) * count; // s² = Σ_{j < s} (2j + 1)
    });
    observed += p.canaryOver.reduce((a, b) => a + b, 0);
    mean += (nc * sum) / n;
    variance += ((nc * p.stableTrials) / (n * (n - 1))) * (sumSquares - (sum * sum) / n);
  }
  if (variance < SCORE_NORMAL_FROM) return null;
  return 1 - normalCdf((observed - (mid ? 0 : 0.5) - mean) / Math.sqrt(variance));
}
