/**
 * Reads one health sample from CloudWatch: per variant Invocations, Invocation5XXErrors,
 * Invocation4XXErrors (Sum) and ModelLatency (the policy's statistic) over [since, now] in a single
 * GetMetricData call, plus which of the policy's alarms are in ALARM.
 *
 * Latency over several periods is the invocation-weighted mean of the per-period statistic: a p99
 * from a busy minute counts more than one from a quiet minute, and a single slow request in a
 * near-empty period does not dominate the way a max would. (It is not the window's exact p99,
 * which CloudWatch cannot give across periods.)
 */
import {
  DescribeAlarmsCommand,
  GetMetricDataCommand,
  type CloudWatchClient,
  type MetricDataQuery,
  type MetricDataResult,
} from '@aws-sdk/client-cloudwatch';
import type { VariantHealth } from '../../src/shared/activity-contracts';
import type { HealthPolicy } from '../../src/shared/lifecycle-input';
import { aws } from '../aws-errors';
import type { HealthSample } from './judge';

export interface SampleRequest {
  endpointName: string;
  canaryVariant: string;
  stableVariant?: string;
  sinceEpochMs: number;
  nowEpochMs: number;
  policy: HealthPolicy;
}

const NAMESPACE = 'AWS/SageMaker';
const METRICS = {
  invocations: { name: 'Invocations', stat: 'Sum' },
  errors5xx: { name: 'Invocation5XXErrors', stat: 'Sum' },
  errors4xx: { name: 'Invocation4XXErrors', stat: 'Sum' },
  latency: { name: 'ModelLatency', stat: undefined },
} as const;
type MetricKey = keyof typeof METRICS;

/** CloudWatch reports ModelLatency in microseconds. */
const MICROSECONDS_PER_MS = 1000;

/** Query ids must start with a lower-case letter and hold only [a-zA-Z0-9_]. */
function queryId(role: 'canary' | 'stable', metric: MetricKey): string {
  return `${role}_${metric}`;
}

function queriesFor(
  role: 'canary' | 'stable',
  endpointName: string,
  variantName: string,
  policy: HealthPolicy,
): MetricDataQuery[] {
  return (Object.keys(METRICS) as MetricKey[]).map((key) => ({
    Id: queryId(role, key),
    ReturnData: true,
    MetricStat: {
      Metric: {
        Namespace: NAMESPACE,
        MetricName: METRICS[key].name,
        Dimensions: [
          { Name: 'EndpointName', Value: endpointName },
          { Name: 'VariantName', Value: variantName },
        ],
      },
      Period: policy.metricPeriodSeconds,
      Stat: METRICS[key].stat ?? policy.latencyStatistic,
    },
  }));
}

type Series = Map<number, number>;

/** Merges results by id and timestamp (GetMetricData may page one id's datapoints). */
function collect(results: MetricDataResult[], into: Map<string, Series>): void {
  for (const r of results) {
    if (!r.Id) continue;
    const series = into.get(r.Id) ?? new Map<number, number>();
    (r.Timestamps ?? []).forEach((t, i) => {
      const v = r.Values?.[i];
      if (v !== undefined) series.set(new Date(t).getTime(), v);
    });
    into.set(r.Id, series);
  }
}

function sum(series: Series | undefined): number {
  let total = 0;
  for (const v of series?.values() ?? []) total += v;
  return total;
}

/** Invocation-weighted mean of the per-period latency statistic, in ms; null without datapoints. */
function weightedLatencyMs(latency: Series | undefined, invocations: Series | undefined): number | null {
  if (!latency || latency.size === 0) return null;
  let weighted = 0;
  let weights = 0;
  for (const [t, v] of latency) {
    const w = invocations?.get(t) ?? 0;
    weighted += v * w;
    weights += w;
  }
  const micros = weights > 0 ? weighted / weights : sum(latency) / latency.size;
  return micros / MICROSECONDS_PER_MS;
}

function variantHealth(
  variantName: string,
  role: 'canary' | 'stable',
  data: Map<string, Series>,
): VariantHealth {
  const invocationSeries = data.get(queryId(role, 'invocations'));
  const invocations = sum(invocationSeries);
  const errors5xx = sum(data.get(queryId(role, 'errors5xx')));
  const errors4xx = sum(data.get(queryId(role, 'errors4xx')));
  return {
    variantName,
    invocations,
    errors5xx,
    errors4xx,
    errorRate: invocations > 0 ? errors5xx / invocations : 0,
    rate4xx: invocations > 0 ? errors4xx / invocations : 0,
    latencyMs: weightedLatencyMs(data.get(queryId(role, 'latency')), invocationSeries),
  };
}

async function alarmsInAlarm(cloudwatch: CloudWatchClient, alarmNames: string[]): Promise<string[]> {
  if (alarmNames.length === 0) return [];
  const out = await aws('DescribeAlarms', () =>
    cloudwatch.send(
      new DescribeAlarmsCommand({
        AlarmNames: alarmNames,
        AlarmTypes: ['MetricAlarm', 'CompositeAlarm'],
        StateValue: 'ALARM',
      }),
    ),
  );
  return [...(out.MetricAlarms ?? []), ...(out.CompositeAlarms ?? [])]
    .map((a) => a.AlarmName ?? '')
    .filter((name) => name !== '');
}

export async function readHealthSample(
  cloudwatch: CloudWatchClient,
  req: SampleRequest,
): Promise<HealthSample> {
  const start = new Date(req.sinceEpochMs);
  // CloudWatch refuses an empty window; a check right after the weights changed still asks for one second.
  const end = new Date(Math.max(req.nowEpochMs, req.sinceEpochMs + 1000));
  const queries = [
    ...queriesFor('canary', req.endpointName, req.canaryVariant, req.policy),
    ...(req.stableVariant ? queriesFor('stable', req.endpointName, req.stableVariant, req.policy) : []),
  ];
  const data = new Map<string, Series>();
  let NextToken: string | undefined;
  do {
    // One call per check; more only when a very long window at a short period overflows a page.
    const page = await aws('GetMetricData', () =>
      cloudwatch.send(
        new GetMetricDataCommand({
          MetricDataQueries: queries,
          StartTime: start,
          EndTime: end,
          ScanBy: 'TimestampAscending',
          NextToken,
        }),
      ),
    );
    collect(page.MetricDataResults ?? [], data);
    NextToken = page.NextToken;
  } while (NextToken);

  return {
    canary: variantHealth(req.canaryVariant, 'canary', data),
    ...(req.stableVariant ? { stable: variantHealth(req.stableVariant, 'stable', data) } : {}),
    alarmsInAlarm: await alarmsInAlarm(cloudwatch, req.policy.alarmNames),
    windowStart: start.toISOString(),
    windowEnd: end.toISOString(),
  };
}
