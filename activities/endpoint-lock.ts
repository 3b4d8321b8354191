/**
 * One deployment at a time per production endpoint: the lock is a workflow per endpoint (written in
 * workflows/), reached by signal-with-start so the first requester creates it. The grant comes back to
 * the requester as a `lockGranted` signal carrying the grant's token.
 *
 * Two read-only activities serve the lock workflow itself: `describeLockHolder` (is the holder's run
 * still running?) and `findEndpointLockUsers` (which lifecycles on this endpoint hold or wait, from
 * Temporal visibility, for a lock run that starts without carried state).
 */
import { WorkflowNotFoundError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/activity';
import type { LifecycleActivities, LockUser } from '../src/shared/activity-contracts';
import type { LifecycleStage } from '../src/shared/lifecycle-state';
import {
  acquireLockSignal,
  ENDPOINT_LOCK_WORKFLOW_TYPE,
  endpointLockWorkflowId,
  LIFECYCLE_WORKFLOW_TYPE,
  releaseLockSignal,
} from '../src/shared/messages';
import { REVERT_WORKFLOW_TYPE } from '../src/shared/revert';
import { EndpointNameKey, LifecycleStageKey } from '../src/shared/search-attributes';
import type { ActivityDeps } from './deps';

/**
 * Stages that come before the lock step, or end a run that never reached it. Every other stage of a
 * running lifecycle counts as holding the endpoint: a stage added later fails closed (holds), never open.
 */
const NEVER_HOLDING: ReadonlySet<string> = new Set<LifecycleStage>([
  'registering',
  'awaiting-approval',
  'deploying-staging',
  'validating',
  'rejected',
  'expired',
  'validation-failed',
  // Promoted, and judged after promotion: the lock was released at promotion.
  'watching',
]);
const WAITING: LifecycleStage = 'waiting-for-endpoint';
const holds = (stage: string) => stage !== WAITING && !NEVER_HOLDING.has(stage);

export function createEndpointLockActivities(
  deps: Pick<ActivityDeps, 'temporal'>,
): Pick<
  LifecycleActivities,
  'requestEndpointLock' | 'releaseEndpointLock' | 'describeLockHolder' | 'findEndpointLockUsers'
> {
  const temporal = () => {
    if (!deps.temporal) {
      throw ApplicationFailure.nonRetryable(
        'the endpoint lock needs a Temporal client: pass `temporal` to createActivities',
        'WorkerMisconfigured',
      );
    }
    return deps.temporal;
  };
  return {
    async requestEndpointLock({ endpointName, requesterWorkflowId, requesterRunId }) {
      const { client, taskQueue, lockLivenessCheckSeconds } = temporal();
      await client.workflow.signalWithStart(ENDPOINT_LOCK_WORKFLOW_TYPE, {
        workflowId: endpointLockWorkflowId(endpointName),
        taskQueue,
        args: [
          {
            endpointName,
            ...(lockLivenessCheckSeconds ? { livenessCheckSeconds: lockLivenessCheckSeconds } : {}),
          },
        ],
        signal: acquireLockSignal,
        signalArgs: [{ requesterWorkflowId, ...(requesterRunId ? { requesterRunId } : {}) }],
      });
    },
    async releaseEndpointLock({ endpointName, ...release }) {
      const { client } = temporal();
      try {
        await client.workflow
          .getHandle(endpointLockWorkflowId(endpointName))
          .signal(releaseLockSignal, release);
      } catch (err) {
        // No running lock workflow: nobody holds the lock, so there is nothing to give back.
        if (!(err instanceof WorkflowNotFoundError)) throw err;
      }
    },
    async describeLockHolder({ workflowId, runId }) {
      const { client } = temporal();
      const describe = async (id: string, run?: string) => {
        try {
          return await client.workflow.getHandle(id, run).describe();
        } catch (err) {
          // Gone from the namespace (retention elapsed, or never existed): certainly not running.
          if (err instanceof WorkflowNotFoundError) return undefined;
          throw err;
        }
      };
      const exact = await describe(workflowId, runId);
      const status = exact?.status.name ?? 'NOT_FOUND';
      if (status === 'RUNNING') return { running: true, status };
      if (!runId) return { running: false, status };
      // A reset closes the run and starts a new one from a point in its history. If that point is at or
      // past the lock step, the new run has (or is about to process) the grant in its history and will
      // act as the holder: the grant must follow it. `waiting-for-endpoint` counts too, because the
      // grant signal may be in its history but not yet handled. Lifecycle IDs are never reused
      // (REJECT_DUPLICATE), so a newer run of the holder's ID comes from a reset or a continue-as-new.
      const latest = await describe(workflowId);
      const stage = latest?.typedSearchAttributes.get(LifecycleStageKey);
      const successorHolds =
        latest?.status.name === 'RUNNING' &&
        latest.runId !== runId &&
        stage !== undefined &&
        (stage === WAITING || holds(stage));
      return { running: false, status, ...(successorHolds ? { successorRunId: latest.runId } : {}) };
    },
    async findEndpointLockUsers({ endpointName }) {
      const { client } = temporal();
      const holders: (LockUser & { started: number })[] = [];
      const waiters: (LockUser & { started: number })[] = [];
      const query =
        // Reverts take the lock too, and record their stage under the same search attributes.
        `(WorkflowType = '${LIFECYCLE_WORKFLOW_TYPE}' OR WorkflowType = '${REVERT_WORKFLOW_TYPE}') AND ` +
        `ExecutionStatus = 'Running' AND ` +
        `${EndpointNameKey.name} = '${quoted(endpointName)}'`;
      for await (const wf of client.workflow.list({ query })) {
        // Unset right after start, before the first stage is recorded: the run is registering.
        const stage = wf.typedSearchAttributes.get(LifecycleStageKey) ?? 'registering';
        const user = { workflowId: wf.workflowId, runId: wf.runId, stage, started: wf.startTime.getTime() };
        if (stage === WAITING) waiters.push(user);
        else if (holds(stage)) holders.push(user);
      }
      const oldestFirst = (users: typeof holders): LockUser[] =>
        users.sort((a, b) => a.started - b.started).map(({ started: _, ...u }) => u);
      return { holders: oldestFirst(holders), waiters: oldestFirst(waiters) };
    },
  };
}

/** Visibility query string literal: SageMaker endpoint names cannot hold quotes, but never trust that. */
function quoted(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/'/g, "\\'");
}
