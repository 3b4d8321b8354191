/**
 * What a rollout can see before it starts: per step, the smallest regression the sequential rule
 * flags about half the time by the bake's end, at the configured α. Pure.
 *
 * A mixture e-process crosses 1/α roughly when its expected log-likelihood ratio for the best
 * alternative k reaches log(1/(α·w_k)) (the drift of log E is E[log L_k], and the mixture pays log w_k).
 * So the median detection point is where n·KL-like drift meets that boundary; the final look's
 * fixed-horizon test detects half the time where the expected count sits z_α standard deviations
 * above the null's. We search the smallest effect either reaches over one bake. An approximation
 * (it ignores the path's spread and the percentile ladder's rounding); BENCHMARKS.md has simulations.
 */
import type { DetectabilityReport, StepDetectability } from '../../src/shared/activity-contracts';
import type { HealthPolicy } from '../../src/shared/lifecycle-input';
import { resolveShares, testAlphas, type TestName } from './budget';
import { BODY_LEVELS, E_PROCESS_SHARE } from './judge';
import { normalCdf, normalQuantile } from './normal';
import { MIXTURE } from './sequential';

export interface DetectabilityArgs {
  requestsPerSecond: number;
  stableErrorRate: number;
  latencyP50Ms: number | null;
  latencyP99Ms: number | null;
  canarySteps: number[];
  bakeSeconds: number;
  policy: HealthPolicy;
}

/** Effects searched, as factors: 1.01 … 100 on a geometric grid. */
const GRID = Array.from({ length: 400 }, (_, i) => Math.exp((i + 1) * (Math.log(100) / 400)));

/** Best (over the mixture) expected log e-value of the two-sample test after one bake. */
function twoSampleDrift(nc: number, ns: number, thetaC: number, thetaS: number, rho0: number): number {
  const m = thetaC * nc + thetaS * ns;
  const pi = (thetaC * nc) / m;
  const pi0 = (rho0 * nc) / (rho0 * nc + ns);
  let best = -Infinity;
  for (const { ratio, weight } of MIXTURE) {
    const pi1 = (ratio * rho0 * nc) / (ratio * rho0 * nc + ns);
    const drift = m * (pi * Math.log(pi1 / pi0) + (1 - pi) * Math.log((1 - pi1) / (1 - pi0)));
    best = Math.max(best, drift + Math.log(weight));
  }
  return best;
}

/** The final look's test reaches its level on expected counts (about half the time). */
function twoSampleFinal(
  nc: number,
  ns: number,
  thetaC: number,
  thetaS: number,
  rho0: number,
  z: number,
): boolean {
  const m = thetaC * nc + thetaS * ns;
  const pi0 = (rho0 * nc) / (rho0 * nc + ns);
  return thetaC * nc - m * pi0 >= z * Math.sqrt(m * pi0 * (1 - pi0));
}

/**
 * The body test's graded final look (requests over stable's p10…p90) reaches its level on expected
 * counts, for a log-normal of spread σ slowed s× against a tolerance f: the canary's mean score over
 * stable's, against the null spread of the canary's score sum (final-look.ts, scoreUpperTail).
 */
function gradedFinal(nc: number, ns: number, s: number, sigma: number, f: number, z: number): boolean {
  const n = nc + ns;
  const cuts = BODY_LEVELS.map((l) => normalQuantile(l / 100));
  const canaryOver = cuts.map((c) => normalCdf(Math.log(s / f) / sigma - c));
  const stableOver = cuts.map((c) => 1 - normalCdf(c));
  const pooledOver = canaryOver.map((c, j) => (nc * c + ns * stableOver[j]!) / n);
  const mean = pooledOver.reduce((a, b) => a + b, 0);
  const meanSquare = pooledOver.reduce((a, b, j) => a + (2 * j + 1) * b, 0);
  const variance = ((nc * ns) / n) * (meanSquare - mean * mean);
  const excess = nc * (canaryOver.reduce((a, b) => a + b, 0) - mean);
  return excess >= z * Math.sqrt(variance);
}

function oneSampleFinal(n: number, p: number, p0: number, z: number): boolean {
  return n * (p - p0) >= z * Math.sqrt(n * p0 * (1 - p0));
}

function oneSampleDrift(n: number, p: number, p0: number): number {
  const odds0 = p0 / (1 - p0);
  let best = -Infinity;
  for (const { ratio, weight } of MIXTURE) {
    const p1 = (ratio * odds0) / (1 + ratio * odds0);
    const drift = n * (p * Math.log(p1 / p0) + (1 - p) * Math.log((1 - p1) / (1 - p0)));
    best = Math.max(best, drift + Math.log(weight));
  }
  return best;
}

function smallest(effects: number[], detected: (x: number) => boolean): number | null {
  for (const x of effects) if (detected(x)) return x;
  return null;
}

export function assessDetectability(
  a: DetectabilityArgs,
): Omit<DetectabilityReport, 'warning'> & { warning?: string } {
  const sigma =
    a.latencyP50Ms && a.latencyP99Ms && a.latencyP99Ms > a.latencyP50Ms
      ? Math.log(a.latencyP99Ms / a.latencyP50Ms) / 2.3263478740408408
      : null;
  const limit = a.policy.maxErrorRate;

  // The judge sees whole metric periods only: a bake shorter than one period holds none.
  const period = a.policy.metricPeriodSeconds;
  const judgedSeconds = Math.floor(a.bakeSeconds / period) * period;
  const shares = resolveShares(a.policy.alphaShares);
  const perStep: StepDetectability[] = a.canarySteps.map((weight, index) => {
    const alphas = testAlphas(a.policy.falseRollbackBudget, a.canarySteps, index, shares);
    const boundary = (test: TestName) => Math.log(1 / (alphas[test] * E_PROCESS_SHARE));
    const zFinal = (test: TestName) => normalQuantile(1 - alphas[test] * (1 - E_PROCESS_SHARE));
    const z5xx = zFinal('5xx-vs-stable');
    const zBody = zFinal('latency-body-vs-stable');
    const zLimit = zFinal('5xx-limit');
    const total = a.requestsPerSecond * judgedSeconds;
    const nc = (total * weight) / 100;
    const ns = total - nc;
    const ps = a.stableErrorRate;
    const paired = nc > 0 && ns > 0;
    const ratio =
      paired && ps > 0
        ? smallest(
            GRID,
            (r) =>
              r * ps < 1 &&
              (twoSampleDrift(nc, ns, r * ps, ps, a.policy.maxErrorRateRatio) >= boundary('5xx-vs-stable') ||
                twoSampleFinal(nc, ns, r * ps, ps, a.policy.maxErrorRateRatio, z5xx)),
          )
        : null;
    const slowdown =
      paired && sigma !== null
        ? smallest(GRID, (s) => {
            const thetaC = normalCdf(Math.log(s / a.policy.maxLatencyRatio) / sigma);
            return (
              twoSampleDrift(nc, ns, thetaC, 0.5, 1) >= boundary('latency-body-vs-stable') ||
              gradedFinal(nc, ns, s, sigma, a.policy.maxLatencyRatio, zBody)
            );
          })
        : null;
    const overLimit =
      nc > 0 && limit > 0 && limit < 1
        ? smallest(
            GRID.map((f) => limit * f).filter((p) => p < 1),
            (p) =>
              oneSampleDrift(nc, p, limit) >= boundary('5xx-limit') || oneSampleFinal(nc, p, limit, zLimit),
          )
        : null;
    return {
      canaryWeight: weight,
      expectedCanaryRequests: Math.round(nc),
      expectedStableRequests: Math.round(ns),
      minDetectableErrorRatio: ratio === null ? null : Number(ratio.toFixed(2)),
      minDetectableSlowdown: slowdown === null ? null : Number(slowdown.toFixed(2)),
      minDetectableErrorRateOverLimit: overLimit === null ? null : Number(overLimit.toFixed(4)),
      alphaPerTest: alphas,
    };
  });

  // A doubling of a 0 % error rate is no regression: with a stable that had no 5xx, there is none to miss.
  const blind = perStep.filter(
    (s) =>
      a.stableErrorRate > 0 &&
      s.expectedStableRequests > 0 &&
      (s.minDetectableErrorRatio === null || s.minDetectableErrorRatio > 2),
  );
  const compared = perStep.filter((s) => s.expectedStableRequests > 0);
  const noPeriod =
    judgedSeconds === 0
      ? `the ${a.bakeSeconds} s bake is shorter than one ${period} s metric period: no step has a whole period to judge`
      : undefined;
  const doubling =
    compared.length > 0 && blind.length > 0
      ? `at ${a.requestsPerSecond.toFixed(2)} req/s and a ${a.bakeSeconds} s bake, a doubling of the 5xx rate ` +
        `(stable ${(a.stableErrorRate * 100).toFixed(2)}%) is unlikely to be seen during the ${blind.map((s) => `${s.canaryWeight}%`).join(', ')} ` +
        `step${blind.length > 1 ? 's' : ''}; a longer bake would see it`
      : undefined;
  const warning = noPeriod ?? doubling;
  return {
    requestsPerSecond: a.requestsPerSecond,
    stableErrorRate: a.stableErrorRate,
    latencyP50Ms: a.latencyP50Ms,
    latencyP99Ms: a.latencyP99Ms,
    perStep,
    ...(warning ? { warning } : {}),
  };
}
