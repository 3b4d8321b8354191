/**
 * What a training pipeline sends to start one model version's lifecycle, with every default.
 *
 * The same schema validates at the API edge (field-level 400s) and as the workflow's first step
 * (a non-retryable failure that names the field), so a pipeline that starts workflows directly on
 * Temporal gets the same checks. Pure: safe to import from workflow code.
 */
import { z } from 'zod';
import { fieldErrors, type FieldError } from './field-errors';
import {
  ALARM_NAMES,
  CONTAINER_ENVIRONMENT,
  CONTENT_TYPE,
  CUSTOMER_METADATA,
  DESCRIPTION,
  ENTITY_NAME,
  HYPERPARAMETER_KEY_PREFIX,
  IMAGE,
  INSTANCE_TYPE,
  INVOKE_TIMEOUT_MS,
  isCloudWatchPeriod,
  METRIC_KEY_PREFIX,
  MODEL_DATA_URL,
  PRODUCT_METADATA_ENTRIES,
  PRODUCT_TAG_ALLOWANCE,
  TAG,
} from './sagemaker-limits';

/** SageMaker's name rule for groups, endpoints, models and endpoint configs. */
const sageMakerName = z
  .string()
  .max(ENTITY_NAME.max, `must be at most ${ENTITY_NAME.max} characters`)
  .regex(
    ENTITY_NAME.pattern,
    'must be 1-63 letters, digits or hyphens, not starting or ending with a hyphen',
  );

const s3Uri = z
  .string()
  .max(MODEL_DATA_URL.max, `must be at most ${MODEL_DATA_URL.max} characters`)
  .regex(MODEL_DATA_URL.pattern, 'must be an s3://bucket/key URI with an S3 bucket name');

/** A value SageMaker stores in CustomerMetadataProperties (lineage, registrant): 1-256 of its characters. */
const metadataValue = (max: number = CUSTOMER_METADATA.maxValueLength) =>
  z
    .string()
    .min(1, 'must not be empty')
    .max(max, `must be at most ${max} characters (SageMaker's model package metadata limit)`)
    .regex(CUSTOMER_METADATA.pattern, 'may hold only letters, digits, spaces and _ . : / = + - @');

/** A metadata key once prefixed (`metric:auc`, `hp:eta`): the prefix counts against SageMaker's 128. */
const metadataKey = (prefix: string) => {
  const max = CUSTOMER_METADATA.maxKeyLength - prefix.length;
  return z
    .string()
    .min(1, 'names must not be empty')
    .max(max, `names must be at most ${max} characters (SageMaker's 128 less the "${prefix}" prefix)`)
    .regex(CUSTOMER_METADATA.pattern, 'names may hold only letters, digits, spaces and _ . : / = + - @');
};

/** A whole number of seconds (or ms) in [min, max]: every duration and count has a documented ceiling. */
const bounded = (min: number, max: number, unit: string) =>
  z
    .number()
    .int(`must be a whole number of ${unit}`)
    .min(min, `must be at least ${min} ${unit}`)
    .max(max, `must be at most ${max} ${unit}`);

const HOUR = 3600;
const DAY = 24 * HOUR;

export const DEFAULT_CANARY_STEPS = [10, 50, 100] as const;
export const SEVEN_DAYS_SECONDS = 7 * DAY;
/** The post-promotion watch when `deployment.watchSeconds` is unset. */
export const DEFAULT_WATCH_SECONDS = HOUR;

/** Upper bounds of every duration and count, documented in the README's input section. */
export const INPUT_BOUNDS = {
  approvalDeadlineSeconds: 90 * DAY,
  quorum: 10,
  bakeSeconds: DAY,
  healthCheckIntervalSeconds: HOUR,
  latencyBudgetMs: INVOKE_TIMEOUT_MS,
  endpointTimeoutSeconds: DAY,
  endpointPollSeconds: 600,
  maxPauseSeconds: 7 * DAY,
  watchSeconds: 7 * DAY,
  canarySteps: 10,
  initialInstanceCount: 100,
  metricPeriodSeconds: HOUR,
  minInvocations: 1_000_000,
  maxWaitForEvidenceSeconds: DAY,
  maxLatencyMs: INVOKE_TIMEOUT_MS,
  maxLatencyRatio: 100,
  samplePayloads: 100,
  retainPreviousVersions: 10,
  /** Metrics and hyperparameters share what CustomerMetadataProperties leaves after the product's own entries. */
  metadataEntries: CUSTOMER_METADATA.maxEntries - PRODUCT_METADATA_ENTRIES,
  tags: TAG.maxTags - PRODUCT_TAG_ALLOWANCE,
} as const;

export const metricThresholdSchema = z.strictObject({
  metric: metadataKey(METRIC_KEY_PREFIX),
  /** `>=` for "higher is better" metrics such as accuracy, `<=` for losses. */
  op: z.enum(['>=', '<=']),
  value: z.number(),
});
export type MetricThreshold = z.infer<typeof metricThresholdSchema>;

export const approvalPolicySchema = z
  .strictObject({
    /** manual: one approver; quorum: N distinct approvers; automatic: metric thresholds decide. */
    mode: z.enum(['manual', 'quorum', 'automatic']).default('manual'),
    quorum: bounded(2, INPUT_BOUNDS.quorum, 'approvers').default(2),
    thresholds: z.array(metricThresholdSchema).max(INPUT_BOUNDS.metadataEntries).default([]),
    /** The version expires (Rejected) when no decision arrives in time. */
    deadlineSeconds: bounded(1, INPUT_BOUNDS.approvalDeadlineSeconds, 'seconds').default(SEVEN_DAYS_SECONDS),
  })
  .superRefine((p, ctx) => {
    if (p.mode === 'automatic' && p.thresholds.length === 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['thresholds'],
        message: 'automatic approval needs at least one threshold',
      });
    }
  });
export type ApprovalPolicy = z.infer<typeof approvalPolicySchema>;

/**
 * A custom guardrail: any CloudWatch metric, read per variant (the `VariantName` dimension is added),
 * judged on the whole aligned window: unhealthy when the canary's value is on the wrong side of the
 * line (a limit, or stable's value × (1 ± relativeMargin)).
 */
export const guardrailMetricSchema = z
  .strictObject({
    name: z.string().regex(/^[a-zA-Z0-9_-]{1,40}$/, 'must be 1-40 letters, digits, underscores or hyphens'),
    namespace: z.string().min(1).max(255),
    metricName: z.string().min(1).max(255),
    /** Dimensions besides VariantName (e.g. EndpointName); the variant's name is added per variant. */
    dimensions: z
      .array(
        z.strictObject({
          name: z
            .string()
            .min(1)
            .max(255)
            .refine((n) => n !== 'VariantName', 'VariantName is added per variant; leave it out'),
          value: z.string().min(1).max(1024),
        }),
      )
      .max(29)
      .default([]),
    statistic: z
      .string()
      .regex(/^(SampleCount|Sum|Average|Minimum|Maximum|p\d{1,2}(\.\d+)?)$/, 'must be a CloudWatch statistic')
      .default('Average'),
    /** Which way is bad: `higher` for error counts or latency, `lower` for conversions or revenue. */
    worseWhen: z.enum(['higher', 'lower']),
    /** Absolute line the canary must stay on the good side of. */
    limit: z.number().optional(),
    /** Relative line: stable's value × (1 + margin) for `higher`, × (1 - margin) for `lower` (0..10). */
    relativeMargin: z.number().min(0).max(10).optional(),
    /**
     * A period with traffic but no datapoint: `insufficient` (no healthy verdict until it comes), or
     * `not-breaching` for a metric published only when something happens (the period is left out).
     */
    missingData: z.enum(['insufficient', 'not-breaching']).default('insufficient'),
  })
  .refine((g) => g.limit !== undefined || g.relativeMargin !== undefined, {
    path: ['limit'],
    message: 'a guardrail needs a limit or a relativeMargin',
  });
export type GuardrailMetric = z.infer<typeof guardrailMetricSchema>;

/** The canary's statistical tests, each with its share of the false-rollback budget (activities/health/budget.ts). */
export const HEALTH_TESTS = [
  '5xx-vs-stable',
  'latency-body-vs-stable',
  'latency-tail-vs-stable',
  '5xx-limit',
  'latency-limit',
  '4xx-limit',
] as const;
export type HealthTestName = (typeof HEALTH_TESTS)[number];

/**
 * Shares of the budget for some tests, to spend it where a regression matters most; the tests not
 * named split the rest in the proportions of the default shares. Every test keeps a share (> 0), so
 * nothing goes unwatched: a test with a small share still rolls back on strong evidence.
 */
const share = z.number().gt(0, 'must be over 0 (every test keeps a share)').lt(1, 'must be under 1');
const alphaSharesSchema = z
  .strictObject(
    Object.fromEntries(HEALTH_TESTS.map((t) => [t, share.optional()])) as Record<
      HealthTestName,
      z.ZodOptional<typeof share>
    >,
  )
  .superRefine((shares, ctx) => {
    const given = Object.values(shares).reduce((s, v) => s + (v ?? 0), 0);
    const all = Object.keys(shares).length === HEALTH_TESTS.length;
    if (all && Math.abs(given - 1) > 1e-9)
      ctx.addIssue({
        code: 'custom',
        message: `shares of all six tests must sum to 1 (they sum to ${given})`,
      });
    if (!all && given >= 1)
      ctx.addIssue({
        code: 'custom',
        message: `shares must sum to under 1, leaving a share for ${HEALTH_TESTS.filter((t) => !(t in shares)).join(', ')} (they sum to ${given})`,
      });
  });

export const healthPolicySchema = z.strictObject({
  /** CloudWatch period for the metric queries (60 s on AWS; 1 s against the emulator in tests). */
  metricPeriodSeconds: bounded(1, INPUT_BOUNDS.metricPeriodSeconds, 'seconds')
    .refine(isCloudWatchPeriod, 'must be a CloudWatch period: 1, 5, 10, 20, 30 or a multiple of 60 seconds')
    .default(60),
  /** No healthy verdict on fewer canary invocations (and latency samples) than this in the window. */
  minInvocations: bounded(0, INPUT_BOUNDS.minInvocations, 'invocations').default(100),
  /** How long a bake waits for `minInvocations` beyond its bake time before failing safe (rollback). */
  maxWaitForEvidenceSeconds: bounded(0, INPUT_BOUNDS.maxWaitForEvidenceSeconds, 'seconds').default(1800),
  /** Absolute limit on the canary's 5xx error rate (0..1), judged on an anytime-valid confidence bound. */
  maxErrorRate: z.number().min(0).max(1).default(0.05),
  /** Absolute limit on the canary's 4xx rate (0..1); 4xx usually means bad requests, so loose by default. */
  max4xxRate: z.number().min(0).max(1).default(0.5),
  /**
   * False-rollback budget per lifecycle: the probability that a canary as good as stable (and within
   * the limits) is rolled back, over all steps, looks and tests. Split by shares over the tests
   * (`alphaShares`) and evenly over the steps each test runs in (activities/health/budget.ts).
   */
  falseRollbackBudget: z.number().min(1e-6).max(0.2).default(0.01),
  /** Override of the tests' shares of `falseRollbackBudget`, e.g. `{ "5xx-vs-stable": 0.8 }`. */
  alphaShares: alphaSharesSchema.default({}),
  /** Tolerated canary/stable 5xx rate ratio: the test asks whether the canary's rate exceeds stable's × this. */
  maxErrorRateRatio: z.number().min(1).max(100).default(1),
  latencyStatistic: z.enum(['p99', 'p90', 'p50', 'Average']).default('p99'),
  /** Absolute limit on the canary's ModelLatency statistic (Average is judged as the median), in ms. */
  maxLatencyMs: z.number().positive().max(INPUT_BOUNDS.maxLatencyMs).default(1000),
  /** Tolerated latency factor: the canary fails when evidence says it is slower than stable × this. */
  maxLatencyRatio: z.number().min(1).max(100).default(1),
  /** Stable latency quantiles that the canary is compared at are read from this long before the step. */
  latencyReferenceSeconds: z.number().int().min(1).max(86_400).default(600),
  /** CloudWatch alarms whose ALARM state fails the canary. */
  alarmNames: z.array(z.string().min(1).max(ALARM_NAMES.maxLength)).max(ALARM_NAMES.maxNames).default([]),
  /** Custom guardrail metrics (business metrics the callers publish): the operator's own lines, like alarms, outside α. */
  guardrails: z
    .array(guardrailMetricSchema)
    .max(10)
    .default([])
    .superRefine((gs, ctx) => {
      const seen = new Set<string>();
      gs.forEach((g, i) => {
        if (seen.has(g.name))
          ctx.addIssue({ code: 'custom', path: [i, 'name'], message: `duplicate guardrail name ${g.name}` });
        seen.add(g.name);
      });
    }),
});
export type HealthPolicy = z.infer<typeof healthPolicySchema>;

/**
 * The optional shadow stage before the canary: the new version as a shadow variant receives a copy
 * of `trafficPercent` % of production requests for `bakeSeconds`, answers nobody, and is judged
 * against the live variant by the canary's rule. Unhealthy: rejected before any user is served by it.
 */
export const shadowStageSchema = z.strictObject({
  /** Share of production requests copied to the shadow (SageMaker's shadow weight relative to production's). */
  trafficPercent: bounded(1, 100, 'percent').default(100),
  /** How long the shadow is judged; health is checked every `healthCheckIntervalSeconds`. */
  bakeSeconds: bounded(1, INPUT_BOUNDS.bakeSeconds, 'seconds').default(600),
});
export type ShadowStage = z.infer<typeof shadowStageSchema>;

/**
 * Strategy `guardrails`: SageMaker's own blue/green deployment (UpdateEndpoint with a DeploymentConfig)
 * shifts the traffic and rolls back on the CloudWatch alarms the lifecycle creates for the new variant.
 */
export const guardrailsDeploymentSchema = z.strictObject({
  /** CANARY: `stepPercent` of the new fleet first, the rest after one wait; LINEAR: steps of `stepPercent`. */
  trafficRouting: z.enum(['CANARY', 'LINEAR']).default('CANARY'),
  /** SageMaker's CanarySize / LinearStepSize as CAPACITY_PERCENT (at most half the fleet). */
  stepPercent: bounded(1, 50, 'percent').default(10),
  /** Baking time after each traffic shift, during which the alarms are watched. */
  waitIntervalSeconds: bounded(0, 3600, 'seconds').default(600),
  /** After the last bake, before the old fleet is terminated. */
  terminationWaitSeconds: bounded(0, 3600, 'seconds').default(0),
  /** SageMaker's bound on the whole deployment (600-28800 s); must cover the bakes and the termination wait. */
  maximumExecutionTimeoutSeconds: bounded(600, 28_800, 'seconds').default(28_800),
  /** The rollback alarms go to ALARM when this many of the last `alarmEvaluationPeriods` metric periods breach. */
  alarmDatapoints: bounded(1, 10, 'periods').default(2),
  alarmEvaluationPeriods: bounded(1, 10, 'periods').default(3),
});
export type GuardrailsDeployment = z.infer<typeof guardrailsDeploymentSchema>;

/** How long SageMaker's deployment takes by the policy, at the least (its baking and termination waits). */
export function guardrailsScheduleSeconds(g: GuardrailsDeployment): number {
  const shifts = g.trafficRouting === 'CANARY' ? 2 : Math.ceil(100 / g.stepPercent);
  return shifts * g.waitIntervalSeconds + g.terminationWaitSeconds;
}

export const deploymentTargetSchema = z
  .strictObject({
    productionEndpointName: sageMakerName,
    /** Prefix of the per-version staging endpoint (`<prefix>-v<version>`); default `<production>-stg`. */
    stagingEndpointName: sageMakerName.optional(),
    instanceType: z
      .string()
      .regex(INSTANCE_TYPE.pattern, 'must look like ml.m5.large')
      .default('ml.m5.large'),
    /**
     * Instances of the new version once promoted. Unset: as many as the stable variant has (1 on a
     * first deployment). During the canary the new variant's count follows its weight.
     */
    initialInstanceCount: bounded(1, INPUT_BOUNDS.initialInstanceCount, 'instances').optional(),
    /** Canary traffic percentages, strictly increasing, ending at 100. */
    canarySteps: z
      .array(bounded(1, 100, 'percent'))
      .min(1)
      .max(INPUT_BOUNDS.canarySteps)
      .default([...DEFAULT_CANARY_STEPS])
      .refine((s) => s.every((v, i) => i === 0 || v > s[i - 1]!), 'must be strictly increasing')
      .refine((s) => s[s.length - 1] === 100, 'must end at 100'),
    /** Bake time after each canary step, during which health is checked. */
    bakeSeconds: bounded(1, INPUT_BOUNDS.bakeSeconds, 'seconds').default(600),
    healthCheckIntervalSeconds: bounded(1, INPUT_BOUNDS.healthCheckIntervalSeconds, 'seconds').default(60),
    /** Validation: every staging answer must come back within this budget (InvokeEndpoint gives up at 60 s). */
    latencyBudgetMs: bounded(1, INPUT_BOUNDS.latencyBudgetMs, 'ms').default(2000),
    /** How long an endpoint may take to reach InService before the step fails. */
    endpointTimeoutSeconds: bounded(1, INPUT_BOUNDS.endpointTimeoutSeconds, 'seconds').default(3600),
    /** Poll interval while waiting for InService (an activity retry, so history does not grow). */
    endpointPollSeconds: bounded(1, INPUT_BOUNDS.endpointPollSeconds, 'seconds').default(30),
    /**
     * After promotion, how long the lifecycle keeps judging the new version against the previous
     * version's recorded baseline (stage `watching`, lock released); unhealthy → automatic revert.
     * Unset: DEFAULT_WATCH_SECONDS (1 h); 0 skips the watch.
     */
    watchSeconds: bounded(0, INPUT_BOUNDS.watchSeconds, 'seconds').optional(),
    /** A paused canary keeps the endpoint lock at most this long, then rolls back. */
    maxPauseSeconds: bounded(1, INPUT_BOUNDS.maxPauseSeconds, 'seconds').default(4 * HOUR),
    health: healthPolicySchema.default(healthPolicySchema.parse({})),
    /** Shadow stage before the canary; absent: none. */
    shadow: shadowStageSchema.optional(),
    /** Who shifts traffic: the lifecycle's own canary (default) or SageMaker's deployment guardrails. */
    strategy: z.enum(['canary', 'guardrails']).default('canary'),
    /** The guardrails deployment's policy (used with strategy `guardrails`). */
    guardrails: guardrailsDeploymentSchema.default(guardrailsDeploymentSchema.parse({})),
  })
  .superRefine((t, ctx) => {
    if (t.healthCheckIntervalSeconds > t.bakeSeconds) {
      ctx.addIssue({
        code: 'custom',
        path: ['healthCheckIntervalSeconds'],
        message: 'must not exceed bakeSeconds',
      });
    }
    if (t.shadow && t.healthCheckIntervalSeconds > t.shadow.bakeSeconds) {
      ctx.addIssue({
        code: 'custom',
        path: ['shadow', 'bakeSeconds'],
        message: 'must not be shorter than healthCheckIntervalSeconds',
      });
    }
    const g = t.guardrails;
    if (g.alarmDatapoints > g.alarmEvaluationPeriods) {
      ctx.addIssue({
        code: 'custom',
        path: ['guardrails', 'alarmDatapoints'],
        message: 'must not exceed alarmEvaluationPeriods',
      });
    }
    if (t.strategy === 'guardrails' && guardrailsScheduleSeconds(g) > g.maximumExecutionTimeoutSeconds) {
      ctx.addIssue({
        code: 'custom',
        path: ['guardrails', 'maximumExecutionTimeoutSeconds'],
        message: `must cover the deployment's ${guardrailsScheduleSeconds(g)} s of bakes and termination wait`,
      });
    }
    if (t.endpointPollSeconds > t.endpointTimeoutSeconds) {
      ctx.addIssue({
        code: 'custom',
        path: ['endpointPollSeconds'],
        message: 'must not exceed endpointTimeoutSeconds',
      });
    }
  });
export type DeploymentTarget = z.infer<typeof deploymentTargetSchema>;

const hyperparameterValue = z.union([metadataValue(), z.number(), z.boolean()]);

export const lineageSchema = z.strictObject({
  datasetUri: metadataValue(),
  datasetVersion: metadataValue(),
  codeCommit: metadataValue(),
  trainingJobName: metadataValue(),
  hyperparameters: z.record(metadataKey(HYPERPARAMETER_KEY_PREFIX), hyperparameterValue).default({}),
});
export type Lineage = z.infer<typeof lineageSchema>;

export const samplePayloadSchema = z.strictObject({
  contentType: z
    .string()
    .max(CONTENT_TYPE.max)
    .regex(CONTENT_TYPE.pattern, 'must be a MIME type such as application/json')
    .default('application/json'),
  body: z.string().min(1),
});
export type SamplePayload = z.infer<typeof samplePayloadSchema>;

/** Used when the pipeline sends no sample payloads: the smallest JSON request a model should answer. */
export const DEFAULT_SAMPLE_PAYLOADS: SamplePayload[] = [
  { contentType: 'application/json', body: '{"instances":[[0]]}' },
];

const tagKey = z
  .string()
  .min(1, 'keys must not be empty')
  .max(TAG.maxKeyLength, `keys must be at most ${TAG.maxKeyLength} characters`)
  .regex(TAG.pattern, 'keys may hold only letters, digits, spaces and _ . : / = + - @')
  .refine((k) => !TAG.reservedPrefix.test(k), 'keys must not start with "aws:" (reserved by AWS)');
const tagValue = z
  .string()
  .max(TAG.maxValueLength, `must be at most ${TAG.maxValueLength} characters`)
  .regex(TAG.pattern, 'may hold only letters, digits, spaces and _ . : / = + - @');

const environmentKey = z
  .string()
  .max(CONTAINER_ENVIRONMENT.maxKeyLength)
  .regex(CONTAINER_ENVIRONMENT.keyPattern, 'names must match [a-zA-Z_][a-zA-Z0-9_]*');

/** A map with at most `max` entries; `why` says whose limit it is. */
const withEntryLimit = <T extends z.ZodType<Record<string, unknown>>>(schema: T, max: number, why: string) =>
  schema
    .refine((r) => Object.keys(r).length <= max, { message: `must have at most ${max} entries (${why})` })
    .meta({ maxProperties: max });

/** The fields without the cross-field rules, so the API can derive its body (no `registeredBy`) from it. */
export const lifecycleInputObject = z.strictObject({
  modelPackageGroup: sageMakerName,
  /** The pipeline's key for this version (e.g. its training job name): a retried start finds the same workflow. */
  idempotencyKey: z
    .string()
    .regex(/^[a-zA-Z0-9._-]{1,128}$/, 'must be 1-128 letters, digits, dots, underscores or hyphens'),
  /** Identity that registered the version; it may not approve it. The API sets it from the caller's token. */
  registeredBy: metadataValue(),
  description: z
    .string()
    .max(DESCRIPTION.max, `must be at most ${DESCRIPTION.max} characters`)
    .regex(
      DESCRIPTION.pattern,
      'must hold only printable characters (no control characters such as newlines)',
    )
    .default(''),
  artifactUri: s3Uri,
  inferenceImage: z
    .string()
    .max(IMAGE.max, `must be at most ${IMAGE.max} characters`)
    .regex(
      IMAGE.pattern,
      'must be an ECR image: <account>.dkr.ecr.<region>.amazonaws.com/<repository>[:tag|@sha256:<digest>]',
    ),
  /** Container environment for the model (the emulator reads EMULATOR_* variables from here). No secrets. */
  environment: withEntryLimit(
    z.record(environmentKey, z.string().max(CONTAINER_ENVIRONMENT.maxValueLength)),
    CONTAINER_ENVIRONMENT.maxEntries,
    "SageMaker's container environment limit",
  ).default({}),
  metrics: z.record(metadataKey(METRIC_KEY_PREFIX), z.number()).default({}),
  lineage: lineageSchema,
  tags: withEntryLimit(
    z.record(tagKey, tagValue),
    INPUT_BOUNDS.tags,
    `SageMaker allows ${TAG.maxTags} tags; ${PRODUCT_TAG_ALLOWANCE} are kept for the product's own`,
  ).default({}),
  samplePayloads: z.array(samplePayloadSchema).max(INPUT_BOUNDS.samplePayloads).default([]),
  deployment: deploymentTargetSchema,
  approval: approvalPolicySchema.default(approvalPolicySchema.parse({})),
  /** How many earlier versions' models to keep after promotion, for a quick rollback. */
  retainPreviousVersions: bounded(0, INPUT_BOUNDS.retainPreviousVersions, 'versions').default(1),
});

/** Each metric and hyperparameter becomes one CustomerMetadataProperties entry of the package. */
export function checkMetadataBudget(
  input: { metrics: Record<string, number>; lineage: { hyperparameters: Record<string, unknown> } },
  ctx: z.RefinementCtx,
): void {
  const used = Object.keys(input.metrics).length + Object.keys(input.lineage.hyperparameters).length;
  if (used > INPUT_BOUNDS.metadataEntries) {
    ctx.addIssue({
      code: 'custom',
      path: ['metrics'],
      message: `metrics and lineage.hyperparameters have ${used} entries together, at most ${INPUT_BOUNDS.metadataEntries} fit (SageMaker allows ${CUSTOMER_METADATA.maxEntries} metadata entries; the lifecycle writes ${PRODUCT_METADATA_ENTRIES})`,
    });
  }
}

export const lifecycleInputSchema = lifecycleInputObject.superRefine(checkMetadataBudget);

/** What callers send (defaults optional). */
export type LifecycleRequest = z.input<typeof lifecycleInputSchema>;
/** What the workflow works with (defaults applied). */
export type LifecycleInput = z.output<typeof lifecycleInputSchema>;

export type { FieldError } from './field-errors';

export type ParseResult = { ok: true; value: LifecycleInput } | { ok: false; errors: FieldError[] };

export function parseLifecycleInput(raw: unknown): ParseResult {
  const result = lifecycleInputSchema.safeParse(raw);
  if (result.success) return { ok: true, value: result.data };
  return {
    ok: false,
    errors: fieldErrors(result.error.issues),
  };
}

/** Workflow ID from the group and the pipeline's key, so a retried start never creates a second version. */
export function lifecycleWorkflowId(modelPackageGroup: string, idempotencyKey: string): string {
  return `mv-${modelPackageGroup}-${idempotencyKey}`;
}
