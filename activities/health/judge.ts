/**
 * The canary's health verdict at one look. Pure: per-period counts in, verdict and numbers out.
 *
 * The lifecycle's false-rollback budget α is split over tests and steps (budget.ts; Bonferroni: the
 * union bound needs no independence). Each test spends E_PROCESS_SHARE of its α on an anytime-valid
 * e-process (sequential.ts), checked at every look however many there are, and the rest on one
 * exact fixed-horizon test at the bake's final look (final-look.ts). The tests:
 *   5xx-limit, 4xx-limit           canary rate over the absolute limit (one-sample)
 *   5xx-vs-stable                  canary rate over stable's × maxErrorRateRatio (two-sample)
 *   latency-limit                  canary's quantile over maxLatencyMs (exceedances over the limit)
 *   latency-body-vs-stable         canary slower at stable's median (a whole-distribution slowdown)
 *   latency-tail-vs-stable         canary slower at stable's p99 (a tail-only regression)
 * - Any configured alarm in ALARM, or a guardrail metric over its line: unhealthy (the operator's own
 *   threshold; outside the α budget, like an alarm).
 * - Any e-process over its boundary: unhealthy at once, whatever the sample size (it is valid at
 *   every n, so strong evidence rolls back at the first look that has it).
 * - Otherwise insufficient-data unless the data are complete (every query Complete, no datapoint
 *   missing) with at least `minInvocations` canary invocations and latency samples.
 * - At the final look on complete data, any fixed-horizon test at its level: unhealthy (on incomplete
 *   data it does not run: the watch runs it at the first complete look). The watch returns healthy only
 *   once it has run: there is no early promotion.
 */
import type { HealthVerdict, TestEvidence, VariantHealth } from '../../src/shared/activity-contracts';
import type { HealthPolicy } from '../../src/shared/lifecycle-input';
import { exceedLowerBound, exceedUpperBound, levelOf, type LatencyPeriod } from './exceedance';
import { resolveShares, stepBudget, testAlphas, type TestName } from './budget';
import {
  binomialUpperTail,
  conditionalUpperTail,
  scoreUpperTail,
  type ConditionalModel,
  type ScorePeriod,
} from './final-look';
import { guardrailReasons, type GuardrailReading } from './guardrails';
import {
  BOUNDED_MIXTURE,
  MIXTURE,
  oneSampleLogE,
  ratioLowerBound,
  rateLowerBound,
  twoSampleLogE,
  type Mixture,
  type PeriodCounts,
} from './sequential';

/** One variant in one whole metric period; a field is absent when CloudWatch returned no datapoint. */
export interface VariantPeriod {
  invocations?: number;
  errors5xx?: number;
  errors4xx?: number;
  latency?: LatencyPeriod;
}

/** What one look read: per whole period since the step began, both variants, and the reference. */
export interface HealthEvidence {
  canaryVariant: string;
  stableVariant?: string;
  /** Start (epoch ms) of every whole period in the window, ascending. */
  periodStarts: number[];
  canary: Map<number, VariantPeriod>;
  stable?: Map<number, VariantPeriod>;
  /** Why the data may be incomplete (a non-Complete StatusCode, Forbidden, a missing datapoint). */
  problems: string[];
  alarmsInAlarm: string[];
  guardrails: GuardrailReading[];
  /** Stable's latency before the step (fixed for the whole step): the thresholds compared at. */
  latencyReference?: {
    p50Ms: number;
    tailMs: number;
    samples: number;
    /** Stable's p10, p25, p50, p75, p90 (BODY_LEVELS): the graded final look of the body test. */
    bodyMs?: number[];
  };
  windowStart: string;
  windowEnd: string;
}

/** Where this look sits in the lifecycle's budget. */
export interface BudgetPosition {
  stepIndex: number;
  /** The ramp's canary weights (%), e.g. [10, 50, 100]: how α is split (budget.ts). */
  steps: readonly number[];
  /**
   * The first look at or after the bake's end: the fixed-horizon test (final-look.ts) runs once, on
   * the periods that ended by `horizonEndMs` (the bake's end), whatever their number. It may roll back
   * on fewer than `minInvocations` (a rejection is valid at any n; only a healthy verdict needs the
   * minimum). The watch passes it once per step: later looks, waiting for evidence, have the
   * e-process alone.
   */
  finalLook?: boolean;
  /** Epoch ms; the fixed-horizon test uses only periods ending at or before it. Absent: every period. */
  horizonEndMs?: number;
}

/**
 * How each test's α is spent: part on the anytime-valid e-process (every look, early rollback on
 * strong evidence), the rest on the one final look, where a fixed-horizon test is far more powerful.
 */
export const E_PROCESS_SHARE = 0.1;

export interface Judgement {
  status: HealthVerdict['status'];
  reasons: string[];
  tests: TestEvidence[];
  alpha: NonNullable<HealthVerdict['alpha']>;
  canary: VariantHealth;
  stable?: VariantHealth;
}

export interface JudgeOptions {
  /** Compute the confidence bounds (bisections); the benchmark turns this off, the decision is the same. */
  bounds?: boolean;
}

export { ALPHA_SHARES } from './budget';

const pct = (rate: number) => `${(rate * 100).toFixed(2)}%`;
const LOG10 = Math.log(10);

function sumOf(
  periods: Map<number, VariantPeriod> | undefined,
  starts: number[],
  key: 'invocations' | 'errors5xx' | 'errors4xx',
): number {
  let total = 0;
  for (const t of starts) total += periods?.get(t)?.[key] ?? 0;
  return total;
}

function latencySamplesOf(periods: Map<number, VariantPeriod> | undefined, starts: number[]): number {
  let total = 0;
  for (const t of starts) total += periods?.get(t)?.latency?.samples ?? 0;
  return total;
}

/** The highest per-period value of the level: a display figure that never understates the window's quantile. */
function latencyDisplay(
  periods: Map<number, VariantPeriod> | undefined,
  starts: number[],
  level: number,
): number | null {
  let worst: number | null = null;
  for (const t of starts) {
    const q = periods?.get(t)?.latency?.quantiles.get(level);
    if (q !== undefined && (worst === null || q > worst)) worst = q;
  }
  return worst;
}

function variantHealth(
  name: string,
  periods: Map<number, VariantPeriod> | undefined,
  starts: number[],
  policy: HealthPolicy,
): VariantHealth {
  const invocations = sumOf(periods, starts, 'invocations');
  const errors5xx = sumOf(periods, starts, 'errors5xx');
  const errors4xx = sumOf(periods, starts, 'errors4xx');
  return {
    variantName: name,
    invocations,
    errors5xx,
    errors4xx,
    errorRate: invocations > 0 ? errors5xx / invocations : 0,
    rate4xx: invocations > 0 ? errors4xx / invocations : 0,
    latencyMs: latencyDisplay(periods, starts, levelOf(policy.latencyStatistic) * 100),
    latencySamples: latencySamplesOf(periods, starts),
    periods: starts.filter((t) => periods?.get(t)?.invocations !== undefined).length,
  };
}

interface TestSpec {
  test: string;
  event: string;
  nullValue: number;
  alpha: number;
  withBounds: boolean;
  final: boolean;
}

/**
 * The comparisons' final-look p-values are mid-p values: P(S > s) + ½·P(S = s). With a few events the
 * exact test's attainable levels jump (P(≥ 4) = 0.001, P(≥ 3) = 0.016, nothing between), so at
 * α = 0.002 it really tests at 0.001 and gives away much of its power. Given each period's total the
 * mid-p test's size can exceed α at some totals, but over the Poisson spread of the totals it stays
 * under α (Lancaster 1961; Agresti 2002 §1.4.5; test/unit/activities/health-final-look.test.ts computes
 * it exactly for 1–50 req/s). The absolute limits, at a fixed n, keep the exact p-value; the e-processes
 * are exact at every n. BENCHMARKS.md measures the lifecycle's false rollbacks.
 */
export const FINAL_MID_P = true;

/** Stable's quantiles (%) the body test's final look grades the canary's requests against. */
export const BODY_LEVELS = [10, 25, 50, 75, 90] as const;

/** The e-process's boundary and the final look's level, from the test's α. */
function levels(alpha: number) {
  return { eAlpha: alpha * E_PROCESS_SHARE, finalAlpha: alpha * (1 - E_PROCESS_SHARE) };
}

function oneSample(spec: TestSpec, events: number, trials: number): TestEvidence {
  const logE = oneSampleLogE(events, trials, spec.nullValue);
  const { eAlpha, finalAlpha } = levels(spec.alpha);
  const boundary = Math.log(1 / eAlpha);
  return {
    test: spec.test,
    event: spec.event,
    canaryEvents: events,
    canaryTrials: trials,
    nullValue: spec.nullValue,
    estimate: trials > 0 ? events / trials : null,
    lowerBound: spec.withBounds ? rateLowerBound(events, trials, eAlpha) : 0,
    log10E: logE / LOG10,
    log10Boundary: boundary / LOG10,
    alpha: spec.alpha,
    ...(spec.final ? { pValue: binomialUpperTail(events, trials, spec.nullValue), finalAlpha } : {}),
    rejected: logE >= boundary,
  };
}

function twoSample(
  spec: TestSpec,
  periods: PeriodCounts[],
  mixture: Mixture = MIXTURE,
  model: ConditionalModel = 'binomial',
): TestEvidence {
  const logE = twoSampleLogE(periods, spec.nullValue, mixture);
  const { eAlpha, finalAlpha } = levels(spec.alpha);
  const boundary = Math.log(1 / eAlpha);
  let ce = 0, cn = 0, se = 0, sn = 0; // prettier-ignore
  for (const p of periods) {
    ce += p.canaryEvents;
    cn += p.canaryTrials;
    se += p.stableEvents;
    sn += p.stableTrials;
  }
  const estimate = cn > 0 && sn > 0 && se > 0 ? ce / cn / (se / sn) : null;
  return {
    test: spec.test,
    event: spec.event,
    canaryEvents: ce,
    canaryTrials: cn,
    stableEvents: se,
    stableTrials: sn,
    nullValue: spec.nullValue,
    estimate,
    lowerBound: spec.withBounds ? ratioLowerBound(periods, eAlpha, mixture) : 0,
    log10E: logE / LOG10,
    log10Boundary: boundary / LOG10,
    alpha: spec.alpha,
    ...(spec.final
      ? {
          pValue: conditionalUpperTail(
            periods,
            spec.nullValue,
            spec.nullValue === 1 ? model : 'binomial',
            FINAL_MID_P,
          ),
          finalAlpha,
        }
      : {}),
    rejected: logE >= boundary,
  };
}

/** Periods where both variants have the counts: the only ones a comparison may use. */
function pairedErrorPeriods(e: HealthEvidence): PeriodCounts[] {
  const out: PeriodCounts[] = [];
  for (const t of e.periodStarts) {
    const c = e.canary.get(t);
    const s = e.stable?.get(t);
    if (c?.invocations === undefined || c.errors5xx === undefined) continue;
    if (s?.invocations === undefined || s.errors5xx === undefined) continue;
    out.push({
      canaryEvents: c.errors5xx,
      canaryTrials: c.invocations,
      stableEvents: s.errors5xx,
      stableTrials: s.invocations,
    });
  }
  return out;
}

function pairedLatencyPeriods(
  e: HealthEvidence,
  canaryThreshold: number,
  stableThreshold: number,
): PeriodCounts[] {
  const out: PeriodCounts[] = [];
  for (const t of e.periodStarts) {
    const c = e.canary.get(t)?.latency;
    const s = e.stable?.get(t)?.latency;
    if (!c || !s || c.samples <= 0 || s.samples <= 0) continue;
    out.push({
      canaryEvents: exceedLowerBound(c, canaryThreshold),
      canaryTrials: c.samples,
      stableEvents: exceedUpperBound(s, stableThreshold),
      stableTrials: s.samples,
    });
  }
  return out;
}

function runTests(
  e: HealthEvidence,
  policy: HealthPolicy,
  alphas: Record<TestName, number>,
  withBounds: boolean,
  final: boolean,
): TestEvidence[] {
  const starts = e.periodStarts;
  const invocations = sumOf(e.canary, starts, 'invocations');
  const spec = (test: TestName, event: string, nullValue: number): TestSpec => ({
    test,
    event,
    nullValue,
    alpha: alphas[test],
    withBounds,
    final,
  });
  const tests = [
    oneSample(
      spec('5xx-limit', '5xx', policy.maxErrorRate),
      sumOf(e.canary, starts, 'errors5xx'),
      invocations,
    ),
    oneSample(spec('4xx-limit', '4xx', policy.max4xxRate), sumOf(e.canary, starts, 'errors4xx'), invocations),
    twoSample(spec('5xx-vs-stable', '5xx', policy.maxErrorRateRatio), pairedErrorPeriods(e)),
  ];
  const level = levelOf(policy.latencyStatistic);
  let over = 0;
  for (const t of starts) {
    const lat = e.canary.get(t)?.latency;
    if (lat) over += exceedLowerBound(lat, policy.maxLatencyMs);
  }
  tests.push(
    oneSample(
      spec('latency-limit', `latency > ${policy.maxLatencyMs} ms`, 1 - level),
      over,
      latencySamplesOf(e.canary, starts),
    ),
  );
  const ref = e.latencyReference;
  if (ref && e.stable) {
    const f = policy.maxLatencyRatio;
    // Exceedances are per request (a request exceeds once or not): the final look conditions on each
    // period's 2×2 margins (hypergeometric), far tighter than the binomial share at the median.
    for (const [test, threshold, mixture] of [
      ['latency-body-vs-stable', ref.p50Ms, BOUNDED_MIXTURE],
      ['latency-tail-vs-stable', ref.tailMs, MIXTURE],
    ] as const) {
      tests.push(
        twoSample(
          spec(
            test,
            `latency > ${threshold.toFixed(1)} ms (stable) / ${(threshold * f).toFixed(1)} ms (canary)`,
            1,
          ),
          pairedLatencyPeriods(e, threshold * f, threshold),
          mixture,
          'hypergeometric',
        ),
      );
    }
    const body = tests.at(-2)!;
    if (final && ref.bodyMs && ref.bodyMs.length > 1) {
      // The final look grades the body: exceedances of all of stable's p10…p90, not the median alone.
      const periods = pairedScorePeriods(e, ref.bodyMs, f);
      const pValue = scoreUpperTail(periods, FINAL_MID_P);
      if (pValue !== null) {
        body.pValue = pValue;
        body.finalTest =
          `graded: requests over stable's ${BODY_LEVELS.map((l) => `p${l}`).join('/')} ` +
          `(${ref.bodyMs.map((x) => (x * f).toFixed(1)).join('/')} ms for the canary), score sum ` +
          `${periods.reduce((a, p) => a + p.canaryOver.reduce((x, y) => x + y, 0), 0)} over ${periods.reduce((a, p) => a + p.canaryTrials, 0)} requests`;
      }
    }
  }
  return tests;
}

/** Per period, both variants' exceedance counts at every body threshold (canary at f × each). */
function pairedScorePeriods(e: HealthEvidence, thresholds: readonly number[], f: number): ScorePeriod[] {
  const out: ScorePeriod[] = [];
  for (const t of e.periodStarts) {
    const c = e.canary.get(t)?.latency;
    const s = e.stable?.get(t)?.latency;
    if (!c || !s || c.samples <= 0 || s.samples <= 0) continue;
    out.push({
      canaryTrials: c.samples,
      stableTrials: s.samples,
      canaryOver: thresholds.map((x) => exceedLowerBound(c, x * f)),
      stableOver: thresholds.map((x) => exceedUpperBound(s, x)),
    });
  }
  return out;
}

/** "5xx rate", or "share of requests with latency > 412.3 ms". */
const rateOf = (event: string) =>
  /^[45]xx$/.test(event) ? `${event} rate` : `share of requests with ${event}`;

/** The counts of a test in words: "5xx rate 2.00% (60/3000) against stable's 1.00% (270/27000)". */
function counts(t: TestEvidence): string {
  const own = `canary ${rateOf(t.event)} ${pct(t.canaryTrials ? t.canaryEvents / t.canaryTrials : 0)} (${t.canaryEvents}/${t.canaryTrials})`;
  if (t.stableTrials === undefined) return own;
  const stable = pct(t.stableTrials ? t.stableEvents! / t.stableTrials : 0);
  return `${own} against stable's ${stable} (${t.stableEvents}/${t.stableTrials})`;
}

function describeRejection(t: TestEvidence): string {
  const eAlpha = t.alpha * E_PROCESS_SHARE;
  const stat = `e = 10^${t.log10E.toFixed(2)} ≥ 10^${t.log10Boundary.toFixed(2)} = 1/α (α = ${eAlpha.toExponential(2)})`;
  if (t.stableTrials !== undefined) {
    const ratio = t.estimate === null ? 'n/a' : t.estimate.toFixed(2);
    return `${t.test}: ${counts(t)}, ratio ${ratio} (lower bound ${t.lowerBound.toFixed(2)}) over the tolerated ${t.nullValue}; ${stat}`;
  }
  return `${t.test}: ${counts(t)} (lower bound ${pct(t.lowerBound)}) over the limit ${pct(t.nullValue)}; ${stat}`;
}

function describeFinalRejection(t: TestEvidence): string {
  return (
    `${t.test} (final look): ${t.finalTest ? `${t.finalTest}; at stable's median ` : ''}${counts(t)}, ` +
    `${FINAL_MID_P && t.stableTrials !== undefined ? 'mid-p' : 'p'} = ${t.pValue!.toExponential(2)} ≤ ${t.finalAlpha!.toExponential(2)} (null ${t.nullValue})`
  );
}

/** The evidence restricted to the periods that ended by the horizon (the bake's end). */
function withinHorizon(
  e: HealthEvidence,
  horizonEndMs: number | undefined,
  periodMs: number,
): HealthEvidence {
  if (horizonEndMs === undefined) return e;
  return { ...e, periodStarts: e.periodStarts.filter((t) => t + periodMs <= horizonEndMs) };
}

export function judgeLook(
  e: HealthEvidence,
  policy: HealthPolicy,
  position: BudgetPosition,
  options: JudgeOptions = {},
): Judgement {
  const shares = resolveShares(policy.alphaShares);
  const alphas = testAlphas(policy.falseRollbackBudget, position.steps, position.stepIndex, shares);
  const alpha = {
    lifecycle: policy.falseRollbackBudget,
    ...stepBudget(policy.falseRollbackBudget, position.steps, position.stepIndex, shares),
  };
  const tests = runTests(e, policy, alphas, options.bounds ?? true, false);
  const canary = variantHealth(e.canaryVariant, e.canary, e.periodStarts, policy);
  const stable = e.stableVariant
    ? variantHealth(e.stableVariant, e.stable, e.periodStarts, policy)
    : undefined;
  const base = { tests, alpha, canary, ...(stable ? { stable } : {}) };

  const unhealthy = [
    ...e.alarmsInAlarm.map((name) => `alarm ${name} is in ALARM`),
    ...guardrailReasons(e.guardrails, policy.guardrails),
    ...tests.filter((t) => t.rejected).map(describeRejection),
  ];
  if (unhealthy.length > 0) return { status: 'unhealthy', reasons: unhealthy, ...base };

  if (position.finalLook && e.problems.length === 0) {
    // The fixed-horizon test, once per step, on the bake's periods: valid at any n, so it may roll
    // back below minInvocations; its counts are the horizon's, which the reasons state. Not on data
    // CloudWatch does not vouch for: the watch runs it at the first complete look instead (the choice
    // depends on the data's completeness, not its values, so the test keeps its level).
    const horizon = withinHorizon(e, position.horizonEndMs, policy.metricPeriodSeconds * 1000);
    const finals = runTests(horizon, policy, alphas, false, true);
    const rejected = finals.filter((t) => t.pValue !== undefined && t.pValue <= t.finalAlpha!);
    for (const f of finals) {
      const t = tests.find((x) => x.test === f.test);
      if (!t) continue;
      t.pValue = f.pValue!;
      t.finalAlpha = f.finalAlpha!;
      if (f.finalTest) t.finalTest = f.finalTest;
      if (rejected.includes(f)) t.rejected = true;
    }
    if (rejected.length > 0) {
      for (const f of rejected) f.rejected = true;
      return { status: 'unhealthy', reasons: rejected.map(describeFinalRejection), ...base };
    }
  }

  const short: string[] = [...e.problems];
  if (e.periodStarts.length === 0) short.push('no whole metric period since the weight change yet');
  if (canary.invocations < policy.minInvocations) {
    short.push(
      `canary ${canary.variantName} had ${canary.invocations} invocations in the window, ` +
        `fewer than the ${policy.minInvocations} needed for a verdict`,
    );
  } else if ((canary.latencySamples ?? 0) < policy.minInvocations) {
    short.push(
      `canary ${canary.variantName} had ${canary.latencySamples ?? 0} latency samples, fewer than the ${policy.minInvocations} needed`,
    );
  }
  if (short.length > 0) return { status: 'insufficient-data', reasons: short, ...base };

  const summary =
    `canary ${canary.variantName}: ${canary.invocations} invocations, 5xx ${canary.errors5xx} (${pct(canary.errorRate)}), ` +
    `4xx ${canary.errors4xx}` +
    (stable
      ? `; stable ${stable.variantName}: ${stable.invocations} invocations, 5xx ${stable.errors5xx} (${pct(stable.errorRate)})`
      : '') +
    `; no test rejected (step α = ${alpha.step.toExponential(2)}) over ${e.periodStarts.length} whole periods`;
  return { status: 'healthy', reasons: [summary], ...base };
}
