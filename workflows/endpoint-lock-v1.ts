/**
 * The endpoint lock as it ran before grant tokens and holder liveness, kept only so lock runs started
 * by that code still replay (their histories have no `endpoint-lock-lease` marker). At its first
 * workflow task on the new build such a run hands over: it continues-as-new into the current lock with
 * its holder and queue, which a fresh run re-checks against visibility. Delete this file once no lock
 * run started before the lease exists (every one has handed over after its next signal).
 */
import {
  allHandlersFinished,
  condition,
  continueAsNew,
  getExternalWorkflowHandle,
  patched,
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
export const LEASE_HANDOVER_PATCH = 'endpoint-lock-lease-handover';

export async function legacyEndpointLock(input: {
  endpointName: string;
  holder?: string | null;
  queue?: string[];
}): Promise<void> {
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
  setHandler(lockHolderQuery, () => ({
    endpointName: input.endpointName,
    holder,
    grant: null,
    queue: [...queue],
    ignoredReleases: [],
    expiredHolders: [],
    livenessCheckSeconds: 0,
  }));

  for (let grants = 0; grants < GRANTS_PER_RUN && !workflowInfo().continueAsNewSuggested;) {
    await condition(() => holder === null && queue.length > 0);
    // Replaying old events: false. Running new code: true, and the lease takes over from here.
    if (patched(LEASE_HANDOVER_PATCH)) break;
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
  await continueAsNew({ endpointName: input.endpointName, holder, queue });
}
