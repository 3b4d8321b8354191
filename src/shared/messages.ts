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

export const commandUpdate = defineUpdate<CommandResult, [LifecycleCommand]>('command');

export const stateQuery = defineQuery<LifecycleState>('state');

/** Lock workflow (one per production endpoint): one deployment at a time, the others queue. */
export const ENDPOINT_LOCK_WORKFLOW_TYPE = 'endpointLock';
export const acquireLockSignal = defineSignal<[{ requesterWorkflowId: string }]>('acquireLock');
export const releaseLockSignal = defineSignal<[{ requesterWorkflowId: string }]>('releaseLock');
/** Sent by the lock workflow to the requester when the lock is its. */
export const lockGrantedSignal = defineSignal<[{ endpointName: string }]>('lockGranted');
export const lockHolderQuery = defineQuery<{ holder: string | null; queue: string[] }>('lockHolder');

export function endpointLockWorkflowId(endpointName: string): string {
  return `endpoint-lock-${endpointName}`;
}
