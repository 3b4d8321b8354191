/**
 * The canary's health verdict from one sample. Pure: numbers in, verdict and reasons out.
 *
 * - Any configured alarm in ALARM: unhealthy, whatever the sample size (the alarm is the evidence).
 * - Fewer canary invocations than `minInvocations`: insufficient-data, no verdict.
 * - Absolute limits: 5xx rate > maxErrorRate, 4xx rate > max4xxRate, latency > maxLatencyMs.
 * - Against the stable variant, only when it too has `minInvocations` in the window (none on a first
 *   deployment, and hardly any once the canary takes 100 %): 5xx rate above stable's by more than
 *   errorRateMargin AND significant by a one-sided two-proportion z-test (z >= significanceZ);
 *   latency above stable's × maxLatencyRatio.
 */
import type { HealthVerdict, VariantHealth } from '../../src/shared/activity-contracts';
import type { HealthPolicy } from '../../src/shared/lifecycle-input';

/** What one health check read: the canary, the stable variant when there is one, and alarms. */
export interface HealthSample {
  canary: VariantHealth;
  stable?: VariantHealth;
  alarmsInAlarm: string[];
  windowStart: string;
  windowEnd: string;
}

export interface Judgement {
  status: HealthVerdict['status'];
  reasons: string[];
}

/**
 * z statistic of "proportion 1 is greater than proportion 2", with the pooled standard error.
 * 0 when either sample is empty or both proportions are 0 or 1 (no variance, no evidence).
 */
export function twoProportionZ(successes1: number, n1: number, successes2: number, n2: number): number {
  if (n1 <= 0 || n2 <= 0) return 0;
  const p1 = successes1 / n1;
  const p2 = successes2 / n2;
  const pooled = (successes1 + successes2) / (n1 + n2);
  const se = Math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2));
  return se === 0 ? 0 : (p1 - p2) / se;
}

const pct = (rate: number) => `${(rate * 100).toFixed(2)}%`;
const ms = (value: number) => `${Number(value.toFixed(1))} ms`;

function latencyLabel(policy: HealthPolicy): string {
  return policy.latencyStatistic === 'Average' ? 'average latency' : `${policy.latencyStatistic} latency`;
}

function absoluteViolations(c: VariantHealth, policy: HealthPolicy): string[] {
  const reasons: string[] = [];
  if (c.errorRate > policy.maxErrorRate) {
    reasons.push(
      `canary 5xx rate ${pct(c.errorRate)} (${c.errors5xx}/${c.invocations}) is over the limit ${pct(policy.maxErrorRate)}`,
    );
  }
  if (c.rate4xx > policy.max4xxRate) {
    reasons.push(
      `canary 4xx rate ${pct(c.rate4xx)} (${c.errors4xx}/${c.invocations}) is over the limit ${pct(policy.max4xxRate)}`,
    );
  }
  if (c.latencyMs !== null && c.latencyMs > policy.maxLatencyMs) {
    reasons.push(
      `canary ${latencyLabel(policy)} ${ms(c.latencyMs)} is over the limit ${ms(policy.maxLatencyMs)}`,
    );
  }
  return reasons;
}

function relativeViolations(c: VariantHealth, s: VariantHealth, policy: HealthPolicy): string[] {
  const reasons: string[] = [];
  const excess = c.errorRate - s.errorRate;
  const z = twoProportionZ(c.errors5xx, c.invocations, s.errors5xx, s.invocations);
  if (excess > policy.errorRateMargin && z >= policy.significanceZ) {
    reasons.push(
      `canary 5xx rate ${pct(c.errorRate)} (${c.errors5xx}/${c.invocations}) exceeds stable's ` +
        `${pct(s.errorRate)} (${s.errors5xx}/${s.invocations}) by ${pct(excess)}, more than the margin ` +
        `${pct(policy.errorRateMargin)}, and significantly (z = ${z.toFixed(2)} >= ${policy.significanceZ})`,
    );
  }
  if (c.latencyMs !== null && s.latencyMs !== null && s.latencyMs > 0) {
    const ceiling = s.latencyMs * policy.maxLatencyRatio;
    if (c.latencyMs > ceiling) {
      reasons.push(
        `canary ${latencyLabel(policy)} ${ms(c.latencyMs)} is over stable's ${ms(s.latencyMs)} × ` +
          `${policy.maxLatencyRatio} = ${ms(ceiling)}`,
      );
    }
  }
  return reasons;
}

function summary(sample: HealthSample, policy: HealthPolicy, comparedWithStable: boolean): string {
  const describe = (role: string, v: VariantHealth) =>
    `${role} ${v.variantName}: ${v.invocations} invocations, 5xx ${pct(v.errorRate)}, 4xx ${pct(v.rate4xx)}, ` +
    `${latencyLabel(policy)} ${v.latencyMs === null ? 'n/a' : ms(v.latencyMs)}`;
  const parts = [describe('canary', sample.canary)];
  if (sample.stable) parts.push(describe('stable', sample.stable));
  parts.push(comparedWithStable ? 'within limits and in line with stable' : 'within absolute limits');
  return parts.join('; ');
}

export function judgeCanary(sample: HealthSample, policy: HealthPolicy): Judgement {
  const alarmReasons = sample.alarmsInAlarm.map((name) => `alarm ${name} is in ALARM`);
  const { canary, stable } = sample;
  if (canary.invocations < policy.minInvocations) {
    if (alarmReasons.length > 0) return { status: 'unhealthy', reasons: alarmReasons };
    return {
      status: 'insufficient-data',
      reasons: [
        `canary ${canary.variantName} had ${canary.invocations} invocations in the window, ` +
          `fewer than the ${policy.minInvocations} needed for a verdict`,
      ],
    };
  }
  const compareWithStable = stable !== undefined && stable.invocations >= policy.minInvocations;
  const reasons = [
    ...alarmReasons,
    ...absoluteViolations(canary, policy),
    ...(compareWithStable ? relativeViolations(canary, stable, policy) : []),
  ];
  if (reasons.length > 0) return { status: 'unhealthy', reasons };
  return { status: 'healthy', reasons: [summary(sample, policy, compareWithStable)] };
}
