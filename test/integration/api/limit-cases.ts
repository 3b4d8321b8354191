/**
 * For every field of the start request, a value just inside and just outside each of its limits.
 * The numbers are written out from SageMaker's API reference and the README's table of bounds, not
 * imported from the schema, so a wrong constant in the schema makes a case fail.
 */
import { randomUUID } from 'node:crypto';
import { startBody } from './requests';

type Body = Record<string, unknown>;

export interface LimitCase {
  /** The field a 400 must name (an error on a key or item below it counts). */
  field: string;
  limit: string;
  inside: () => Body;
  outside: () => Body;
  /** Text the outside value's error message must contain (the limit), when it has a number. */
  mentions?: string;
}

const chars = (n: number, c = 'a') => c.repeat(n);
const unique = () => randomUUID().replace(/-/g, '').slice(0, 8);
/** `n` characters starting with something unique, so two starts never share a group or key. */
const uniqueOf = (n: number) => (unique() + chars(n)).slice(0, n);
const entries = (n: number, value: (i: number) => unknown = () => 'v', key = (i: number) => `k${i}`) =>
  Object.fromEntries(Array.from({ length: n }, (_, i) => [key(i), value(i)]));

/** A fresh start body with `path` (dotted) set to `value`. */
function withField(path: string, value: unknown, base: Body = startBody()): Body {
  const body = structuredClone(base);
  const keys = path.split('.');
  let node = body;
  for (const key of keys.slice(0, -1)) {
    node[key] = { ...(node[key] ?? {}) };
    node = node[key] as Body;
  }
  node[keys.at(-1)!] = value;
  return body;
}

/** Cases for a value that must be in [.., max] (and optionally [min, ..]). */
function range(field: string, bounds: { min?: [number, number]; max?: [number, number] }, base?: () => Body) {
  const cases: LimitCase[] = [];
  const b = () => base?.() ?? startBody();
  if (bounds.max) {
    const [inside, outside] = bounds.max;
    cases.push({
      field,
      limit: `at most ${inside}`,
      inside: () => withField(field, inside, b()),
      outside: () => withField(field, outside, b()),
      mentions: String(inside),
    });
  }
  if (bounds.min) {
    const [inside, outside] = bounds.min;
    cases.push({
      field,
      limit: `at least ${inside}`,
      inside: () => withField(field, inside, b()),
      outside: () => withField(field, outside, b()),
      mentions: String(inside),
    });
  }
  return cases;
}

/** A value, or a function that makes it (for values too big to build until needed). */
type Value = unknown;

function pair(field: string, limit: string, inside: Value, outside: Value, mentions?: string): LimitCase {
  return {
    field,
    limit,
    inside: () => withField(field, typeof inside === 'function' ? (inside as () => unknown)() : inside),
    outside: () => withField(field, typeof outside === 'function' ? (outside as () => unknown)() : outside),
    mentions,
  };
}

const ECR = '123456789012.dkr.ecr.us-east-1.amazonaws.com/';
const imageOfLength = (n: number) => `${ECR}${chars(n - ECR.length - 2, 'r')}:1`;
const s3OfLength = (n: number) => `s3://models/${chars(n - 's3://models/'.length, 'k')}`;
const steps = (n: number) => Array.from({ length: n }, (_, i) => Math.round(((i + 1) * 100) / n));
const automatic = (n: number) => () =>
  withField('approval', {
    mode: 'automatic',
    thresholds: Array.from({ length: n }, (_, i) => ({ metric: `m${i}`, op: '>=', value: 0 })),
  });
/** Custom guardrail metrics: names distinct, VariantName left to the service, a known missingData. */
function guardrailCases(): LimitCase[] {
  const guardrail = (over: Body = {}): Body => ({
    name: 'checkout-errors',
    namespace: 'Shop',
    metricName: 'CheckoutErrors',
    statistic: 'Sum',
    worseWhen: 'higher',
    limit: 10,
    ...over,
  });
  const withGuardrails = (gs: Body[]) => withHealth({ guardrails: gs })(startBody());
  return [
    {
      field: 'deployment.health.guardrails',
      limit: 'distinct names',
      inside: () => withGuardrails([guardrail(), guardrail({ name: 'conversion', worseWhen: 'lower' })]),
      outside: () => withGuardrails([guardrail(), guardrail({ worseWhen: 'lower' })]),
      mentions: 'duplicate guardrail name checkout-errors',
    },
    {
      field: 'deployment.health.guardrails',
      limit: 'no VariantName dimension (added per variant)',
      inside: () => withGuardrails([guardrail({ dimensions: [{ name: 'App', value: 'web' }] })]),
      outside: () => withGuardrails([guardrail({ dimensions: [{ name: 'VariantName', value: 'v7' }] })]),
      mentions: 'VariantName',
    },
    {
      field: 'deployment.health.guardrails',
      limit: 'missingData insufficient or not-breaching',
      inside: () => withGuardrails([guardrail({ missingData: 'not-breaching' })]),
      outside: () => withGuardrails([guardrail({ missingData: 'ignore' })]),
      mentions: 'not-breaching',
    },
    {
      field: 'deployment.health.guardrails',
      limit: 'a limit or a relativeMargin',
      inside: () => withGuardrails([guardrail({ limit: undefined, relativeMargin: 0.1 })]),
      outside: () => withGuardrails([guardrail({ limit: undefined })]),
      mentions: 'a limit or a relativeMargin',
    },
  ];
}

const withHealth = (patch: Body) => (base: Body) =>
  withField(
    'deployment.health',
    {
      ...((base.deployment as Body).health as Body),
      ...patch,
    },
    base,
  );

export const LIMIT_CASES: LimitCase[] = [
  // CreateModelPackage / EntityName: 1-63 letters, digits, hyphens.
  pair(
    'modelPackageGroup',
    'length 63',
    () => uniqueOf(63),
    () => uniqueOf(64),
    '63',
  ),
  pair(
    'modelPackageGroup',
    'pattern',
    () => `a-${unique()}`,
    () => `${unique()}-`,
  ),
  pair(
    'idempotencyKey',
    'length 128',
    () => uniqueOf(128),
    () => uniqueOf(129),
    '128',
  ),
  pair(
    'idempotencyKey',
    'pattern',
    () => `k.${unique()}_x`,
    () => `k/${unique()}`,
  ),
  // ModelPackageDescription: 0-1024 printable characters.
  pair('description', 'length 1024', chars(1024), chars(1025), '1024'),
  pair('description', 'pattern', 'Ünïcode – ok, “quoted”', 'two\nlines'),
  // ModelDataUrl: at most 1024, an S3 URI.
  pair('artifactUri', 'length 1024', s3OfLength(1024), s3OfLength(1025), '1024'),
  pair('artifactUri', 'scheme', 's3://models/m.tar.gz', 'https://models/m.tar.gz'),
  pair('artifactUri', 'bucket name', 's3://my-models.2/m.tar.gz', 's3://My_Models/m.tar.gz'),
  // Image: at most 255, an ECR path with a tag or a digest.
  pair('inferenceImage', 'length 255', imageOfLength(255), imageOfLength(256), '255'),
  pair('inferenceImage', 'ECR shape', `${ECR}team/sklearn@sha256:${chars(64, 'f')}`, 'sklearn:1'),
  pair('inferenceImage', 'digest', `${ECR}x@sha256:${chars(64, '0')}`, `${ECR}x@sha256:${chars(63, '0')}`),
  // ModelPackageContainerDefinition.Environment: 16 entries, keys [a-zA-Z_][a-zA-Z0-9_]*, 1024 each.
  pair('environment', '16 entries', entries(16), entries(17), '16'),
  pair('environment', 'key pattern', { _A1: 'v' }, { '1A': 'v' }),
  pair('environment', 'value length 1024', { A: chars(1024) }, { A: chars(1025) }, '1024'),
  // CustomerMetadataProperties: keys 128 with the "metric:" / "hp:" prefix, values 1-256, 50 entries.
  pair('metrics', 'name length 121', { [chars(121)]: 1 }, { [chars(122)]: 1 }, '121'),
  pair('metrics', 'name pattern', { 'val_auc@5': 1 }, { 'auc,5': 1 }),
  pair(
    'metrics',
    '41 entries with hyperparameters',
    entries(41, (i) => i),
    entries(42, (i) => i),
    '41',
  ),
  pair('lineage.hyperparameters', 'name length 125', { [chars(125)]: 1 }, { [chars(126)]: 1 }, '125'),
  pair('lineage.hyperparameters', 'value length 256', { eta: chars(256) }, { eta: chars(257) }, '256'),
  pair('lineage.hyperparameters', 'value not empty', { eta: 'x' }, { eta: '' }),
  ...['datasetUri', 'datasetVersion', 'codeCommit', 'trainingJobName'].flatMap((f) => [
    pair(`lineage.${f}`, 'length 256', chars(256), chars(257), '256'),
    pair(`lineage.${f}`, 'not empty', 'x', ''),
  ]),
  pair('lineage.datasetUri', 'characters', 's3://data/churn@v7', 's3://data/churn?v=7'),
  // Tag: keys 1-128, values 0-256, 50 per resource of which 10 are kept for the product's own.
  pair('tags', '40 entries', entries(40), entries(41), '40'),
  pair('tags', 'key length 128', { [chars(128)]: 'v' }, { [chars(129)]: 'v' }, '128'),
  pair('tags', 'value length 256', { team: chars(256) }, { team: chars(257) }, '256'),
  pair('tags', 'reserved prefix', { 'awsx:team': 'v' }, { 'aws:team': 'v' }),
  pair('tags', 'characters', { team: 'a b_c.d:e/f=g+h-i@j' }, { team: 'a<b' }),
  // The API's own bounds (README, "Start request: limits and bounds").
  pair(
    'samplePayloads',
    '100 payloads',
    Array(100).fill({ body: '{}' }),
    Array(101).fill({ body: '{}' }),
    '100',
  ),
  pair(
    'samplePayloads',
    'content type length 256',
    [{ contentType: `application/${chars(244)}`, body: '{}' }],
    [{ contentType: `application/${chars(245)}`, body: '{}' }],
    '256',
  ),
  pair(
    'deployment.productionEndpointName',
    'length 63',
    () => uniqueOf(63),
    () => uniqueOf(64),
    '63',
  ),
  pair(
    'deployment.stagingEndpointName',
    'length 63',
    () => uniqueOf(63),
    () => uniqueOf(64),
    '63',
  ),
  pair('deployment.instanceType', 'ml. shape', 'ml.g5.12xlarge', 'm5.large'),
  ...range('deployment.initialInstanceCount', { min: [1, 0], max: [100, 101] }),
  pair('deployment.canarySteps', '10 steps', steps(10), steps(11), '10'),
  pair('deployment.canarySteps', 'percent', [100], [50, 101], '100'),
  ...range('deployment.bakeSeconds', { min: [1, 0], max: [86_400, 86_401] }),
  ...range('deployment.healthCheckIntervalSeconds', { max: [3600, 3601] }, () =>
    withField('deployment.bakeSeconds', 7200),
  ),
  ...range('deployment.latencyBudgetMs', { min: [1, 0], max: [60_000, 60_001] }),
  ...range('deployment.endpointTimeoutSeconds', { max: [86_400, 86_401] }),
  ...range('deployment.endpointPollSeconds', { min: [1, 0], max: [600, 601] }),
  ...range('deployment.maxPauseSeconds', { min: [1, 0], max: [604_800, 604_801] }),
  ...(
    [
      ['metricPeriodSeconds', 3600, 3660],
      ['minInvocations', 1_000_000, 1_000_001],
      ['maxWaitForEvidenceSeconds', 86_400, 86_401],
      ['maxErrorRate', 1, 1.01],
      ['max4xxRate', 1, 1.01],
      ['falseRollbackBudget', 0.2, 0.21],
      ['maxErrorRateRatio', 100, 101],
      ['latencyReferenceSeconds', 86_400, 86_401],
      ['maxLatencyMs', 60_000, 60_001],
      ['maxLatencyRatio', 100, 101],
    ] as const
  ).map(([name, inside, outside]): LimitCase => ({
    field: `deployment.health.${name}`,
    limit: `at most ${inside}`,
    inside: () => withHealth({ [name]: inside })(startBody()),
    outside: () => withHealth({ [name]: outside })(startBody()),
    mentions: String(inside),
  })),
  {
    field: 'deployment.health.alphaShares',
    limit: 'shares of some tests sum to under 1',
    inside: () => withHealth({ alphaShares: { '5xx-vs-stable': 0.9 } })(startBody()),
    outside: () =>
      withHealth({ alphaShares: { '5xx-vs-stable': 0.6, 'latency-tail-vs-stable': 0.4 } })(startBody()),
    mentions: 'under 1',
  },
  {
    field: 'deployment.health.alphaShares',
    limit: 'a known test, with a share over 0',
    inside: () => withHealth({ alphaShares: { '4xx-limit': 0.001 } })(startBody()),
    outside: () => withHealth({ alphaShares: { '4xx-limit': 0, 'p99-vs-stable': 0.5 } })(startBody()),
    mentions: 'over 0',
  },
  ...guardrailCases(),
  {
    field: 'deployment.health.metricPeriodSeconds',
    limit: 'CloudWatch period',
    inside: () => withHealth({ metricPeriodSeconds: 30 })(startBody()),
    outside: () => withHealth({ metricPeriodSeconds: 45 })(startBody()),
  },
  {
    field: 'deployment.health.minInvocations',
    limit: 'at least 0',
    inside: () => withHealth({ minInvocations: 0 })(startBody()),
    outside: () => withHealth({ minInvocations: -1 })(startBody()),
    mentions: '0',
  },
  {
    field: 'deployment.health.maxLatencyRatio',
    limit: 'at least 1',
    inside: () => withHealth({ maxLatencyRatio: 1 })(startBody()),
    outside: () => withHealth({ maxLatencyRatio: 0.99 })(startBody()),
  },
  {
    field: 'deployment.health.alarmNames',
    limit: '100 names of 255',
    inside: () => withHealth({ alarmNames: Array(100).fill(chars(255)) })(startBody()),
    outside: () => withHealth({ alarmNames: Array(101).fill('a') })(startBody()),
    mentions: '100',
  },
  {
    field: 'deployment.health.alarmNames',
    limit: 'name length 255',
    inside: () => withHealth({ alarmNames: [chars(255)] })(startBody()),
    outside: () => withHealth({ alarmNames: [chars(256)] })(startBody()),
    mentions: '255',
  },
  ...range('approval.quorum', { min: [2, 1], max: [10, 11] }, () =>
    withField('approval', { mode: 'quorum' }),
  ),
  ...range('approval.deadlineSeconds', { min: [1, 0], max: [7_776_000, 7_776_001] }),
  {
    field: 'approval.thresholds',
    limit: '41 thresholds',
    inside: automatic(41),
    outside: automatic(42),
    mentions: '41',
  },
  ...range('retainPreviousVersions', { min: [0, -1], max: [10, 11] }),
];
