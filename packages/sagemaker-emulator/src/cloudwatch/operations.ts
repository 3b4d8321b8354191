/**
 * CloudWatch's operations on the emulator: PutMetricData, GetMetricData, GetMetricStatistics and
 * the metric alarms. Requests arrive in AWS JSON 1.0 (the protocol of the installed
 * @aws-sdk/client-cloudwatch, with awsQueryCompatible errors).
 */
import type { EmulatorContext } from '../context';
import { compact, epochSeconds, Input, type Json } from '../wire';
import { Alarms } from './alarms';
import { invalidNextToken, invalidParameter, missingParameter } from './errors';
import type { Dimension, MetricStore } from './metric-store';
import { checkStatistic, statistic } from './statistics';

const QUERY_ID = /^[a-z][a-zA-Z0-9_]*$/;
const MAX_DATAPOINTS = 100_800;

interface MetricStat {
  Metric: { Namespace: string; MetricName: string; Dimensions?: Dimension[] };
  Period: number;
  Stat: string;
}

export type CloudWatchOperation = (input: Input) => Json;

export function cloudWatchOperations(
  ctx: EmulatorContext,
  metrics: MetricStore,
  alarms: Alarms,
): Record<string, CloudWatchOperation> {
  const requireTime = (input: Input, name: string): number => {
    const t = input.time(name);
    if (t === undefined) throw missingParameter(name);
    return t;
  };

  function putMetricData(input: Input): Json {
    const namespace = input.str('Namespace');
    if (!namespace) throw missingParameter('Namespace');
    if (namespace.startsWith('AWS/')) {
      throw invalidParameter(
        `The value ${namespace} for parameter Namespace is invalid: AWS/ namespaces are reserved.`,
      );
    }
    const data = input.list('MetricData');
    if (data.length === 0) throw missingParameter('MetricData');
    if (data.length > 1000)
      throw invalidParameter('The collection MetricData must not have a size greater than 1000.');
    const now = ctx.now();
    for (const [i, raw] of data.entries()) {
      const d = new Input(raw);
      const metricName = d.str('MetricName');
      if (!metricName) throw missingParameter(`MetricData.member.${i + 1}.MetricName`);
      const metric = {
        namespace,
        metricName,
        dimensions: d.list<Dimension>('Dimensions'),
        unit: d.str('Unit'),
      };
      const at = d.time('Timestamp') ?? now;
      const stats = d.object('StatisticValues');
      if (stats) {
        metrics.put(metric, at, { statistics: stats as never }, now);
      } else if (d.has('Values')) {
        const values = d.list<number>('Values');
        const counts = d.list<number>('Counts');
        if (counts.length && counts.length !== values.length) {
          throw invalidParameter(
            'The parameters MetricData.member.N.Values and Counts must be arrays of the same size.',
          );
        }
        values.forEach((value, j) => metrics.put(metric, at, { value, count: counts[j] ?? 1 }, now));
      } else if (d.has('Value')) {
        metrics.put(metric, at, { value: d.num('Value')! }, now);
      } else {
        throw missingParameter(`MetricData.member.${i + 1}.Value`);
      }
    }
    return {};
  }

  function getMetricData(input: Input): Json {
    const start = requireTime(input, 'StartTime');
    const end = requireTime(input, 'EndTime');
    if (end <= start)
      throw invalidParameter('The parameter StartTime must be less than the parameter EndTime.');
    const queries = input.list('MetricDataQueries');
    if (queries.length === 0) throw missingParameter('MetricDataQueries');
    if (queries.length > 500)
      throw invalidParameter('The collection MetricDataQueries must not have a size greater than 500.');
    const descending = (input.str('ScanBy') ?? 'TimestampDescending') === 'TimestampDescending';
    const maxDatapoints = input.num('MaxDatapoints') ?? MAX_DATAPOINTS;
    const now = ctx.now();

    const results = queries.map((raw) => {
      const q = new Input(raw);
      const id = q.str('Id') ?? '';
      if (!QUERY_ID.test(id)) {
        throw invalidParameter(
          `The value ${id} for parameter MetricDataQueries.member.Id is invalid: it must start with a lower-case letter and contain only letters, digits and underscores.`,
        );
      }
      if (q.has('Expression')) {
        throw invalidParameter(
          `Query ${id}: metric math expressions are not supported by the emulator; use MetricStat.`,
        );
      }
      const stat = q.object('MetricStat') as MetricStat | undefined;
      if (!stat) throw missingParameter(`MetricDataQueries.member.MetricStat (query ${id})`);
      checkStatistic(stat.Stat, 'MetricStat.Stat');
      const points = metrics
        .query(
          {
            namespace: stat.Metric.Namespace,
            metricName: stat.Metric.MetricName,
            dimensions: stat.Metric.Dimensions ?? [],
          },
          { startMs: start, endMs: end, periodMs: stat.Period * 1000, nowMs: now },
        )
        .map((p) => ({ t: p.timestamp, v: statistic(p.aggregate, stat.Stat) }))
        .filter((p): p is { t: number; v: number } => p.v !== undefined);
      if (descending) points.reverse();
      return {
        id,
        label: q.str('Label') ?? stat.Metric.MetricName,
        returnData: q.body.ReturnData !== false,
        points,
      };
    });

    // A page holds at most MaxDatapoints datapoints, taken across the queries in order.
    const token = input.str('NextToken');
    const skip = token === undefined ? 0 : Number(token);
    if (!Number.isInteger(skip) || skip < 0) throw invalidNextToken();
    const returned = results.filter((r) => r.returnData);
    const total = returned.reduce((n, r) => n + r.points.length, 0);
    let offset = 0;
    const out = returned.map((r) => {
      const from = Math.min(r.points.length, Math.max(0, skip - offset));
      const to = Math.min(r.points.length, Math.max(0, skip + maxDatapoints - offset));
      offset += r.points.length;
      const taken = r.points.slice(from, to);
      return {
        Id: r.id,
        Label: r.label,
        Timestamps: taken.map((p) => epochSeconds(p.t)),
        Values: taken.map((p) => p.v),
        StatusCode: to === r.points.length ? 'Complete' : 'PartialData',
      };
    });
    const next = skip + maxDatapoints < total ? String(skip + maxDatapoints) : undefined;
    return compact({ MetricDataResults: out, Messages: [], NextToken: next });
  }

  function getMetricStatistics(input: Input): Json {
    const namespace = input.str('Namespace');
    const metricName = input.str('MetricName');
    if (!namespace) throw missingParameter('Namespace');
    if (!metricName) throw missingParameter('MetricName');
    const period = input.num('Period');
    if (period === undefined) throw missingParameter('Period');
    const start = requireTime(input, 'StartTime');
    const end = requireTime(input, 'EndTime');
    const stats = input.list<string>('Statistics');
    const extended = input.list<string>('ExtendedStatistics');
    if (stats.length === 0 && extended.length === 0) {
      throw missingParameter('Statistics or ExtendedStatistics');
    }
    stats.forEach((s) => checkStatistic(s, 'Statistics'));
    extended.forEach((s) => checkStatistic(s, 'ExtendedStatistics'));
    const metric = { namespace, metricName, dimensions: input.list<Dimension>('Dimensions') };
    const unit = metrics.unitOf(metric);
    const points = metrics.query(metric, {
      startMs: start,
      endMs: end,
      periodMs: period * 1000,
      nowMs: ctx.now(),
    });
    const names: Record<string, string> = {
      SampleCount: 'SampleCount',
      Sum: 'Sum',
      Average: 'Average',
      Minimum: 'Minimum',
      Maximum: 'Maximum',
    };
    return {
      Label: metricName,
      Datapoints: points.map((p) =>
        compact({
          Timestamp: epochSeconds(p.timestamp),
          ...Object.fromEntries(
            stats.map((s): [string, number | undefined] => [names[s] ?? s, statistic(p.aggregate, s)]),
          ),
          ExtendedStatistics: extended.length
            ? Object.fromEntries(
                extended
                  .map((s): [string, number | undefined] => [s, statistic(p.aggregate, s)])
                  .filter(([, v]) => v !== undefined),
              )
            : undefined,
          Unit: unit ?? 'None',
        }),
      ),
    };
  }

  return {
    PutMetricData: putMetricData,
    GetMetricData: getMetricData,
    GetMetricStatistics: getMetricStatistics,
    PutMetricAlarm: (input) => alarms.put(input),
    DescribeAlarms: (input) => alarms.describe(input),
    DeleteAlarms: (input) => alarms.delete(input),
  };
}
