/**
 * One deployment at a time per production endpoint (SageMaker refuses UpdateEndpoint while Updating,
 * and two canaries on one endpoint would corrupt both). Requesters queue FIFO; the lock is granted
 * by a signal to the requester. History stays bounded: continue-as-new after GRANTS_PER_RUN grants.
 *
 * A holder that was terminated (not cancelled) never releases: send `releaseLock` with its workflow
 * ID from the Temporal UI to free the endpoint.
 */
import {
  allHandlersFinished,
  condition,
  continueAsNew,
  getExternalWorkflowHandle,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import {
  acquireLockSignal,
  lockGrantedSignal,
  lockHolderQuery,
  releaseLockSignal,
} from '../src/shared/messages';

const GRANTS_PER_RUN = 100;

export interface EndpointLockInput {
  endpointName: string;
  holder?: string | null;
  queue?: string[];
}

export async function endpointLock(input: EndpointLockInput): Promise<void> {
  let holder = input.holder ?? null;
  const queue = [...(input.queue ?? [])];
  setHandler(acquireLockSignal, ({ requesterWorkflowId }) => {
    if (holder !== requesterWorkflowId && !queue.includes(requesterWorkflowId))
      queue.push(requesterWorkflowId);
  });
  setHandler(releaseLockSignal, ({ requesterWorkflowId }) => {
    if (holder === requesterWorkflowId) holder = null;
    const waiting = queue.indexOf(requesterWorkflowId);
    if (waiting >= 0) queue.splice(waiting, 1);
  });
  setHandler(lockHolderQuery, () => ({ holder, queue: [...queue] }));

  for (let grants = 0; grants < GRANTS_PER_RUN && !workflowInfo().continueAsNewSuggested;) {
    await condition(() => holder === null && queue.length > 0);
    holder = queue.shift()!;
    try {
      await getExternalWorkflowHandle(holder).signal(lockGrantedSignal, { endpointName: input.endpointName });
      grants++;
    } catch {
      holder = null; // the requester is gone: nothing to wait for
      continue;
    }
    await condition(() => holder === null);
  }
  await condition(allHandlersFinished);
  await continueAsNew<typeof endpointLock>({ endpointName: input.endpointName, holder, queue });
}
