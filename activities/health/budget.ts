/**
 * The false-rollback budget α of one lifecycle, split into one α per test per step (Bonferroni:
 * P(any false rollback) ≤ the sum). Comparisons with stable can only run while stable still serves
 * (a 100 % step leaves it no traffic), so their shares are spread over those steps alone; the
 * absolute limits run at every step. With no step to compare in (a first deployment), the limits get
 * the whole budget. Pure.
 */

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
} as const;
export type TestName = keyof typeof ALPHA_SHARES;

const RELATIVE: readonly TestName[] = ['5xx-vs-stable', 'latency-body-vs-stable', 'latency-tail-vs-stable'];

export const isCompared = (weight: number) => weight < 100;

/** α of every test at step `stepIndex` of a ramp through `steps` (canary weights, %). */
export function testAlphas(
  alpha: number,
  steps: readonly number[],
  stepIndex: number,
): Record<TestName, number> {
  const all = Math.max(1, steps.length);
  const compared = steps.filter(isCompared).length;
  const here = isCompared(steps[stepIndex] ?? 100);
  const absoluteShare = Object.entries(ALPHA_SHARES)
    .filter(([t]) => !RELATIVE.includes(t as TestName))
    .reduce((s, [, v]) => s + v, 0);
  const out = {} as Record<TestName, number>;
  for (const [test, share] of Object.entries(ALPHA_SHARES) as [TestName, number][]) {
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
): { step: number; spentThroughStep: number } {
  const total = (i: number) => Object.values(testAlphas(alpha, steps, i)).reduce((s, v) => s + v, 0);
  let spent = 0;
  for (let i = 0; i <= Math.min(stepIndex, steps.length - 1); i++) spent += total(i);
  return { step: total(stepIndex), spentThroughStep: spent };
}
