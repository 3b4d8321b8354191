/**
 * Metric alarms, evaluated over the stored metrics whenever they are described: the last
 * EvaluationPeriods complete periods, ALARM when at least DatapointsToAlarm of them breach,
 * INSUFFICIENT_DATA when none has data (and missing data is not treated as breaching or not).
 */
import type { EmulatorContext } from '../context';
import { compact, epochSeconds, type Input, type Json } from '../wire';
import { invalidParameter, missingParameter } from './errors';
import type { Dimension, MetricStore } from './metric-store';
import { checkStatistic, statistic } from './statistics';

const COMPARISONS = {
  GreaterThanOrEqualToThreshold: (v: number, t: number) => v >= t,
  GreaterThanThreshold: (v: number, t: number) => v > t,
  LessThanThreshold: (v: number, t: number) => v < t,
  LessThanOrEqualToThreshold: (v: number, t: number) => v <= t,
} as const;
type Comparison = keyof typeof COMPARISONS;
const MISSING = ['breaching', 'notBreaching', 'ignore', 'missing'] as const;
type StateValue = 'OK' | 'ALARM' | 'INSUFFICIENT_DATA';

export interface Alarm {
  name: string;
  arn: string;
  description?: string;
  namespace: string;
  metricName: string;
  dimensions: Dimension[];
  statistic: string;
  periodSeconds: number;
  evaluationPeriods: number;
  datapointsToAlarm: number;
  threshold: number;
  comparison: Comparison;
  treatMissingData: (typeof MISSING)[number];
  actionsEnabled: boolean;
  configuredAt: number;
  state: StateValue;
  stateReason: string;
  stateUpdatedAt: number;
}

export class Alarms {
  private alarms = new Map<string, Alarm>();

  constructor(
    private readonly ctx: EmulatorContext,
    private readonly metrics: MetricStore,
  ) {}

  clear(): void {
    this.alarms.clear();
  }

  put(input: Input): Json {
    const required = (name: string) => {
      if (!input.has(name)) throw missingParameter(name);
    };
    ['AlarmName', 'EvaluationPeriods', 'ComparisonOperator'].forEach(required);
    if (input.has('Metrics')) {
      throw invalidParameter(
        'Metric math alarms (Metrics) are not supported by the emulator; use MetricName and Namespace.',
      );
    }
    ['MetricName', 'Namespace', 'Period', 'Threshold'].forEach(required);
    const stat = input.str('ExtendedStatistic') ?? input.str('Statistic');
    if (!stat) throw missingParameter('Statistic');
    checkStatistic(stat, input.has('ExtendedStatistic') ? 'ExtendedStatistic' : 'Statistic');
    const comparison = input.str('ComparisonOperator') as Comparison;
    if (!(comparison in COMPARISONS)) {
      throw invalidParameter(`The value ${comparison} for parameter ComparisonOperator is not supported.`);
    }
    const periodSeconds = input.num('Period')!;
    if (!Number.isInteger(periodSeconds) || periodSeconds < 1) {
      throw invalidParameter(`The value ${periodSeconds} for parameter Period is not a positive integer.`);
    }
    const evaluationPeriods = input.num('EvaluationPeriods')!;
    const datapointsToAlarm = input.num('DatapointsToAlarm') ?? evaluationPeriods;
    if (datapointsToAlarm < 1 || datapointsToAlarm > evaluationPeriods) {
      throw invalidParameter('DatapointsToAlarm must be between 1 and EvaluationPeriods.');
    }
    const treat = input.str('TreatMissingData') ?? 'missing';
    if (!(MISSING as readonly string[]).includes(treat)) {
      throw invalidParameter(`The value ${treat} for parameter TreatMissingData is not supported.`);
    }
    const name = input.str('AlarmName')!;
    const now = this.ctx.now();
    const earlier = this.alarms.get(name);
    this.alarms.set(name, {
      name,
      arn: `arn:aws:cloudwatch:${this.ctx.region}:${this.ctx.accountId}:alarm:${name}`,
      description: input.str('AlarmDescription'),
      namespace: input.str('Namespace')!,
      metricName: input.str('MetricName')!,
      dimensions: input.list<Dimension>('Dimensions'),
      statistic: stat,
      periodSeconds,
      evaluationPeriods,
      datapointsToAlarm,
      threshold: input.num('Threshold')!,
      comparison,
      treatMissingData: treat as Alarm['treatMissingData'],
      actionsEnabled: input.body.ActionsEnabled !== false,
      configuredAt: now,
      state: earlier?.state ?? 'INSUFFICIENT_DATA',
      stateReason: earlier?.stateReason ?? 'Unchecked: Initial alarm creation',
      stateUpdatedAt: earlier?.stateUpdatedAt ?? now,
    });
    return {};
  }

  delete(input: Input): Json {
    for (const name of input.list<string>('AlarmNames')) this.alarms.delete(name);
    return {};
  }

  private evaluate(alarm: Alarm): void {
    const now = this.ctx.now();
    const periodMs = alarm.periodSeconds * 1000;
    const end = Math.floor(now / periodMs) * periodMs; // only complete periods
    const start = end - alarm.evaluationPeriods * periodMs;
    const points = this.metrics.query(
      { namespace: alarm.namespace, metricName: alarm.metricName, dimensions: alarm.dimensions },
      { startMs: start, endMs: end, periodMs, nowMs: now },
    );
    const byWindow = new Map(points.map((p) => [p.timestamp, statistic(p.aggregate, alarm.statistic)]));
    const compare = COMPARISONS[alarm.comparison];
    let breaching = 0;
    let present = 0;
    for (let t = start; t < end; t += periodMs) {
      const value = byWindow.get(t);
      if (value !== undefined) {
        present++;
        if (compare(value, alarm.threshold)) breaching++;
      } else if (alarm.treatMissingData === 'breaching') {
        breaching++;
      }
    }
    let state: StateValue;
    if (breaching >= alarm.datapointsToAlarm) state = 'ALARM';
    else if (present === 0 && (alarm.treatMissingData === 'missing' || alarm.treatMissingData === 'ignore')) {
      state = 'INSUFFICIENT_DATA';
    } else state = 'OK';
    if (state !== alarm.state) {
      alarm.state = state;
      alarm.stateUpdatedAt = now;
      alarm.stateReason = `Threshold Crossed: ${breaching} out of the last ${alarm.evaluationPeriods} datapoints breached the threshold (${alarm.threshold}).`;
    }
  }

  /** Which of these alarms are in ALARM now (evaluated now; unknown names are not). */
  inAlarm(names: string[]): string[] {
    return names.filter((name) => {
      const alarm = this.alarms.get(name);
      if (!alarm) return false;
      this.evaluate(alarm);
      return alarm.state === 'ALARM';
    });
  }

  describe(input: Input): Json {
    const names = input.list<string>('AlarmNames');
    const prefix = input.str('AlarmNamePrefix');
    if (names.length && prefix) {
      throw invalidParameter('AlarmNames and AlarmNamePrefix cannot be specified together.');
    }
    const stateValue = input.str('StateValue');
    const types = input.list<string>('AlarmTypes');
    const wantMetricAlarms = types.length === 0 || types.includes('MetricAlarm');
    const max = input.num('MaxRecords') ?? 50;
    if (max < 1 || max > 100)
      throw invalidParameter(`The value ${max} for parameter MaxRecords is not between 1 and 100.`);
    const offset = input.str('NextToken') ? Number(input.str('NextToken')) : 0;
    const matching = [...this.alarms.values()]
      .filter((a) => (names.length === 0 || names.includes(a.name)) && (!prefix || a.name.startsWith(prefix)))
      .sort((a, b) => (a.name < b.name ? -1 : 1));
    matching.forEach((a) => this.evaluate(a));
    const selected = wantMetricAlarms ? matching.filter((a) => !stateValue || a.state === stateValue) : [];
    const page = selected.slice(offset, offset + max);
    return compact({
      MetricAlarms: page.map((a) => this.shape(a)),
      CompositeAlarms: [],
      NextToken: offset + max < selected.length ? String(offset + max) : undefined,
    });
  }

  private shape(a: Alarm): Json {
    const extended = /^p/.test(a.statistic);
    return compact({
      AlarmName: a.name,
      AlarmArn: a.arn,
      AlarmDescription: a.description,
      AlarmConfigurationUpdatedTimestamp: epochSeconds(a.configuredAt),
      ActionsEnabled: a.actionsEnabled,
      OKActions: [],
      AlarmActions: [],
      InsufficientDataActions: [],
      StateValue: a.state,
      StateReason: a.stateReason,
      StateUpdatedTimestamp: epochSeconds(a.stateUpdatedAt),
      MetricName: a.metricName,
      Namespace: a.namespace,
      Statistic: extended ? undefined : a.statistic,
      ExtendedStatistic: extended ? a.statistic : undefined,
      Dimensions: a.dimensions,
      Period: a.periodSeconds,
      EvaluationPeriods: a.evaluationPeriods,
      DatapointsToAlarm: a.datapointsToAlarm,
      Threshold: a.threshold,
      ComparisonOperator: a.comparison,
      TreatMissingData: a.treatMissingData,
    });
  }
}
