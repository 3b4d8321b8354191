/**
 * What the `state` query returns: everything an approver, operator or auditor needs to see about one
 * model version, kept small (its size depends on the number of steps, not on time).
 */
import type { DetectabilityReport, HealthVerdict, ValidationReport } from './activity-contracts';
import type { AwsRefusal } from './aws-refusal';

export const ACTIVE_STAGES = [
  'registering',
  'awaiting-approval',
  'deploying-staging',
  'validating',
  'waiting-for-endpoint',
  /** The new version as a shadow variant: a copy of production traffic, answering nobody. */
  'shadow',
  /** Strategy guardrails: SageMaker's blue/green deployment shifts the traffic and watches the alarms. */
  'guardrails',
  'deploying-canary',
  'canary',
  'promoting',
  /** Promoted; judged against the previous version's baseline for `deployment.watchSeconds`, lock released. */
  'watching',
  'rolling-back',
  /** A rollback could not complete: the lock is kept until an operator retries it or releases. */
  'needs-attention',
] as const;

export const FINAL_STAGES = [
  'promoted',
  'rejected',
  'expired',
  'validation-failed',
  'rolled-back',
  /** The shadow stage judged the version unhealthy: rejected before any user was served by it. */
  'shadow-rejected',
  'failed',
  'cancelled',
  /** An operator released a lifecycle in needs-attention after fixing the endpoint by hand. */
  'released',
  /** AWS refused a request as invalid before production was touched (a limit the API does not check). */
  'refused-by-aws',
  /** Promoted, then found unhealthy by the post-promotion watch or withdrawn: the endpoint went back to an earlier version. */
  'reverted',
] as const;

export type ActiveStage = (typeof ACTIVE_STAGES)[number];
export type FinalStage = (typeof FINAL_STAGES)[number];
export type LifecycleStage = ActiveStage | FinalStage;

export function isFinalStage(stage: LifecycleStage): stage is FinalStage {
  return (FINAL_STAGES as readonly string[]).includes(stage);
}

export interface StageTransition {
  stage: LifecycleStage;
  at: string;
  actor: string;
  note?: string;
}

/** Every command received, accepted or refused, so nothing an approver or operator sent is silently lost. */
export interface CommandRecord {
  action: string;
  by: string;
  reason?: string;
  at: string;
  accepted: boolean;
  /** Why it was refused, when it was. */
  refusal?: string;
}

export interface VersionMetrics {
  modelPackageArn: string;
  modelVersion: number;
  metrics: Record<string, number>;
}

export interface ApprovalState {
  mode: 'manual' | 'quorum' | 'automatic';
  requiredApprovals: number;
  deadline: string;
  approvals: { by: string; comment?: string; at: string }[];
  /** The new version's metrics beside those of the version now serving production (null on first deployment). */
  comparison: { candidate: Record<string, number>; production: VersionMetrics | null };
  decision?: { status: 'Approved' | 'Rejected'; by: string; reason: string; at: string };
}

export interface CanaryState {
  endpointName: string;
  firstDeployment: boolean;
  stableVariant?: string;
  canaryVariant: string;
  steps: number[];
  /** Index into `steps` of the step being baked, -1 before the first step. */
  stepIndex: number;
  canaryWeight: number;
  paused: boolean;
  bakeStartedAt?: string;
  /** Instances per variant as last set: the canary's follow its weight, the stable's stay. */
  instances?: { stable?: number; canary: number };
}

/** `shadow`: the shadow stage's health verdict (the version never served a user). */
export type RollbackCause = 'health' | 'shadow' | 'operator' | 'failure' | 'cancelled' | 'pause-limit';

/** Strategy guardrails: the deployment SageMaker ran, and its own outcome. */
export interface GuardrailsState {
  endpointName: string;
  trafficRouting: 'CANARY' | 'LINEAR';
  stepPercent: number;
  waitIntervalSeconds: number;
  terminationWaitSeconds: number;
  /** Every alarm of the AutoRollbackConfiguration; `createdAlarms` are the lifecycle's own (deleted at the end). */
  alarms: string[];
  createdAlarms: string[];
  instances: number;
  startedAt?: string;
  /** SageMaker's outcome: the endpoint on the new config (deployed) or back on the old one (rolled-back). */
  outcome?: 'deployed' | 'rolled-back';
  /** SageMaker's FailureReason when it rolled back. */
  failureReason?: string;
  /** DescribeEndpoint's LastDeploymentConfig at the end, as SageMaker recorded it. */
  lastDeploymentConfig?: unknown;
  alarmsDeleted?: boolean;
}

/** The shadow stage as it went: what was mirrored, the verdict, and the instances it ran on. */
export interface ShadowState {
  endpointName: string;
  stableVariant: string;
  shadowVariant: string;
  trafficPercent: number;
  instances: number;
  startedAt?: string;
  verdict?: HealthVerdict;
  /** Why there was no shadow stage although the input asked for one (a first deployment). */
  skipped?: string;
}

export interface RollbackRecord {
  cause: RollbackCause;
  by: string;
  reason: string;
  at: string;
  evidence?: HealthVerdict;
}

/** Why the lifecycle waits for an operator, and what it accepts. */
export interface AttentionRecord {
  problem: string;
  since: string;
  accepts: ('retry-rollback' | 'release')[];
}

/** A notification the webhook did not take; notifications never change an outcome. */
export interface NotificationRecord {
  kind: string;
  at: string;
  delivered: boolean;
  error?: string;
}

/** The post-promotion watch: the baseline, the limits it gave, and how it ended. */
export interface WatchState {
  watchSeconds: number;
  startedAt: string;
  baseline: import('./activity-contracts').PromotionBaseline;
  limits?: { maxErrorRate: number; maxLatencyMs: number };
  checks?: number;
  /** The watch's last verdict: the evidence of an unhealthy one. */
  verdict?: import('./activity-contracts').HealthVerdict;
  result?: 'healthy' | 'unhealthy' | 'superseded' | 'inconclusive' | 'cancelled' | 'failed';
  note?: string;
  /** The revert the watch started (unhealthy), with how it ended. */
  revert?: { workflowId: string; stage: string; outcome?: string };
}

export interface LifecycleState {
  workflowId: string;
  stage: LifecycleStage;
  modelPackageGroup: string;
  idempotencyKey: string;
  registeredBy: string;
  modelPackageArn?: string;
  modelVersion?: number;
  productionEndpointName: string;
  stagingEndpointName?: string;
  transitions: StageTransition[];
  commands: CommandRecord[];
  approval?: ApprovalState;
  validation?: ValidationReport;
  /** Strategy guardrails: SageMaker's deployment and outcome. */
  guardrails?: GuardrailsState;
  /** The shadow stage, when the input asked for one. */
  shadow?: ShadowState;
  canary?: CanaryState;
  verdicts: HealthVerdict[];
  rollback?: RollbackRecord;
  attention?: AttentionRecord;
  /** What AWS said when it refused a request (stage refused-by-aws). */
  refusal?: AwsRefusal;
  /** What the canary's health checks can see at this endpoint's traffic, stated before the rollout. */
  detectability?: DetectabilityReport;
  notifications: NotificationRecord[];
  /** Clean-up steps that failed without changing the outcome (a config left behind, a mark not moved). */
  warnings: { at: string; text: string }[];
  /** After promotion: the watch against the previous version's baseline. */
  watch?: WatchState;
  /** One line on why the lifecycle ended where it did. */
  outcome?: string;
}
