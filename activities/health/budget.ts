/**
 * The false-rollback budget α of one lifecycle, split into one α per test per step (Bonferroni:
 * P(any false rollback) ≤ the sum). Comparisons with stable can only run while stable still serves
 * (a 100 % step leaves it no traffic), so their shares are spread over those steps alone; the
 * absolute limits run at every step. With no step to compare in (a first deployment), the limits get
 * the whole budget. Pure.
 */
import { HEALTH_TESTS, type HealthTestName } from '../../src/shared/lifecycle-input';

/**
 * Each test's share of the lifecycle's α: most to the comparisons, which catch what matters most, and
 * among them most to those on rare events (5xx, requests over stable's p99), whose power at low traffic
 * grows with every bit of α; the graded body test sees a 1.5× slowdown at 1 req/s even with 12 %.
 */
export const ALPHA_SHARES = {
  '5xx-vs-stable': 0.45,
  'latency-body-vs-stable': 0.12,
  'latency-tail-vs-stable': 0.33,
  '5xx-limit': 0.04,
  'latency-limit': 0.04,
  '4xx-limit': 0.02,
} as const satisfies Shares;
export type TestName = HealthTestName;
export type Shares = Record<TestName, number>;

/**
 * The shares a policy's `alphaShares` override gives: the named tests keep theirs, the others split
 * what is left in the proportions of ALPHA_SHARES (the schema keeps the named ones under 1 in sum).
 */
export function resolveShares(overrides: Partial<Shares> = {}): Shares {
  if (Object.keys(overrides).length === 0) return { ...ALPHA_SHARES };
  const named = Object.values(overrides).reduce((s, v) => s + (v ?? 0), 0);
  const unnamedDefault = HEALTH_TESTS.filter((t) => overrides[t] === undefined).reduce(
    (s, t) => s + ALPHA_SHARES[t],
    0,
  );
  const out = {} as Shares;
  for (const t of HEALTH_TESTS)
    out[t] = overrides[t] ?? (unnamedDefault > 0 ? (ALPHA_SHARES[t] * (1 - named)) / unnamedDefault : 0);
  return out;
}

const RELATIVE: readonly TestName[] = ['5xx-vs-stable', 'latency-body-vs-stable', 'latency-tail-vs-stable'];

export const isCompared = (weight: number) => weight < 100;

/** α of every test at step `stepIndex` of a ramp through `steps` (canary weights, %). */
export function testAlphas(
  alpha: number,
  steps: readonly number[],
  stepIndex: number,
  shares: Shares = ALPHA_SHARES,
): Record<TestName, number> {
  const all = Math.max(1, steps.length);
  const compared = steps.filter(isCompared).length;
  const here = isCompared(steps[stepIndex] ?? 100);
  const absoluteShare = Object.entries(shares)
    .filter(([t]) => !RELATIVE.includes(t as TestName))
    .reduce((s, [, v]) => s + v, 0);
  const out = {} as Record<TestName, number>;
  for (const [test, share] of Object.entries(shares) as [TestName, number][]) {
    if (RELATIVE.includes(test)) out[test] = here && compared > 0 ? (alpha * share) / compared : 0;
    else out[test] = compared > 0 ? (alpha * share) / all : (alpha * share) / absoluteShare / all;
  }
  return out;
}

/** This step's α (all its tests) and the α of the steps up to and including it. */
export function stepBudget(
  alpha: number,
  steps: readonly number[],
  stepIndex: number,
  shares: Shares = ALPHA_SHARES,
): { step: number; spentThroughStep: number } {
  const total = (i: number) => Object.values(testAlphas(alpha, steps, i, shares)).reduce((s, v) => s + v, 0);
  let spent = 0;
  for (let i = 0; i <= Math.min(stepIndex, steps.length - 1); i++) spent += total(i);
  return { step: total(stepIndex), spentThroughStep: spent };
}
