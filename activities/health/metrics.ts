/**
 * Reads one look's evidence from CloudWatch in one GetMetricData request (its pages read through the
 * SDK's paginator): per variant and per whole
 * metric period since the weight change, Invocations, Invocation5XXErrors, Invocation4XXErrors (Sum),
 * ModelLatency SampleCount and a ladder of ModelLatency percentiles (exceedance.ts), plus the
 * guardrail metrics and which alarms are in ALARM.
 *
 * The window is aligned to whole periods: it starts at the first period boundary after the weight
 * change (AWS/SageMaker datapoints are per period, so the period holding the change mixes two steps)
 * and ends at the last boundary before now (the current period is still filling). Anything CloudWatch
 * does not vouch for (a final StatusCode other than Complete, e.g. PartialData, Forbidden,
 * InternalError; an error message; a count missing where its period had invocations) is recorded as
 * a problem, which the judge reads as "insufficient evidence", never as zero errors.
 */
import {
  DescribeAlarmsCommand,
  paginateGetMetricData,
  type CloudWatchClient,
  type MetricDataQuery,
  type MetricDataResult,
} from '@aws-sdk/client-cloudwatch';
import type { GuardrailMetric, HealthPolicy } from '../../src/shared/lifecycle-input';
import { isCloudWatchPeriod } from '../../src/shared/sagemaker-limits';
import { aws, awsPages } from '../aws-errors';
import { LATENCY_LADDER, ladderStat, levelOf } from './exceedance';
import type { GuardrailReading } from './guardrails';
import { BODY_LEVELS, type HealthEvidence, type VariantPeriod } from './judge';

export interface EvidenceRequest {
  endpointName: string;
  canaryVariant: string;
  stableVariant?: string;
  sinceEpochMs: number;
  nowEpochMs: number;
  policy: HealthPolicy;
  latencyReference?: HealthEvidence['latencyReference'];
}

const NAMESPACE = 'AWS/SageMaker';
/** CloudWatch reports ModelLatency in microseconds. */
const MICROSECONDS_PER_MS = 1000;
/** The tail a tail-only regression is looked for at. */
export const TAIL_LEVEL = 99;

type Role = 'canary' | 'stable';
type Series = Map<number, number>;
/** A variant's per-period counts in the window, by its role. */
type VariantSeries = [Role, Map<number, VariantPeriod>];

/** Whole periods: [first boundary at or after `since`, last boundary at or before `now`). */
export function alignedWindow(
  sinceMs: number,
  nowMs: number,
  periodSeconds: number,
): { startMs: number; endMs: number; periodStarts: number[] } {
  const p = periodSeconds * 1000;
  const startMs = Math.ceil(sinceMs / p) * p;
  const endMs = Math.max(startMs, Math.floor(nowMs / p) * p);
  const periodStarts: number[] = [];
  for (let t = startMs; t < endMs; t += p) periodStarts.push(t);
  return { startMs, endMs, periodStarts };
}

function dims(endpointName: string, variantName: string) {
  return [
    { Name: 'EndpointName', Value: endpointName },
    { Name: 'VariantName', Value: variantName },
  ];
}

/** Query ids must start with a lower-case letter and hold only [a-zA-Z0-9_]. */
const ladderId = (role: Role, level: number) => `${role}_lat_p${String(level).replace('.', '_')}`;

function sageMakerQueries(
  role: Role,
  endpointName: string,
  variant: string,
  period: number,
): MetricDataQuery[] {
  const q = (Id: string, MetricName: string, Stat: string): MetricDataQuery => ({
    Id,
    ReturnData: true,
    MetricStat: {
      Metric: { Namespace: NAMESPACE, MetricName, Dimensions: dims(endpointName, variant) },
      Period: period,
      Stat,
    },
  });
  return [
    ...COUNTS.map(([suffix, metric, stat]) => q(`${role}_${suffix}`, metric, stat)),
    ...LATENCY_LADDER.map((level) => q(ladderId(role, level), 'ModelLatency', ladderStat(level))),
  ];
}

/** A variant's count queries (id suffix, metric, statistic): every look needs each one's answer. */
const COUNTS = [
  ['invocations', 'Invocations', 'Sum'],
  ['errors5xx', 'Invocation5XXErrors', 'Sum'],
  ['errors4xx', 'Invocation4XXErrors', 'Sum'],
  ['lat_n', 'ModelLatency', 'SampleCount'],
] as const;

/** Statistics that add or extend over periods; any other (Average, pNN, …) is weighted by its SampleCount. */
const ADDITIVE = new Set(['Sum', 'SampleCount', 'Maximum', 'Minimum']);

function guardrailQueries(
  role: Role,
  index: number,
  g: GuardrailMetric,
  variant: string,
  period: number,
): MetricDataQuery[] {
  const q = (Id: string, Stat: string): MetricDataQuery => ({
    Id,
    ReturnData: true,
    MetricStat: {
      Metric: {
        Namespace: g.namespace,
        MetricName: g.metricName,
        Dimensions: [
          ...g.dimensions.map((d) => ({ Name: d.name, Value: d.value })),
          { Name: 'VariantName', Value: variant },
        ],
      },
      Period: period,
      Stat,
    },
  });
  return [
    q(`${role}_g${index}`, g.statistic),
    ...(ADDITIVE.has(g.statistic) ? [] : [q(`${role}_g${index}_n`, 'SampleCount')]),
  ];
}

/** Page statuses a later page may replace: PartialData means "more on the next page". */
const PASSING_STATUS = new Set(['Complete', 'PartialData']);

/**
 * Merges pages by id and timestamp; keeps each id's last StatusCode unless an earlier page's was an
 * error (InternalError, Forbidden: that page's datapoints are missing whatever the next page says),
 * and any messages. A value that is not a finite number is a problem, not a datapoint.
 */
function collect(
  results: MetricDataResult[],
  into: Map<string, Series>,
  status: Map<string, string>,
  problems: string[],
): void {
  for (const r of results) {
    if (!r.Id) continue;
    const series = into.get(r.Id) ?? new Map<number, number>();
    (r.Timestamps ?? []).forEach((t, i) => {
      const v = r.Values?.[i];
      if (v === undefined) return;
      if (Number.isFinite(v)) series.set(new Date(t).getTime(), v);
      else problems.push(`${r.Id} at ${new Date(t).toISOString()}: value ${v} is not a number`);
    });
    into.set(r.Id, series);
    const earlier = status.get(r.Id);
    if (r.StatusCode && (earlier === undefined || PASSING_STATUS.has(earlier)))
      status.set(r.Id, r.StatusCode);
    for (const m of r.Messages ?? [])
      problems.push(`${r.Id}: CloudWatch says ${m.Code ?? ''} ${m.Value ?? ''}`.trim());
  }
}

function variantPeriods(
  role: Role,
  data: Map<string, Series>,
  starts: number[],
  problems: string[],
): Map<number, VariantPeriod> {
  const get = (id: string, t: number) => data.get(id)?.get(t);
  const out = new Map<number, VariantPeriod>();
  for (const t of starts) {
    const invocations = get(`${role}_invocations`, t);
    const errors5xx = get(`${role}_errors5xx`, t);
    const errors4xx = get(`${role}_errors4xx`, t);
    const samples = get(`${role}_lat_n`, t);
    const quantiles = new Map<number, number>();
    for (const level of LATENCY_LADDER) {
      const v = get(ladderId(role, level), t);
      if (v !== undefined) quantiles.set(level, v / MICROSECONDS_PER_MS);
    }
    const counts = [invocations, errors5xx, errors4xx, samples];
    const present = counts.filter((v) => v !== undefined).length;
    const when = `${role} period ${new Date(t).toISOString()}`;
    if (
      present > 0 &&
      (invocations === undefined ||
        errors5xx === undefined ||
        errors4xx === undefined ||
        (invocations > 0 && samples === undefined))
    ) {
      problems.push(`${when}: datapoints missing (Invocations, 5XX, 4XX or ModelLatency)`);
    }
    if (samples !== undefined && samples > 0 && quantiles.size === 0)
      problems.push(`${when}: ${samples} latency samples but no ModelLatency percentile`);
    if (counts.some((v) => v !== undefined && v < 0)) problems.push(`${when}: a negative count`);
    out.set(t, {
      ...(invocations !== undefined ? { invocations } : {}),
      ...(errors5xx !== undefined ? { errors5xx } : {}),
      ...(errors4xx !== undefined ? { errors4xx } : {}),
      ...(samples !== undefined && samples > 0 ? { latency: { samples, quantiles } } : {}),
    });
  }
  return out;
}

/**
 * A variant averaging this many invocations per period that has no datapoint at all in a period where
 * the other variant had traffic, or in the last periods of the window, has not been published yet
 * (P(no request) < 1e-8), not been idle. CloudWatch publishes SageMaker's metrics a minute or more late.
 */
const EXPECTED_IN_EVERY_PERIOD = 20;

/**
 * Periods a busy variant lacks that are late data, not idle time: where the other variant had
 * traffic, and the window's trailing periods (still to be published). A comparison or a final look
 * must not run without them.
 */
function unpublishedPeriods(variants: VariantSeries[], starts: number[], problems: string[]): void {
  for (const [role, periods] of variants) {
    const seen = [...periods.values()].filter((p) => p.invocations !== undefined);
    const mean = seen.reduce((s, p) => s + p.invocations!, 0) / Math.max(1, seen.length);
    if (mean < EXPECTED_IN_EVERY_PERIOD) continue;
    const missing = (t: number) => periods.get(t)?.invocations === undefined;
    let trailingFrom = starts.length;
    while (trailingFrom > 0 && missing(starts[trailingFrom - 1]!)) trailingFrom -= 1;
    for (const [i, t] of starts.entries()) {
      const otherBusy = variants.some(([r, ps]) => r !== role && (ps.get(t)?.invocations ?? 0) > 0);
      if (missing(t) && (otherBusy || i >= trailingFrom)) {
        problems.push(
          `${role} period ${new Date(t).toISOString()}: no datapoint ` +
            `${otherBusy ? 'while the other variant had traffic' : "in the window's last periods"} ` +
            `(${role} averages ${Math.round(mean)} invocations a period): not yet published`,
        );
      }
    }
  }
}

/**
 * A guardrail's per-period values combined into the window's: sums add, extremes extend, an Average is
 * weighted by each period's SampleCount (exact: the window's mean). A percentile cannot be combined
 * exactly from per-period values; the SampleCount-weighted mean is the approximation used. Without
 * sample counts, the plain mean.
 */
function windowValue(
  series: Series | undefined,
  counts: Series | undefined,
  statistic: string,
): number | null {
  const values = [...(series?.entries() ?? [])];
  if (values.length === 0) return null;
  const plain = values.map(([, v]) => v);
  if (statistic === 'Sum' || statistic === 'SampleCount') return plain.reduce((a, b) => a + b, 0);
  if (statistic === 'Maximum') return Math.max(...plain);
  if (statistic === 'Minimum') return Math.min(...plain);
  let weight = 0;
  let total = 0;
  for (const [t, v] of values) {
    const n = counts?.get(t);
    if (n === undefined) return plain.reduce((a, b) => a + b, 0) / plain.length;
    weight += n;
    total += v * n;
  }
  return weight > 0 ? total / weight : null;
}

/**
 * A guardrail's missing data (`missingData: insufficient`, the default): no answer for its query, or
 * no datapoint in a period where the variant served requests. Stable's counts only where its value
 * draws the line (a relativeMargin). `not-breaching` is for metrics published only when something
 * happens (CloudWatch's TreatMissingData of the same name): the periods without one are left out.
 */
function guardrailGaps(
  g: GuardrailMetric,
  index: number,
  variants: VariantSeries[],
  data: Map<string, Series>,
  starts: number[],
): string[] {
  if (g.missingData === 'not-breaching') return [];
  const gaps: string[] = [];
  for (const [role, periods] of variants) {
    if (role === 'stable' && g.relativeMargin === undefined) continue;
    const series = data.get(`${role}_g${index}`);
    const busy = starts.filter((t) => (periods.get(t)?.invocations ?? 0) > 0);
    const missing = series ? busy.filter((t) => !series.has(t)) : busy;
    if (!series) gaps.push(`guardrail ${g.name}: ${role}'s query not in CloudWatch's answer`);
    else if (missing.length > 0)
      gaps.push(
        `guardrail ${g.name}: no ${role} datapoint in ${missing.length} of the ${busy.length} periods with traffic ` +
          `(first ${new Date(missing[0]!).toISOString()}); missingData "not-breaching" leaves such periods out`,
      );
  }
  return gaps;
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
    .filter((n) => n !== '');
}

export async function getMetricData(
  cloudwatch: CloudWatchClient,
  queries: MetricDataQuery[],
  start: Date,
  end: Date,
) {
  const data = new Map<string, Series>();
  const status = new Map<string, string>();
  const problems: string[] = [];
  // One call per look; more pages only when a long window at a short period overflows one.
  const pages = paginateGetMetricData(
    { client: cloudwatch },
    { MetricDataQueries: queries, StartTime: start, EndTime: end, ScanBy: 'TimestampAscending' },
  );
  for await (const page of awsPages('GetMetricData', pages)) {
    collect(page.MetricDataResults ?? [], data, status, problems);
    for (const m of page.Messages ?? [])
      problems.push(`CloudWatch says ${m.Code ?? ''} ${m.Value ?? ''}`.trim());
  }
  for (const [id, code] of status) if (code !== 'Complete') problems.push(`${id}: StatusCode ${code}`);
  return { data, problems };
}

export async function readEvidence(
  cloudwatch: CloudWatchClient,
  req: EvidenceRequest,
): Promise<HealthEvidence> {
  const period = req.policy.metricPeriodSeconds;
  const w = alignedWindow(req.sinceEpochMs, req.nowEpochMs, period);
  const alarms = await alarmsInAlarm(cloudwatch, req.policy.alarmNames);
  const base = {
    canaryVariant: req.canaryVariant,
    ...(req.stableVariant ? { stableVariant: req.stableVariant } : {}),
    alarmsInAlarm: alarms,
    ...(req.latencyReference ? { latencyReference: req.latencyReference } : {}),
    windowStart: new Date(w.startMs).toISOString(),
    windowEnd: new Date(w.endMs).toISOString(),
  };
  if (w.periodStarts.length === 0) {
    return { ...base, periodStarts: [], canary: new Map(), problems: [], guardrails: [] };
  }
  const roles: [Role, string][] = [['canary', req.canaryVariant]];
  if (req.stableVariant) roles.push(['stable', req.stableVariant]);
  const queries = roles.flatMap(([role, variant]) => [
    ...sageMakerQueries(role, req.endpointName, variant, period),
    ...req.policy.guardrails.flatMap((g, i) => guardrailQueries(role, i, g, variant, period)),
  ]);
  const { data, problems } = await getMetricData(cloudwatch, queries, new Date(w.startMs), new Date(w.endMs));
  // CloudWatch answers every query, with no datapoints when there are none; an id left out is unread.
  for (const [role] of roles)
    for (const [suffix] of COUNTS)
      if (!data.has(`${role}_${suffix}`)) problems.push(`${role}_${suffix}: not in CloudWatch's answer`);
  const variants = roles.map(
    ([role]) => [role, variantPeriods(role, data, w.periodStarts, problems)] as VariantSeries,
  );
  unpublishedPeriods(variants, w.periodStarts, problems);
  req.policy.guardrails.forEach((g, i) =>
    problems.push(...guardrailGaps(g, i, variants, data, w.periodStarts)),
  );
  const canary = variants[0]![1];
  const stable = variants[1]?.[1];
  const guardrails: GuardrailReading[] = req.policy.guardrails.map((g, i) => ({
    name: g.name,
    canary: windowValue(data.get(`canary_g${i}`), data.get(`canary_g${i}_n`), g.statistic),
    ...(req.stableVariant
      ? { stable: windowValue(data.get(`stable_g${i}`), data.get(`stable_g${i}_n`), g.statistic) }
      : {}),
  }));
  return {
    ...base,
    periodStarts: w.periodStarts,
    canary,
    ...(stable ? { stable } : {}),
    problems,
    guardrails,
  };
}

/**
 * One CloudWatch period covering `seconds` in whole metric periods (70 s at 20 s periods: 80 s is no
 * CloudWatch period, 120 s is, and a multiple of every sub-minute period).
 */
export function spanningPeriod(seconds: number, period: number): number {
  const whole = Math.ceil(seconds / period) * period;
  return isCloudWatchPeriod(whole) ? whole : Math.ceil(whole / 60) * 60;
}

/**
 * Stable's latency before the step: the thresholds both variants are compared at for the whole step
 * (fixed in advance, so the comparison stays a valid test). One period spanning the reference window;
 * `reference` null when the stable variant had no latency samples there. When CloudWatch does not vouch
 * for the data, `problems` says why and there is no reference yet: the caller reads it again (the
 * window lies before the step, so a later read gives the same thresholds), judging nothing healthy
 * meanwhile.
 */
export async function readLatencyReference(
  cloudwatch: CloudWatchClient,
  req: { endpointName: string; stableVariant: string; sinceEpochMs: number; policy: HealthPolicy },
): Promise<{ reference: HealthEvidence['latencyReference'] | null; problems: string[] }> {
  const period = req.policy.metricPeriodSeconds;
  const span = spanningPeriod(req.policy.latencyReferenceSeconds, period);
  const end = Math.floor(req.sinceEpochMs / (period * 1000)) * period * 1000;
  const stat = (Id: string, Stat: string): MetricDataQuery => ({
    Id,
    ReturnData: true,
    MetricStat: {
      Metric: {
        Namespace: NAMESPACE,
        MetricName: 'ModelLatency',
        Dimensions: dims(req.endpointName, req.stableVariant),
      },
      Period: span,
      Stat,
    },
  });
  const { data, problems } = await getMetricData(
    cloudwatch,
    [
      stat('ref_n', 'SampleCount'),
      stat('ref_p50', 'p50'),
      stat('ref_tail', ladderStat(Math.max(TAIL_LEVEL, levelOf(req.policy.latencyStatistic) * 100))),
      ...BODY_LEVELS.filter((l) => l !== 50).map((l) => stat(`ref_p${l}`, ladderStat(l))),
    ],
    new Date(end - span * 1000),
    new Date(end),
  );
  if (problems.length > 0) {
    return { reference: null, problems: problems.map((p) => `stable latency reference: ${p}`) };
  }
  // Several datapoints when the span straddles CloudWatch's period alignment: weight them by their samples.
  let n = 0, p50 = 0, tail = 0; // prettier-ignore
  const body = BODY_LEVELS.map(() => 0);
  let bodyComplete = true;
  for (const [t, count] of data.get('ref_n') ?? []) {
    const a = data.get('ref_p50')?.get(t);
    const b = data.get('ref_tail')?.get(t);
    if (a === undefined || b === undefined || count <= 0) continue;
    n += count;
    p50 += a * count;
    tail += b * count;
    BODY_LEVELS.forEach((l, i) => {
      const v = data.get(`ref_p${l}`)?.get(t);
      if (v === undefined) bodyComplete = false;
      else body[i]! += v * count;
    });
  }
  if (n === 0) return { reference: null, problems: [] };
  const ms = (sum: number) => sum / n / MICROSECONDS_PER_MS;
  const bodyMs = body.map(ms);
  const reference = {
    p50Ms: ms(p50),
    tailMs: ms(tail),
    samples: n,
    // Without every level (or with levels out of order) the body test keeps its median alone.
    ...(bodyComplete && bodyMs.every((v, i) => i === 0 || v >= bodyMs[i - 1]!) ? { bodyMs } : {}),
  };
  return { reference, problems: [] };
}
