import { describe, expect, it } from 'vitest';
import { judgeCanary, twoProportionZ, type HealthSample } from '../../../activities/health/judge';
import type { VariantHealth } from '../../../src/shared/activity-contracts';
import { policy } from './helpers';

function variant(
  name: string,
  invocations: number,
  errors5xx = 0,
  latencyMs: number | null = 100,
  errors4xx = 0,
) {
  return {
    variantName: name,
    invocations,
    errors5xx,
    errors4xx,
    errorRate: invocations ? errors5xx / invocations : 0,
    rate4xx: invocations ? errors4xx / invocations : 0,
    latencyMs,
  } satisfies VariantHealth;
}

function sample(canary: VariantHealth, stable?: VariantHealth, alarms: string[] = []): HealthSample {
  return {
    canary,
    ...(stable ? { stable } : {}),
    alarmsInAlarm: alarms,
    windowStart: '2024-06-01T00:00:00.000Z',
    windowEnd: '2024-06-01T00:10:00.000Z',
  };
}

describe('twoProportionZ', () => {
  it('matches a hand-computed value', () => {
    // p1 = 0.03, p2 = 0.01, pooled = 0.02, se = sqrt(0.02*0.98*(2/1000)) = 0.006261
    expect(twoProportionZ(30, 1000, 10, 1000)).toBeCloseTo(3.194, 2);
  });
  it('is 0 without evidence and negative when the first proportion is lower', () => {
    expect(twoProportionZ(0, 100, 0, 100)).toBe(0);
    expect(twoProportionZ(5, 0, 1, 100)).toBe(0);
    expect(twoProportionZ(1, 100, 10, 100)).toBeLessThan(0);
  });
});

describe('judgeCanary', () => {
  const p = policy({ minInvocations: 100, maxErrorRate: 0.05, errorRateMargin: 0.01, significanceZ: 2.33 });

  it('gives no verdict below the minimum sample, even with errors', () => {
    const v = judgeCanary(sample(variant('v7', 99, 50)), p);
    expect(v.status).toBe('insufficient-data');
    expect(v.reasons[0]).toContain('99 invocations');
    expect(v.reasons[0]).toContain('100 needed');
  });

  it('healthy at exactly the minimum sample, with a summary carrying the numbers', () => {
    const v = judgeCanary(sample(variant('v7', 100, 1), variant('stable', 900, 9)), p);
    expect(v.status).toBe('healthy');
    expect(v.reasons[0]).toContain('canary v7: 100 invocations, 5xx 1.00%');
    expect(v.reasons[0]).toContain('in line with stable');
  });

  it('unhealthy over the absolute 5xx limit', () => {
    const v = judgeCanary(sample(variant('v7', 1000, 60)), p);
    expect(v.status).toBe('unhealthy');
    expect(v.reasons).toEqual(['canary 5xx rate 6.00% (60/1000) is over the limit 5.00%']);
  });

  it('unhealthy over the absolute 4xx limit', () => {
    const v = judgeCanary(sample(variant('v7', 1000, 0, 100, 600)), p);
    expect(v.status).toBe('unhealthy');
    expect(v.reasons[0]).toMatch(/4xx rate 60\.00% \(600\/1000\) is over the limit 50\.00%/);
  });

  it('unhealthy when over stable by more than the margin and significantly', () => {
    // 3% vs 0.5%: under the 5% absolute limit, 2.5 points over stable, z ≈ 7.
    const v = judgeCanary(sample(variant('v7', 1000, 30), variant('stable', 9000, 45)), p);
    expect(v.status).toBe('unhealthy');
    expect(v.reasons[0]).toMatch(/exceeds stable's 0\.50% \(45\/9000\) by 2\.50%.*z = \d+\.\d\d >= 2\.33/);
  });

  it('healthy when over stable by more than the margin but not significantly (small sample)', () => {
    // 3/100 vs 1/100: 2 points over, but z ≈ 1.0.
    const v = judgeCanary(sample(variant('v7', 100, 3), variant('stable', 100, 1)), p);
    expect(v.status).toBe('healthy');
  });

  it('healthy when significantly over stable but within the margin', () => {
    // 1.5% vs 0.8% on large samples: significant, but only 0.7 points over.
    const big = judgeCanary(sample(variant('v7', 100_000, 1500), variant('stable', 100_000, 800)), p);
    expect(twoProportionZ(1500, 100_000, 800, 100_000)).toBeGreaterThan(2.33);
    expect(big.status).toBe('healthy');
  });

  it('unhealthy over the absolute latency limit', () => {
    const v = judgeCanary(sample(variant('v7', 500, 0, 1200)), policy({ maxLatencyMs: 1000 }));
    expect(v.status).toBe('unhealthy');
    expect(v.reasons).toEqual(['canary p99 latency 1200 ms is over the limit 1000 ms']);
  });

  it('unhealthy over stable latency times the ratio', () => {
    const v = judgeCanary(
      sample(variant('v7', 500, 0, 320), variant('stable', 4500, 0, 200)),
      policy({ maxLatencyRatio: 1.5, latencyStatistic: 'Average' }),
    );
    expect(v.status).toBe('unhealthy');
    expect(v.reasons).toEqual(["canary average latency 320 ms is over stable's 200 ms × 1.5 = 300 ms"]);
  });

  it('no stable variant (first deployment): absolute limits only', () => {
    const v = judgeCanary(sample(variant('v7', 500, 10, 320)), p);
    expect(v.status).toBe('healthy');
    expect(v.reasons[0]).toContain('within absolute limits');
  });

  it('stable without the minimum sample (canary at 100 %): absolute limits only', () => {
    const v = judgeCanary(sample(variant('v7', 500, 20, 900), variant('stable', 3, 0, 100)), p);
    expect(v.status).toBe('healthy');
  });

  it('any alarm in ALARM is unhealthy, even below the minimum sample', () => {
    const v = judgeCanary(sample(variant('v7', 5), undefined, ['churn-p99-high']), p);
    expect(v.status).toBe('unhealthy');
    expect(v.reasons).toEqual(['alarm churn-p99-high is in ALARM']);
  });

  it('lists every violated rule', () => {
    const v = judgeCanary(sample(variant('v7', 1000, 100, 5000), undefined, ['a']), p);
    expect(v.reasons).toHaveLength(3);
  });
});
