/**
 * Reverting an endpoint to an earlier approved version: the request (validated at the API and again
 * as the workflow's first step), the revert workflow's state, and its messages. Pure: workflow code
 * imports it.
 *
 * A revert is a workflow of its own (`endpointRevert`), not a lifecycle command: the lifecycle that
 * promoted the version may long have ended, and a revert may go to a version no running lifecycle owns.
 */
import { defineQuery } from '@temporalio/workflow';
import { z } from 'zod';
import type { HealthVerdict } from './activity-contracts';
import { ENTITY_NAME } from './sagemaker-limits';
import { DEFAULT_CANARY_STEPS, healthPolicySchema } from './lifecycle-input';

export const REVERT_WORKFLOW_TYPE = 'endpointRevert';

/** Why a revert was started: by hand, by the post-promotion watch, or by a withdrawal in the registry. */
export const REVERT_CAUSES = ['operator', 'post-promotion-watch', 'withdrawal'] as const;
export type RevertCause = (typeof REVERT_CAUSES)[number];

const endpointName = z
  .string()
  .max(ENTITY_NAME.max, `must be at most ${ENTITY_NAME.max} characters`)
  .regex(ENTITY_NAME.pattern, 'must be a SageMaker endpoint name');

/** What an operator sends to POST /endpoints/:name/revert. */
export const revertBodySchema = z.strictObject({
  reason: z.string().trim().min(1, 'must say why').max(1000),
  /** A named earlier version of the group; absent: the approved version that served before the current one. */
  toVersion: z.number().int().positive().optional(),
  /** Go through the canary steps with health bakes instead of one traffic shift. */
  canary: z.boolean().default(false),
});
export type RevertBody = z.output<typeof revertBodySchema>;

export const revertRequestSchema = z.strictObject({
  endpointName,
  by: z.string().min(1).max(256),
  reason: z.string().min(1).max(1000),
  cause: z.enum(REVERT_CAUSES),
  toVersion: z.number().int().positive().optional(),
  canary: z.boolean().default(false),
  /** Revert only while this package still serves the endpoint: a deployment since then wins (`superseded`). */
  expectedFromArn: z.string().min(1).max(2048).optional(),
  /** The lifecycle that asked for it (watch, withdrawal): recorded, and told nothing else. */
  requestedBy: z.string().max(255).optional(),
  evidence: z.custom<HealthVerdict>().optional(),
  endpointPollSeconds: z.number().int().min(1).max(3600).default(5),
  endpointTimeoutSeconds: z.number().int().min(1).max(86_400).default(3600),
  /** --canary only: the steps, bake and health rule, as a lifecycle's canary uses them. */
  canarySteps: z
    .array(z.number().int().min(1).max(100))
    .min(1)
    .default([...DEFAULT_CANARY_STEPS]),
  bakeSeconds: z.number().int().min(1).max(86_400).default(600),
  healthCheckIntervalSeconds: z.number().int().min(1).max(3600).default(60),
  health: healthPolicySchema.default(healthPolicySchema.parse({})),
});
export type RevertRequest = z.input<typeof revertRequestSchema>;
export type RevertInput = z.output<typeof revertRequestSchema>;

export const REVERT_STAGES = [
  'waiting-for-endpoint',
  'reverting',
  'needs-attention',
  /** Done: the endpoint serves the version reverted to, and the registry says so. */
  'reverted',
  /** The endpoint no longer served the version to revert from (a deployment since): nothing done. */
  'superseded',
  /** Nothing to revert to (unknown, pruned, not approved) or an endpoint not on one version: nothing done. */
  'refused',
  /** A withdrawal with no earlier approved version to go to: nothing torn down, the version keeps serving. */
  'withdrawal-blocked',
  /** The shift failed and the endpoint is back on the version reverted from. */
  'failed',
  /** An operator released a revert in needs-attention after fixing the endpoint by hand. */
  'released',
] as const;
export type RevertStage = (typeof REVERT_STAGES)[number];

export interface RevertSide {
  modelPackageArn: string;
  modelVersion: number;
  modelName: string;
  variantName: string;
  instanceCount: number;
}

export interface RevertState {
  workflowId: string;
  endpointName: string;
  stage: RevertStage;
  cause: RevertCause;
  by: string;
  reason: string;
  requestedBy?: string;
  modelPackageGroup?: string;
  from?: RevertSide;
  to?: RevertSide;
  canary: boolean;
  /** The traffic each step gave the version reverted to (--canary), or [100]. */
  steps: number[];
  verdicts: HealthVerdict[];
  evidence?: HealthVerdict;
  transitions: { stage: RevertStage; at: string; actor: string; note?: string }[];
  attention?: { problem: string; since: string; accepts: ('retry-rollback' | 'release')[] };
  warnings: { at: string; text: string }[];
  notifications: { kind: string; at: string; delivered: boolean; error?: string }[];
  outcome?: string;
}

export const revertStateQuery = defineQuery<RevertState>('revertState');

export function revertWorkflowId(endpointName: string, requestId: string): string {
  return `revert-${endpointName}-${requestId}`;
}

export const isFinalRevertStage = (stage: RevertStage) =>
  !['waiting-for-endpoint', 'reverting', 'needs-attention'].includes(stage);
