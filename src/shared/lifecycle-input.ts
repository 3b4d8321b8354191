/**
 * What a training pipeline sends to start one model version's lifecycle, with every default.
 *
 * The same schema validates at the API edge (field-level 400s) and as the workflow's first step
 * (a non-retryable failure that names the field), so a pipeline that starts workflows directly on
 * Temporal gets the same checks. Pure: safe to import from workflow code.
 */
import { z } from 'zod';

/** SageMaker's name rule for groups, endpoints, models and endpoint configs. */
const sageMakerName = z
  .string()
  .regex(
    /^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$/,
    'must be 1-63 letters, digits or hyphens, not starting with a hyphen',
  );

const s3Uri = z.string().regex(/^s3:\/\/[^/]+\/.+/, 'must be an s3://bucket/key URI');

export const DEFAULT_CANARY_STEPS = [10, 50, 100] as const;
export const SEVEN_DAYS_SECONDS = 7 * 24 * 3600;

export const metricThresholdSchema = z.object({
  metric: z.string().min(1),
  /** `>=` for "higher is better" metrics such as accuracy, `<=` for losses. */
  op: z.enum(['>=', '<=']),
  value: z.number(),
});
export type MetricThreshold = z.infer<typeof metricThresholdSchema>;

export const approvalPolicySchema = z
  .object({
    /** manual: one approver; quorum: N distinct approvers; automatic: metric thresholds decide. */
    mode: z.enum(['manual', 'quorum', 'automatic']).default('manual'),
    quorum: z.number().int().min(2).max(10).default(2),
    thresholds: z.array(metricThresholdSchema).default([]),
    /** The version expires (Rejected) when no decision arrives in time. */
    deadlineSeconds: z.number().int().positive().default(SEVEN_DAYS_SECONDS),
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

export const healthPolicySchema = z.object({
  /** CloudWatch period for the metric queries (60 s on AWS; 1 s against the emulator in tests). */
  metricPeriodSeconds: z.number().int().positive().default(60),
  /** No verdict on fewer canary invocations than this in the window. */
  minInvocations: z.number().int().nonnegative().default(100),
  /** How long a bake waits for `minInvocations` beyond its bake time before failing safe (rollback). */
  maxWaitForEvidenceSeconds: z.number().int().nonnegative().default(1800),
  /** Absolute limit on the canary's 5xx error rate (0..1). */
  maxErrorRate: z.number().min(0).max(1).default(0.05),
  /** Absolute limit on the canary's 4xx rate (0..1); 4xx usually means bad requests, so loose by default. */
  max4xxRate: z.number().min(0).max(1).default(0.5),
  /** The canary is unhealthy when its 5xx rate exceeds the stable variant's by more than this margin… */
  errorRateMargin: z.number().min(0).max(1).default(0.01),
  /** …and a one-sided two-proportion z-test finds the difference significant at this z. */
  significanceZ: z.number().positive().default(2.33),
  latencyStatistic: z.enum(['p99', 'p90', 'p50', 'Average']).default('p99'),
  /** Absolute limit on the canary's ModelLatency statistic, in milliseconds. */
  maxLatencyMs: z.number().positive().default(1000),
  /** The canary is unhealthy when its latency exceeds the stable variant's times this factor. */
  maxLatencyRatio: z.number().min(1).default(1.5),
  /** CloudWatch alarms whose ALARM state fails the canary. */
  alarmNames: z.array(z.string().min(1)).default([]),
});
export type HealthPolicy = z.infer<typeof healthPolicySchema>;

export const deploymentTargetSchema = z
  .object({
    productionEndpointName: sageMakerName,
    /** Prefix of the per-version staging endpoint (`<prefix>-v<version>`); default `<production>-stg`. */
    stagingEndpointName: sageMakerName.optional(),
    instanceType: z
      .string()
      .regex(/^ml\.[a-z0-9]+\.[a-z0-9]+$/, 'must look like ml.m5.large')
      .default('ml.m5.large'),
    /**
     * Instances of the new version once promoted. Unset: as many as the stable variant has (1 on a
     * first deployment). During the canary the new variant's count follows its weight.
     */
    initialInstanceCount: z.number().int().min(1).max(100).optional(),
    /** Canary traffic percentages, strictly increasing, ending at 100. */
    canarySteps: z
      .array(z.number().int().min(1).max(100))
      .min(1)
      .default([...DEFAULT_CANARY_STEPS])
      .refine((s) => s.every((v, i) => i === 0 || v > s[i - 1]!), 'must be strictly increasing')
      .refine((s) => s[s.length - 1] === 100, 'must end at 100'),
    /** Bake time after each canary step, during which health is checked. */
    bakeSeconds: z.number().int().positive().default(600),
    healthCheckIntervalSeconds: z.number().int().positive().default(60),
    /** Validation: every staging answer must come back within this budget. */
    latencyBudgetMs: z.number().int().positive().default(2000),
    /** How long an endpoint may take to reach InService before the step fails. */
    endpointTimeoutSeconds: z.number().int().positive().default(3600),
    /** Poll interval while waiting for InService (an activity retry, so history does not grow). */
    endpointPollSeconds: z.number().int().positive().default(30),
    /** A paused canary keeps the endpoint lock at most this long, then rolls back. */
    maxPauseSeconds: z
      .number()
      .int()
      .positive()
      .max(7 * 24 * 3600)
      .default(4 * 3600),
    health: healthPolicySchema.default(healthPolicySchema.parse({})),
  })
  .superRefine((t, ctx) => {
    if (t.healthCheckIntervalSeconds > t.bakeSeconds) {
      ctx.addIssue({
        code: 'custom',
        path: ['healthCheckIntervalSeconds'],
        message: 'must not exceed bakeSeconds',
      });
    }
  });
export type DeploymentTarget = z.infer<typeof deploymentTargetSchema>;

export const lineageSchema = z.object({
  datasetUri: z.string().min(1),
  datasetVersion: z.string().min(1),
  codeCommit: z.string().min(1),
  trainingJobName: z.string().min(1),
  hyperparameters: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).default({}),
});
export type Lineage = z.infer<typeof lineageSchema>;

export const samplePayloadSchema = z.object({
  contentType: z.string().default('application/json'),
  body: z.string().min(1),
});
export type SamplePayload = z.infer<typeof samplePayloadSchema>;

/** Used when the pipeline sends no sample payloads: the smallest JSON request a model should answer. */
export const DEFAULT_SAMPLE_PAYLOADS: SamplePayload[] = [
  { contentType: 'application/json', body: '{"instances":[[0]]}' },
];

export const lifecycleInputSchema = z.object({
  modelPackageGroup: sageMakerName,
  /** The pipeline's key for this version (e.g. its training job name): a retried start finds the same workflow. */
  idempotencyKey: z
    .string()
    .regex(/^[a-zA-Z0-9._-]{1,128}$/, 'must be 1-128 letters, digits, dots, underscores or hyphens'),
  /** Identity that registered the version; it may not approve it. The API sets it from the caller's token. */
  registeredBy: z.string().min(1),
  description: z.string().max(1000).default(''),
  artifactUri: s3Uri,
  inferenceImage: z.string().min(1),
  /** Container environment for the model (the emulator reads EMULATOR_* variables from here). No secrets. */
  environment: z.record(z.string(), z.string()).default({}),
  metrics: z.record(z.string(), z.number()).default({}),
  lineage: lineageSchema,
  tags: z.record(z.string(), z.string()).default({}),
  samplePayloads: z.array(samplePayloadSchema).max(100).default([]),
  deployment: deploymentTargetSchema,
  approval: approvalPolicySchema.default(approvalPolicySchema.parse({})),
  /** How many earlier versions' models to keep after promotion, for a quick rollback. */
  retainPreviousVersions: z.number().int().min(0).max(10).default(1),
});

/** What callers send (defaults optional). */
export type LifecycleRequest = z.input<typeof lifecycleInputSchema>;
/** What the workflow works with (defaults applied). */
export type LifecycleInput = z.output<typeof lifecycleInputSchema>;

export interface FieldError {
  field: string;
  message: string;
}

export type ParseResult = { ok: true; value: LifecycleInput } | { ok: false; errors: FieldError[] };

export function parseLifecycleInput(raw: unknown): ParseResult {
  const result = lifecycleInputSchema.safeParse(raw);
  if (result.success) return { ok: true, value: result.data };
  return {
    ok: false,
    errors: result.error.issues.map((i) => ({ field: i.path.join('.') || '(root)', message: i.message })),
  };
}

/** Workflow ID from the group and the pipeline's key, so a retried start never creates a second version. */
export function lifecycleWorkflowId(modelPackageGroup: string, idempotencyKey: string): string {
  return `mv-${modelPackageGroup}-${idempotencyKey}`;
}
