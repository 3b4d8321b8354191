/**
 * The contract between the workflow (which decides) and the activities (which touch AWS).
 *
 * Workflows import these types only; `activities/` implements them with the AWS SDK clients.
 * Every activity is idempotent: names derive from the workflow ID and step (see resource-names.ts),
 * and "already exists with the same content" is success, so a retry after a crash goes on.
 */
import type { HealthPolicy, Lineage, SamplePayload } from './lifecycle-input';
import type { VersionMetrics } from './lifecycle-state';

/** ApplicationFailure types the activities raise and the workflow reacts to. */
export const ErrorTypes = {
  /** AWS rejected the request as invalid: retrying cannot help. Carries AWS's message. */
  Validation: 'AwsValidationError',
  /** The endpoint is still Creating/Updating: retried by the workflow's poll policy. */
  EndpointNotReady: 'EndpointNotReady',
  /** The endpoint reached Failed: not retried. */
  EndpointFailed: 'EndpointFailed',
  /** A resource that must exist does not. */
  NotFound: 'ResourceNotFound',
  /** The worker lacks a dependency an activity needs: fix the deployment, retrying cannot help. */
  WorkerMisconfigured: 'WorkerMisconfigured',
  /** The production endpoint does not serve exactly one approved version: no canary can start. */
  NoStableVersion: 'NoStableVersion',
  /** A clean-up delete found a resource the product did not create (no ownership tags): not retried. */
  NotOwned: 'ResourceNotOwned',
  /** A revert has nothing to go to: the version is unknown, not approved, serving already, or its model was pruned. */
  NoRevertTarget: 'NoRevertTarget',
} as const;

export interface RegisterVersionInput {
  /** Idempotency: the same workflow ID always yields the same package (ClientToken). */
  workflowId: string;
  modelPackageGroup: string;
  description: string;
  artifactUri: string;
  inferenceImage: string;
  environment: Record<string, string>;
  metrics: Record<string, number>;
  lineage: Lineage;
  tags: Record<string, string>;
  registeredBy: string;
  contentTypes: string[];
}

export interface RegisteredVersion {
  modelPackageArn: string;
  modelVersion: number;
}

export interface ApprovalDecisionInput {
  modelPackageArn: string;
  status: 'Approved' | 'Rejected';
  /** Who and why, with numbers where there are any; stored as the package's ApprovalDescription. */
  description: string;
  decidedBy: string;
}

/** Whom a created resource belongs to: written on it as ownership tags (activities/ownership-tags.ts). */
export interface ResourceOwner {
  /** The lifecycle's workflow ID. */
  lifecycleId: string;
  modelPackageGroup: string;
}

export interface VariantSpec {
  variantName: string;
  modelName: string;
  initialWeight: number;
  instanceType: string;
  initialInstanceCount: number;
}

export interface ServingVariant {
  variantName: string;
  modelName: string;
  /** Resolved from the model's container; absent for models not created from a package. */
  modelPackageArn?: string;
  /** The package's ModelApprovalStatus; absent when there is no package or it is gone. */
  approvalStatus?: string;
  /** The package's ServingEndpoint metadata names this endpoint (set by markServing on promotion). */
  markedServing: boolean;
  weight: number;
  instanceCount: number;
}

/** The variant runs what the registry approved and marked as serving this endpoint: a version to trust. */
export function isApprovedServing(v: ServingVariant): boolean {
  return v.approvalStatus === 'Approved' && v.markedServing;
}

export interface EndpointSnapshot {
  endpointName: string;
  /** SageMaker EndpointStatus: Creating, Updating, InService, Failed, … */
  status: string;
  endpointConfigName: string;
  variants: ServingVariant[];
  /** ShadowProductionVariants: they receive copies of production requests and serve nobody. */
  shadowVariants?: ServingVariant[];
}

export interface ValidationResult {
  index: number;
  ok: boolean;
  latencyMs: number;
  error?: string;
  /** How many times the payload was sent: a 5xx is retried once to tell a transient from a deterministic failure. */
  attempts?: number;
  /** The failure was a model 5xx that did not repeat on the retry: counted against the error limit, not fatal. */
  transient?: boolean;
}

export interface ValidationReport {
  endpointName: string;
  passed: boolean;
  budgetMs: number;
  maxLatencyMs: number;
  results: ValidationResult[];
  /** Human-readable reasons, empty when passed. */
  failures: string[];
  /** Payloads sent (retries included) and how many of those answers were model 5xx. */
  requests?: number;
  serverErrors?: number;
  /** Anytime-valid lower bound on the 5xx rate (α = the policy's budget), judged against maxErrorRate. */
  errorRateLowerBound?: number;
  maxErrorRate?: number;
}

export interface VariantHealth {
  variantName: string;
  invocations: number;
  errors5xx: number;
  errors4xx: number;
  /** 5xx / invocations, 0 when there were none. */
  errorRate: number;
  rate4xx: number;
  /**
   * The configured latency statistic in milliseconds over the aligned window, read from per-period
   * percentiles as the highest per-period value (an upper bound of the window's quantile); display only:
   * the verdict uses exceedance counts (see TestEvidence).
   */
  latencyMs: number | null;
  /** ModelLatency SampleCount over the window. */
  latencySamples?: number;
  /** Whole metric periods in the window with a datapoint. */
  periods?: number;
}

/** One statistical test at one look, with every number it used. */
export interface TestEvidence {
  /** e.g. `5xx-vs-stable`, `5xx-limit`, `4xx-limit`, `latency-limit`, `latency-body-vs-stable`, `latency-tail-vs-stable`, `guardrail:<name>`. */
  test: string;
  /** What the test counts as an event (e.g. "5xx", "latency > 412.3 ms"). */
  event: string;
  canaryEvents: number;
  canaryTrials: number;
  stableEvents?: number;
  stableTrials?: number;
  /** The null hypothesis' boundary: a rate (limit), or a ratio to stable (tolerance). */
  nullValue: number;
  /** Point estimate: canary rate, or canary/stable rate ratio. */
  estimate: number | null;
  /** Anytime-valid lower confidence bound (level 1-α of this test) of the estimate. */
  lowerBound: number;
  /** log10 of the mixture e-value (the statistic) and of its boundary 1/α_e (α_e = α × 0.1). */
  log10E: number;
  log10Boundary: number;
  /** This test's share of the lifecycle's false-rollback budget (e-process and final look together). */
  alpha: number;
  /**
   * At the bake's final look only (once per step, on the bake's periods): the fixed-horizon p-value
   * (mid-p for the comparisons with stable) and its level (α × 0.9).
   */
  pValue?: number;
  finalAlpha?: number;
  /** The final look's statistic where it is not this test's counts (the graded body test), in words. */
  finalTest?: string;
  rejected: boolean;
}

export interface HealthVerdict {
  at: string;
  endpointName: string;
  canaryWeight: number;
  status: 'healthy' | 'unhealthy' | 'insufficient-data';
  reasons: string[];
  canary: VariantHealth;
  stable?: VariantHealth;
  alarmsInAlarm: string[];
  windowStart: string;
  windowEnd: string;
  /** How many health checks this bake ran before its verdict (the look number). */
  checks: number;
  /** The statistical tests at the last look; absent on verdicts from before the sequential rule. */
  tests?: TestEvidence[];
  /** False-rollback budget: the lifecycle's α, this step's share, and what earlier steps and this one have used. */
  alpha?: { lifecycle: number; step: number; spentThroughStep: number };
}

export interface WatchHealthInput {
  endpointName: string;
  canaryVariant: string;
  /** Absent on a first deployment: only absolute limits apply. */
  stableVariant?: string;
  canaryWeight: number;
  /** The moment the step's weights took effect (epoch ms); the window starts at the next whole period. */
  sinceEpochMs: number;
  bakeSeconds: number;
  intervalSeconds: number;
  policy: HealthPolicy;
  /**
   * The ramp's canary weights (deployment.canarySteps, e.g. [10, 50, 100]; [100] on a first deployment)
   * and this bake's 0-based index in it: how the lifecycle's α is split over steps. Defaults: the
   * default ramp, and the index of `canaryWeight` in it.
   */
  canarySteps?: number[];
  stepIndex?: number;
}

/** Per step of the planned ramp: what this rollout can see within one bake at the configured α. */
export interface StepDetectability {
  canaryWeight: number;
  expectedCanaryRequests: number;
  expectedStableRequests: number;
  /** Smallest canary/stable 5xx ratio detected about half the time by the bake's end; null when none is. */
  minDetectableErrorRatio: number | null;
  /** Smallest whole-distribution latency factor detected about half the time; null when none is, or no latency data. */
  minDetectableSlowdown: number | null;
  /** The smallest canary 5xx rate that the absolute limit test flags about half the time. */
  minDetectableErrorRateOverLimit: number | null;
  /** Each test's α at this step (activities/health/budget.ts); 0 for comparisons at 100 %. */
  alphaPerTest: Record<string, number>;
}

export interface DetectabilityInput {
  endpointName: string;
  /** The variant serving now; absent on a first deployment (only absolute limits are assessed). */
  stableVariant?: string;
  canarySteps: number[];
  bakeSeconds: number;
  policy: HealthPolicy;
  /** How far back to measure the stable variant's traffic (default 3600 s). */
  lookbackSeconds?: number;
}

export interface DetectabilityReport {
  requestsPerSecond: number;
  stableErrorRate: number;
  latencyP50Ms: number | null;
  latencyP99Ms: number | null;
  perStep: StepDetectability[];
  /** Set when no step can see a doubling of the error rate within its bake. */
  warning?: string;
}

export interface LifecycleNotification {
  kind:
    | 'promoted'
    | 'rolled-back'
    | 'shadow-rejected'
    | 'rejected'
    | 'expired'
    | 'validation-failed'
    | 'cancelled'
    | 'needs-attention'
    | 'released'
    | 'refused-by-aws'
    | 'reverted'
    | 'revert-failed'
    | 'watch-unhealthy'
    | 'withdrawn'
    | 'withdrawal-blocked';
  workflowId: string;
  modelPackageGroup: string;
  modelPackageArn?: string;
  modelVersion?: number;
  endpointName: string;
  reason: string;
  evidence?: HealthVerdict;
}

export interface ServingVersionLineage {
  variantName: string;
  weight: number;
  modelName: string;
  modelPackageArn?: string;
  modelVersion?: number;
  approvalStatus?: string;
  approvalDescription?: string;
  approvedBy?: string;
  registeredBy?: string;
  lineage?: Partial<Lineage>;
  metrics?: Record<string, number>;
  servingSince?: string;
}

export interface ServingLineage {
  endpointName: string;
  status: string;
  endpointConfigName: string;
  variants: ServingVersionLineage[];
}

export interface PruneRetiredModelsInput {
  modelPackageGroup: string;
  /** Never deleted, whatever else holds: e.g. the model just promoted and the one it replaced. */
  keep: string[];
  /**
   * How many of the group's most recently retired versions (package Approved, once served, since
   * replaced) keep their model, so that a revert to an earlier approved version can deploy it.
   */
  retain: number;
}

export interface PruneReport {
  deleted: string[];
  /** Retired models kept by the retention, most recently retired first. */
  retained: string[];
  /** Why nothing was deleted, when pruning refused to judge (e.g. an endpoint's models are unknown). */
  refused?: string;
}

/** CloudWatch alarms on one variant's metrics, for SageMaker's AutoRollbackConfiguration. */
export interface RollbackAlarmsInput {
  endpointName: string;
  variantName: string;
  /** Alarm names start with this (derived from the workflow ID: a retry finds its own). */
  alarmPrefix: string;
  maxErrorRate: number;
  maxLatencyMs: number;
  periodSeconds: number;
  datapointsToAlarm: number;
  evaluationPeriods: number;
}

export interface GuardedUpdateInput {
  endpointName: string;
  endpointConfigName: string;
  trafficRouting: 'CANARY' | 'LINEAR';
  stepPercent: number;
  waitIntervalSeconds: number;
  terminationWaitSeconds: number;
  maximumExecutionTimeoutSeconds: number;
  alarmNames: string[];
}

export interface GuardedUpdateOutcome {
  outcome: 'deployed' | 'rolled-back';
  endpointConfigName: string;
  failureReason?: string;
  lastDeploymentConfig?: unknown;
}

/** Strategy guardrails: SageMaker's blue/green deployment with alarm-based auto-rollback. */
export interface GuardedDeploymentActivities {
  /** PutMetricAlarm on the variant's 5xx rate (Invocation5XXErrors Average) and p99 ModelLatency; returns the names. */
  createRollbackAlarms(input: RollbackAlarmsInput): Promise<string[]>;
  deleteAlarms(alarmNames: string[]): Promise<void>;
  /** UpdateEndpoint with the DeploymentConfig; nothing when the endpoint is already on (or moving to) the config. */
  startGuardedUpdate(input: GuardedUpdateInput): Promise<'updated' | 'unchanged'>;
  /**
   * Returns once SageMaker's deployment has ended: InService on `endpointConfigName` (deployed) or
   * back on another config (rolled-back, with FailureReason). Retryable EndpointNotReady meanwhile.
   */
  followGuardedUpdate(input: {
    endpointName: string;
    endpointConfigName: string;
  }): Promise<GuardedUpdateOutcome>;
}

/** Where a revert goes from and to, as read from the endpoint and the registry. */
export interface RevertPlan {
  endpointName: string;
  modelPackageGroup: string;
  /** The instance type the endpoint runs now: the version reverted to runs on the same. */
  instanceType: string;
  from: {
    modelPackageArn: string;
    modelVersion: number;
    modelName: string;
    variantName: string;
    instanceCount: number;
  };
  to: { modelPackageArn: string; modelVersion: number; modelName: string };
}

/** The previous version's numbers from the canary's healthy verdicts: what the promoted one is held to. */
export interface PromotionBaseline {
  /** The variant they were measured on (the stable one during the canary). */
  variantName: string;
  invocations: number;
  errors5xx: number;
  /** The highest latency statistic the verdicts recorded for it (ms); null when none did. */
  latencyMs: number | null;
  verdicts: number;
}

export interface WatchPromotedInput {
  endpointName: string;
  /** The promoted variant and model: the watch ends once the endpoint serves anything else. */
  variantName: string;
  modelName: string;
  /** The lifecycle watching: a lock held by anyone else means a new deployment (the watch ends). */
  lifecycleId: string;
  sinceEpochMs: number;
  watchSeconds: number;
  intervalSeconds: number;
  policy: HealthPolicy;
  baseline: PromotionBaseline;
}

export interface WatchPromotedResult {
  status: 'healthy' | 'unhealthy' | 'superseded' | 'inconclusive';
  checks: number;
  verdict?: HealthVerdict;
  /** superseded: what ended the watch. */
  reason?: string;
  /** The limits derived from the baseline that the verdicts used. */
  limits: { maxErrorRate: number; maxLatencyMs: number };
}

export interface PlanRevertInput {
  endpointName: string;
  /** A named version of the serving version's group; absent: the one that served before it. */
  toVersion?: number;
}

export interface LifecycleActivities extends DetectabilityActivities, GuardedDeploymentActivities {
  /**
   * Reads the endpoint (it must serve one variant from a registered package) and finds the version to
   * go back to: the named version, or the approved version most recently retired from this endpoint,
   * whose model still exists. Non-retryable NoRevertTarget when there is none, NoStableVersion when
   * the endpoint is not on exactly one version.
   */
  planRevert(input: PlanRevertInput): Promise<RevertPlan>;
  /** Post-promotion watch: heartbeating, judged against the previous version's baseline (see health/post-promotion-watch.ts). */
  watchPromoted(input: WatchPromotedInput): Promise<WatchPromotedResult>;
  /**
   * Pins the run to the worker build that runs it (a versioning override), so it finishes on that
   * build; 'unversioned' when the worker has no deployment version.
   */
  pinToBuild(input: {
    workflowId: string;
    runId: string;
    version?: { deploymentName: string; buildId: string };
  }): Promise<'pinned' | 'unversioned'>;
  /** Ensure the group (with tags), then create the package as PendingManualApproval; idempotent. */
  registerModelVersion(input: RegisterVersionInput): Promise<RegisteredVersion>;
  /** Metrics of a registered version, for the approval comparison. */
  describeVersionMetrics(modelPackageArn: string): Promise<VersionMetrics>;
  /** UpdateModelPackage with status and description. */
  recordApprovalDecision(input: ApprovalDecisionInput): Promise<void>;
  /** The endpoint as it is now, null when it does not exist. */
  describeEndpoint(endpointName: string): Promise<EndpointSnapshot | null>;
  /** CreateModel from the package, tagged with its owner; an existing model of that name is success. */
  createModelFromPackage(input: {
    modelName: string;
    modelPackageArn: string;
    owner: ResourceOwner;
  }): Promise<void>;
  /** CreateEndpointConfig tagged with its owner; an existing config with the same variants is success. */
  createEndpointConfig(input: {
    endpointConfigName: string;
    variants: VariantSpec[];
    /** ShadowProductionVariants (SageMaker: then exactly one production and one shadow variant). */
    shadowVariants?: VariantSpec[];
    owner: ResourceOwner;
  }): Promise<void>;
  /**
   * Create the endpoint on this config (tagged with `owner`), or UpdateEndpoint to it; nothing when
   * it is already on it. An existing endpoint keeps its tags: it may predate the product.
   */
  deployEndpointConfig(input: {
    endpointName: string;
    endpointConfigName: string;
    owner: ResourceOwner;
    /**
     * The endpoint is this lifecycle's alone (staging): an existing one is touched only when its
     * tags name `owner`'s lifecycle and group, else non-retryable NotOwned.
     */
    exclusive?: boolean;
  }): Promise<'created' | 'updated' | 'unchanged'>;
  /**
   * Returns once the endpoint is InService (on `endpointConfigName` when given). While it is Creating or
   * Updating it throws a retryable EndpointNotReady, so the wait is an activity retry loop that
   * frees the worker slot between polls and adds nothing to history.
   */
  awaitEndpointInService(input: {
    endpointName: string;
    endpointConfigName?: string;
    /** Also wait until every variant's CurrentWeight equals its DesiredWeight (after a weight change). */
    weightsSettled?: boolean;
  }): Promise<EndpointSnapshot>;
  /** UpdateEndpointWeightsAndCapacities; nothing when the weights are already so. */
  setVariantWeights(input: {
    endpointName: string;
    weights: Record<string, number>;
    /** DesiredInstanceCount per variant, for the variants whose capacity changes with the weights. */
    instanceCounts?: Record<string, number>;
  }): Promise<void>;
  /**
   * Invoke the endpoint with each payload: every answer well-formed and within budget; a model 5xx is
   * retried once, and transient 5xx are judged against `maxErrorRate` on a confidence bound. Heartbeats.
   */
  validateEndpoint(input: {
    endpointName: string;
    payloads: SamplePayload[];
    latencyBudgetMs: number;
    /** Defaults: 0.05 and 0.01. */
    maxErrorRate?: number;
    alpha?: number;
  }): Promise<ValidationReport>;

  /** Heartbeating watch over one bake: returns early on an unhealthy verdict. */
  watchHealth(input: WatchHealthInput): Promise<HealthVerdict>;
  /**
   * Each delete treats "not found" as success, and refuses (non-retryable NotOwned) a resource
   * without the product's ownership tags or, when `owner` is given, one another lifecycle or group
   * created.
   */
  deleteEndpoint(endpointName: string, owner?: ResourceOwner): Promise<void>;
  deleteEndpointConfig(endpointConfigName: string, owner?: ResourceOwner): Promise<void>;
  deleteModel(modelName: string, owner?: ResourceOwner): Promise<void>;
  /** Mark the package as serving production (CustomerMetadataProperties); unmark the one it replaced. */
  markServing(input: {
    modelPackageArn: string;
    endpointName: string;
    since: string;
    replacedModelPackageArn?: string;
  }): Promise<void>;
  /**
   * Delete the group's retired models beyond the retention; returns the names deleted. Only models
   * tagged as this product's for this group; never one in `keep`, one any endpoint's current or
   * pending config refers to, or one whose version is not yet retired (awaiting approval, in
   * staging or canary: Approved but never served). Deletes nothing, and says why, when any
   * endpoint's models cannot be resolved.
   */
  pruneRetiredModels(input: PruneRetiredModelsInput): Promise<PruneReport>;
  /** POST the notification to the configured webhook; nothing when none is configured. */
  notify(notification: LifecycleNotification): Promise<void>;
  /** Which version, trained on which data and commit, serves the endpoint, and who approved it. */
  describeServingLineage(endpointName: string): Promise<ServingLineage | null>;
  /** Ask the endpoint's lock workflow for the lock (signal-with-start); the grant arrives as a signal. */
  requestEndpointLock(input: {
    endpointName: string;
    requesterWorkflowId: string;
    requesterRunId?: string;
  }): Promise<void>;
  /** Give the lock back with the grant's token (none: leave the queue); safe when it is not held. */
  releaseEndpointLock(input: {
    endpointName: string;
    requesterWorkflowId: string;
    requesterRunId?: string;
    token?: string;
  }): Promise<void>;
  /** Lock liveness: is this exact run (a reset makes a new one) of the holder still running? */
  describeLockHolder(input: { workflowId: string; runId?: string }): Promise<LockHolderStatus>;
  /** For a fresh lock run: lifecycles still running on the endpoint, holding it or waiting for it. */
  findEndpointLockUsers(input: { endpointName: string }): Promise<EndpointLockUsers>;
}

export interface LockHolderStatus {
  running: boolean;
  /** Temporal's execution status (RUNNING, TERMINATED, …) or NOT_FOUND. */
  status: string;
  /**
   * When this run is closed but a newer run of the same workflow ID runs at or past the lock step (a
   * reset to a point after the request): that run, which carries or will receive the grant.
   */
  successorRunId?: string;
}

export interface LockUser {
  workflowId: string;
  runId: string;
  stage: string;
}

export interface EndpointLockUsers {
  /** Past the lock step and not closed: they hold (or held) the endpoint. Oldest first. */
  holders: LockUser[];
  /** In `waiting-for-endpoint`. Oldest first. */
  waiters: LockUser[];
}

/**
 * Kept apart from LifecycleActivities until the workflow calls it (the worker already registers it:
 * createActivities spreads the health factory); merge it in then.
 */
export interface DetectabilityActivities {
  /** Before the rollout: from the stable variant's recent traffic, what each step can detect. */
  assessDetectability(input: DetectabilityInput): Promise<DetectabilityReport>;
}
