/**
 * CloudWatch statistics over the datapoints of one period: SampleCount, Sum, Average, Minimum,
 * Maximum and percentiles (pNN, pNN.N). Percentiles need the raw values, which statistic sets
 * (PutMetricData's StatisticValues) do not carry; as on CloudWatch, those periods have no percentile.
 */
import { AwsError } from '../aws-error';

export interface Aggregate {
  sampleCount: number;
  sum: number;
  min: number;
  max: number;
  /** Raw values while every contribution had them; null once a statistic set was mixed in. */
  values: number[] | null;
}

export function emptyAggregate(): Aggregate {
  return { sampleCount: 0, sum: 0, min: Infinity, max: -Infinity, values: [] };
}

export function addValue(a: Aggregate, value: number, count = 1): void {
  a.sampleCount += count;
  a.sum += value * count;
  a.min = Math.min(a.min, value);
  a.max = Math.max(a.max, value);
  if (a.values) for (let i = 0; i < count; i++) a.values.push(value);
}

export function addStatisticSet(
  a: Aggregate,
  s: { SampleCount: number; Sum: number; Minimum: number; Maximum: number },
): void {
  a.sampleCount += s.SampleCount;
  a.sum += s.Sum;
  a.min = Math.min(a.min, s.Minimum);
  a.max = Math.max(a.max, s.Maximum);
  a.values = null;
}

export function merge(into: Aggregate, from: Aggregate): void {
  into.sampleCount += from.sampleCount;
  into.sum += from.sum;
  into.min = Math.min(into.min, from.min);
  into.max = Math.max(into.max, from.max);
  into.values = into.values && from.values ? into.values.concat(from.values) : null;
}

const SIMPLE = ['SampleCount', 'Sum', 'Average', 'Minimum', 'Maximum'] as const;
const PERCENTILE = /^p(\d{1,2}(\.\d+)?|100)$/;

export function isKnownStatistic(stat: string): boolean {
  return (SIMPLE as readonly string[]).includes(stat) || PERCENTILE.test(stat);
}

export function checkStatistic(stat: string, parameter: string): void {
  if (!isKnownStatistic(stat)) {
    throw new AwsError(
      'InvalidParameterValueException',
      `The value ${stat} for parameter ${parameter} is not supported by the emulator (SampleCount, Sum, Average, Minimum, Maximum, pNN).`,
      400,
      'InvalidParameterValue',
    );
  }
}

/** The statistic's value, or undefined when the period cannot give it (a percentile of statistic sets). */
export function statistic(a: Aggregate, stat: string): number | undefined {
  if (a.sampleCount === 0) return undefined;
  switch (stat) {
    case 'SampleCount':
      return a.sampleCount;
    case 'Sum':
      return a.sum;
    case 'Average':
      return a.sum / a.sampleCount;
    case 'Minimum':
      return a.min;
    case 'Maximum':
      return a.max;
  }
  const match = PERCENTILE.exec(stat);
  if (!match || !a.values || a.values.length === 0) return undefined;
  const p = Number(match[1]) / 100;
  const sorted = [...a.values].sort((x, y) => x - y);
  // Nearest rank, as CloudWatch computes percentiles over raw samples.
  const rank = Math.max(1, Math.ceil(p * sorted.length));
  return sorted[rank - 1];
}
