/**
 * assessDetectability: reads the stable variant's recent traffic, error rate and latency from
 * CloudWatch (one period spanning the lookback) and states what each planned step can detect.
 * A warning, never a refusal: a low-traffic endpoint may still roll out, knowingly.
 */
import type { CloudWatchClient, MetricDataQuery } from '@aws-sdk/client-cloudwatch';
import type { DetectabilityActivities } from '../../src/shared/activity-contracts';
import { assessDetectability } from './detectability';
import { getMetricData, spanningPeriod } from './metrics';

const DEFAULT_LOOKBACK_SECONDS = 3600;

export function createDetectabilityActivity(deps: {
  cloudwatch: CloudWatchClient;
  now: () => number;
}): DetectabilityActivities {
  return {
    async assessDetectability(input) {
      const period = input.policy.metricPeriodSeconds;
      const span = spanningPeriod(input.lookbackSeconds ?? DEFAULT_LOOKBACK_SECONDS, period);
      const end = Math.floor(deps.now() / (period * 1000)) * period * 1000;
      const base = { canarySteps: input.canarySteps, bakeSeconds: input.bakeSeconds, policy: input.policy };
      if (!input.stableVariant) {
        return assessDetectability({
          ...base,
          requestsPerSecond: 0,
          stableErrorRate: 0,
          latencyP50Ms: null,
          latencyP99Ms: null,
        });
      }
      const q = (Id: string, MetricName: string, Stat: string): MetricDataQuery => ({
        Id,
        ReturnData: true,
        MetricStat: {
          Metric: {
            Namespace: 'AWS/SageMaker',
            MetricName,
            Dimensions: [
              { Name: 'EndpointName', Value: input.endpointName },
              { Name: 'VariantName', Value: input.stableVariant! },
            ],
          },
          Period: span,
          Stat,
        },
      });
      const { data, problems } = await getMetricData(
        deps.cloudwatch,
        [
          q('inv', 'Invocations', 'Sum'),
          q('err', 'Invocation5XXErrors', 'Sum'),
          q('p50', 'ModelLatency', 'p50'),
          q('p99', 'ModelLatency', 'p99'),
        ],
        new Date(end - span * 1000),
        new Date(end),
      );
      const total = (id: string) => [...(data.get(id)?.values() ?? [])].reduce((a, b) => a + b, 0);
      const mean = (id: string) => {
        const v = [...(data.get(id)?.values() ?? [])];
        return v.length ? v.reduce((a, b) => a + b, 0) / v.length / 1000 : null; // µs → ms
      };
      const invocations = total('inv');
      const report = assessDetectability({
        ...base,
        requestsPerSecond: invocations / span,
        stableErrorRate: invocations > 0 ? total('err') / invocations : 0,
        latencyP50Ms: mean('p50'),
        latencyP99Ms: mean('p99'),
      });
      // Figures from data CloudWatch does not vouch for, or from no traffic, are not figures to trust.
      const caveats = [
        ...(problems.length > 0
          ? [
              `CloudWatch did not vouch for stable's last ${span} s (${problems.join('; ')}): the figures may understate its traffic`,
            ]
          : []),
        ...(invocations === 0
          ? [
              `stable ${input.stableVariant} served no requests in the last ${span} s: nothing can be judged until traffic arrives, and a bake that never sees minInvocations ends in a rollback`,
            ]
          : []),
      ];
      const warning = [...caveats, ...(report.warning ? [report.warning] : [])].join('; ');
      return { ...report, ...(warning ? { warning } : {}) };
    },
  };
}
