/**
 * Signals, queries and updates of the lifecycle workflow, defined once for workflows, clients and tests.
 *
 * Signals serve the Temporal UI and CLI (fire-and-forget; a command that does not fit the stage is
 * recorded as refused in `state.commands`). The `command` update serves the API: its validator
 * refuses a command that does not fit the stage before anything is written, so the caller gets a
 * synchronous answer (HTTP 409) instead of a silent drop.
 */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { LifecycleState } from './lifecycle-state';

export const LIFECYCLE_WORKFLOW_TYPE = 'modelVersionLifecycle';

export const COMMAND_ACTIONS = [
  'approve',
  'reject',
  'rollback',
  'pause',
  'resume',
  'promote',
  'retry-rollback',
  'release',
] as const;
export type CommandAction = (typeof COMMAND_ACTIONS)[number];

/** Who sent a command and why. `by` is the caller's authenticated identity, never a body field. */
export interface CommandPayload {
  by: string;
  reason?: string;
}

export interface LifecycleCommand extends CommandPayload {
  action: CommandAction;
}

export interface CommandResult {
  accepted: boolean;
  /** Why the workflow refused it (e.g. the registrant approving their own version). */
  refusal?: string;
  stage: LifecycleState['stage'];
}

export const approveSignal = defineSignal<[CommandPayload]>('approve');
export const rejectSignal = defineSignal<[CommandPayload]>('reject');
export const rollbackSignal = defineSignal<[CommandPayload]>('rollback');
export const pauseSignal = defineSignal<[CommandPayload]>('pause');
export const resumeSignal = defineSignal<[CommandPayload]>('resume');
export const promoteSignal = defineSignal<[CommandPayload]>('promote');
/** needs-attention only: run the failed rollback again. */
export const retryRollbackSignal = defineSignal<[CommandPayload]>('retry-rollback');
/** needs-attention only: the operator has put the endpoint right by hand; end and free the endpoint. */
export const releaseSignal = defineSignal<[CommandPayload]>('release');

export const commandSignals = {
  approve: approveSignal,
  reject: rejectSignal,
  rollback: rollbackSignal,
  pause: pauseSignal,
  resume: resumeSignal,
  promote: promoteSignal,
  'retry-rollback': retryRollbackSignal,
  release: releaseSignal,
} as const;

/**
 * A decision refused before it reached the workflow's rules (a SageMaker Studio user with no mapped
 * identity, a decision that no longer fits): recorded in `state.commands`, so the lifecycle's own
 * record shows every decision anyone tried, not only the ones it judged.
 */
export const refusedDecisionSignal =
  defineSignal<[{ action: 'approve' | 'reject'; by: string; reason?: string; refusal: string }]>(
    'refusedDecision',
  );

export const commandUpdate = defineUpdate<CommandResult, [LifecycleCommand]>('command');

export const stateQuery = defineQuery<LifecycleState>('state');

/**
 * Lock workflow (one per production endpoint): one deployment at a time, the others queue.
 * A requester is one run (workflow ID and run ID): a reset makes a new run, which is a new requester.
 */
export const ENDPOINT_LOCK_WORKFLOW_TYPE = 'endpointLock';

export interface LockRequester {
  requesterWorkflowId: string;
  /** Absent only in signals sent before run IDs were carried; the latest run is then assumed. */
  requesterRunId?: string;
}
export const acquireLockSignal = defineSignal<[LockRequester]>('acquireLock');
/**
 * Frees the lock only with the current grant's token. Without a token it withdraws the requester from
 * the queue (it gave up before its grant); anything else is ignored and recorded in `lockHolder`.
 */
export const releaseLockSignal = defineSignal<[LockRequester & { token?: string }]>('releaseLock');
/** Sent by the lock workflow to the requester when the lock is its; `token` releases this grant. */
export const lockGrantedSignal = defineSignal<[{ endpointName: string; token?: string }]>('lockGranted');

export interface LockGrantView {
  workflowId: string;
  runId?: string;
  since: string;
  /** Why it holds: 'granted', 'recovered' (found running on the endpoint by a fresh lock run). */
  how: 'granted' | 'recovered';
}
export interface LockView {
  endpointName: string;
  /** The holder's workflow ID (kept a string for existing readers); details in `grant`. */
  holder: string | null;
  grant: LockGrantView | null;
  /** Waiting workflow IDs, first in line first. */
  queue: string[];
  /** Releases that did not match the current grant, newest last (bounded). */
  ignoredReleases: { requesterWorkflowId: string; at: string; why: string }[];
  /** Holders the liveness check found closed, newest last (bounded). */
  expiredHolders: { workflowId: string; at: string; status: string }[];
  livenessCheckSeconds: number;
}
export const lockHolderQuery = defineQuery<LockView>('lockHolder');

/** Where a waiting lifecycle stands, as the API shows it: 1 is next in line. */
export interface LockPosition {
  position: number | null;
  holder: string | null;
}
export function lockPositionOf(view: LockView, workflowId: string): LockPosition {
  const i = view.queue.indexOf(workflowId);
  return { position: i >= 0 ? i + 1 : null, holder: view.holder };
}

export function endpointLockWorkflowId(endpointName: string): string {
  return `endpoint-lock-${endpointName}`;
}
