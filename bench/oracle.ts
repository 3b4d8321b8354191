/**
 * The oracle: the best fixed-horizon test that knows the bake length and the true distributions,
 * run once at the bake's end at level α / (steps with a stable variant serving) (the budget split over steps only, one
 * look, one test). Its power is what any rule could at best hope for in that step; the sequential
 * rule pays for looking every minute and for watching six things at once.
 */
import { normalCdf } from '../activities/health/normal';
import { probit } from './random';

/** One-sided two-proportion z-test, pooled under the null, at expected counts. */
export function twoProportionPower(pc: number, nc: number, ps: number, ns: number, alpha: number): number {
  if (nc <= 0 || ns <= 0) return 0;
  const z = probit(1 - alpha);
  const pbar = (pc * nc + ps * ns) / (nc + ns);
  const se0 = Math.sqrt(pbar * (1 - pbar) * (1 / nc + 1 / ns));
  const se1 = Math.sqrt((pc * (1 - pc)) / nc + (ps * (1 - ps)) / ns);
  return normalCdf((pc - ps - z * se0) / se1);
}

/** z-test on mean log-latency with σ known: the most powerful test of a log-normal scale shift. */
export function logMeanShiftPower(
  factor: number,
  sigma: number,
  nc: number,
  ns: number,
  alpha: number,
): number {
  if (nc <= 0 || ns <= 0) return 0;
  return normalCdf(Math.log(factor) / (sigma * Math.sqrt(1 / nc + 1 / ns)) - probit(1 - alpha));
}

function poissonPmfs(mean: number): number[] {
  const out: number[] = [];
  let p = Math.exp(-mean);
  for (let k = 0; k <= mean + 12 * Math.sqrt(mean) + 20; k++) {
    out.push(p);
    p *= mean / (k + 1);
  }
  return out;
}

function binomialPmfs(n: number, p: number): number[] {
  const out: number[] = [];
  let q = (1 - p) ** n;
  for (let k = 0; k <= n; k++) {
    out.push(q);
    q *= ((n - k) / (k + 1)) * (p / (1 - p));
  }
  return out;
}

/**
 * The best valid test for two rates knowing the horizon: the uniformly most powerful unbiased test,
 * conditional on the total m (canary's count ~ Binomial(m, π0) under the null), randomized at the
 * boundary so that its size is exactly α at every m (Lehmann & Romano, §4.5). Counts Poisson at the
 * expected traffic. Its power is the limit for any unbiased level-α test of two unknown rates (a test
 * told stable's rate could do better; the canary's rule is not); the z-test's figure
 * (twoProportionPower) is higher at small counts only because its real size exceeds α there (zTestSize).
 */
export function exactConditionalPower(pc: number, nc: number, ps: number, ns: number, alpha: number): number {
  if (nc <= 0 || ns <= 0) return 0;
  const total = pc * nc + ps * ns;
  const pi0 = nc / (nc + ns);
  const pi1 = (pc * nc) / total;
  let power = 0;
  poissonPmfs(total).forEach((pm, m) => {
    const null0 = binomialPmfs(m, pi0);
    const alt = binomialPmfs(m, pi1);
    // Largest c with P0(X ≥ c) > α: reject above c, and at c with probability γ.
    let above = 0; // P0(X > c)
    let c = m;
    while (c >= 0 && above + null0[c]! <= alpha) above += null0[c--]!;
    if (c < 0) {
      power += pm; // m = 0 only when α ≥ 1
      return;
    }
    const gamma = (alpha - above) / null0[c]!;
    let altAbove = 0;
    for (let k = c + 1; k <= m; k++) altAbove += alt[k]!;
    power += pm * (altAbove + gamma * alt[c]!);
  });
  return power;
}

/** The real size of the pooled one-sided two-proportion z-test at level α, by enumeration of binomial counts. */
export function zTestSize(p: number, nc: number, ns: number, alpha: number): number {
  nc = Math.round(nc);
  ns = Math.round(ns);
  const z = probit(1 - alpha);
  const c = binomialPmfs(nc, p);
  const s = binomialPmfs(ns, p);
  let size = 0;
  for (let a = 0; a <= nc; a++) {
    if (c[a]! < 1e-16) continue;
    for (let b = 0; b <= ns; b++) {
      if (s[b]! < 1e-16) continue;
      const pbar = (a + b) / (nc + ns);
      if (pbar === 0 || pbar === 1) continue;
      const stat = (a / nc - b / ns) / Math.sqrt(pbar * (1 - pbar) * (1 / nc + 1 / ns));
      if (stat >= z) size += c[a]! * s[b]!;
    }
  }
  return size;
}
