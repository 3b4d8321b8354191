/**
 * Metric datapoints, aggregated per storage period (60 s on AWS; 1 s in fast tests). A period's
 * datapoints from SageMaker invocations become visible only when the period closes, as SageMaker
 * publishes once per period; datapoints from PutMetricData are visible at once. Series match on the
 * exact dimension set, as CloudWatch's do.
 */
import { addStatisticSet, addValue, emptyAggregate, merge, type Aggregate } from './statistics';

export interface Dimension {
  Name: string;
  Value: string;
}

interface Bucket {
  aggregate: Aggregate;
  visibleAt: number;
}

interface Series {
  namespace: string;
  metricName: string;
  dimensions: Dimension[];
  unit?: string;
  buckets: Map<number, Bucket>;
}

export type Contribution =
  | { value: number; count?: number }
  | { statistics: { SampleCount: number; Sum: number; Minimum: number; Maximum: number } };

export interface MetricStoreOptions {
  periodSeconds: number;
  /** Datapoints older than this are dropped (CloudWatch keeps 1-second data for 3 hours). */
  retentionSeconds: number;
}

export function seriesKey(namespace: string, metricName: string, dimensions: Dimension[]): string {
  const dims = [...dimensions]
    .sort((a, b) => (a.Name < b.Name ? -1 : a.Name > b.Name ? 1 : 0))
    .map((d) => `${d.Name}=${d.Value}`)
    .join(',');
  return `${namespace}|${metricName}|${dims}`;
}

export class MetricStore {
  private series = new Map<string, Series>();
  private writes = 0;
  readonly periodMs: number;

  constructor(private readonly options: MetricStoreOptions) {
    this.periodMs = options.periodSeconds * 1000;
  }

  clear(): void {
    this.series.clear();
  }

  bucketStart(timestampMs: number): number {
    return Math.floor(timestampMs / this.periodMs) * this.periodMs;
  }

  /** Adds datapoints at `timestampMs`, visible from `visibleAt`. */
  put(
    metric: { namespace: string; metricName: string; dimensions: Dimension[]; unit?: string },
    timestampMs: number,
    contribution: Contribution,
    visibleAt: number,
  ): void {
    const key = seriesKey(metric.namespace, metric.metricName, metric.dimensions);
    let series = this.series.get(key);
    if (!series) {
      series = { ...metric, buckets: new Map() };
      this.series.set(key, series);
    }
    const start = this.bucketStart(timestampMs);
    let bucket = series.buckets.get(start);
    if (!bucket) {
      bucket = { aggregate: emptyAggregate(), visibleAt };
      series.buckets.set(start, bucket);
    }
    bucket.visibleAt = Math.max(bucket.visibleAt, visibleAt);
    if ('statistics' in contribution) addStatisticSet(bucket.aggregate, contribution.statistics);
    else addValue(bucket.aggregate, contribution.value, contribution.count ?? 1);
    if (++this.writes % 10_000 === 0) this.prune(timestampMs);
  }

  private prune(nowMs: number): void {
    const oldest = nowMs - this.options.retentionSeconds * 1000;
    for (const series of this.series.values()) {
      for (const start of series.buckets.keys()) if (start < oldest) series.buckets.delete(start);
    }
  }

  /**
   * Visible datapoints of one series in [startMs, endMs), merged into windows of `periodMs`
   * (aligned to the epoch), oldest first. Windows without datapoints are absent, as on CloudWatch.
   */
  query(
    metric: { namespace: string; metricName: string; dimensions: Dimension[] },
    range: { startMs: number; endMs: number; periodMs: number; nowMs: number },
  ): { timestamp: number; aggregate: Aggregate }[] {
    const series = this.series.get(seriesKey(metric.namespace, metric.metricName, metric.dimensions));
    if (!series) return [];
    const from = this.bucketStart(range.startMs);
    const windows = new Map<number, Aggregate>();
    for (const [start, bucket] of series.buckets) {
      if (start < from || start >= range.endMs || bucket.visibleAt > range.nowMs) continue;
      const window = Math.floor(start / range.periodMs) * range.periodMs;
      const agg = windows.get(window) ?? emptyAggregate();
      merge(agg, bucket.aggregate);
      windows.set(window, agg);
    }
    return [...windows.entries()]
      .sort(([a], [b]) => a - b)
      .map(([timestamp, aggregate]) => ({ timestamp, aggregate }));
  }

  unitOf(metric: { namespace: string; metricName: string; dimensions: Dimension[] }): string | undefined {
    return this.series.get(seriesKey(metric.namespace, metric.metricName, metric.dimensions))?.unit;
  }
}
