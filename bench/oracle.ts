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
