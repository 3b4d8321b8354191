/**
 * One deployment at a time per production endpoint: the lock is a workflow per endpoint (written in
 * workflows/), reached by signal-with-start so the first requester creates it. The grant comes back to
 * the requester as a `lockGranted` signal.
 */
import { WorkflowNotFoundError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/activity';
import type { LifecycleActivities } from '../src/shared/activity-contracts';
import {
  acquireLockSignal,
  ENDPOINT_LOCK_WORKFLOW_TYPE,
  endpointLockWorkflowId,
  releaseLockSignal,
} from '../src/shared/messages';
import type { ActivityDeps } from './deps';

export function createEndpointLockActivities(
  deps: Pick<ActivityDeps, 'temporal'>,
): Pick<LifecycleActivities, 'requestEndpointLock' | 'releaseEndpointLock'> {
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
    async requestEndpointLock({ endpointName, requesterWorkflowId }) {
      const { client, taskQueue } = temporal();
      await client.workflow.signalWithStart(ENDPOINT_LOCK_WORKFLOW_TYPE, {
        workflowId: endpointLockWorkflowId(endpointName),
        taskQueue,
        args: [{ endpointName }],
        signal: acquireLockSignal,
        signalArgs: [{ requesterWorkflowId }],
      });
    },
    async releaseEndpointLock({ endpointName, requesterWorkflowId }) {
      const { client } = temporal();
      try {
        await client.workflow.getHandle(endpointLockWorkflowId(endpointName)).signal(releaseLockSignal, {
          requesterWorkflowId,
        });
      } catch (err) {
        // No running lock workflow: nobody holds the lock, so there is nothing to give back.
        if (!(err instanceof WorkflowNotFoundError)) throw err;
      }
    },
  };
}
