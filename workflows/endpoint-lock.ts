/**
 * One deployment at a time per production endpoint (SageMaker refuses UpdateEndpoint while Updating,
 * and two canaries on one endpoint would corrupt both). Requesters queue FIFO; the lock is granted by
 * a `lockGranted` signal to the requester's run, carrying a fresh token (uuid4: deterministic, and in
 * the requester's history, so its client keeps it across replays).
 *
 * - Release only by the current grant's token. A tokenless release withdraws a waiter from the queue;
 *   anything else (a stale token, a non-holder) is ignored and recorded in `lockHolder`.
 * - A holder that asks again (an activity retry, a lost signal) is granted again with the SAME token:
 *   the grant is idempotent, and a release carrying either copy is valid.
 * - Liveness, not a lease: a canary may hold for hours, so nothing expires a running holder. While the
 *   lock is held it wakes every `livenessCheckSeconds` and describes the holder's run (workflow ID and
 *   run ID); once that run has closed the lock passes on, within one interval plus a describe. A run
 *   that was reset is closed: if its new run is at or past the lock step (reset to a point after the
 *   request) the grant follows the new run with the same token, otherwise the new run asks again and
 *   queues. Runs started by the pre-token code replay through endpoint-lock-v1.ts (`patched`).
 * - A fresh run (first use, or after this workflow was terminated: signal-with-start starts one) first
 *   asks Temporal visibility which lifecycles on the endpoint are running past the lock step (holders)
 *   or in `waiting-for-endpoint` (waiters), and grants nothing until it knows. Chosen over holders
 *   re-asserting their grant because it needs nothing from the holders: one stuck in a long activity,
 *   on an old build, or whose worker is down is still found, and waiters that signalled the terminated
 *   run are found too. Found holders are granted again with a new token (their client adopts it), so
 *   the lock never grants past them. Residual window: visibility is eventually consistent, and a grant
 *   sent by the terminated run moments before it died may not yet show as a stage.
 * - History stays bounded: continue-as-new after GRANTS_PER_RUN grants, CHECKS_PER_RUN liveness checks
 *   or when the server suggests it, after every handler has finished, carrying holder, token and queue.
 */
import {
  allHandlersFinished,
  condition,
  continueAsNew,
  getExternalWorkflowHandle,
  patched,
  proxyActivities,
  setHandler,
  uuid4,
  workflowInfo,
} from '@temporalio/workflow';
import type { LifecycleActivities, LockHolderStatus } from '../src/shared/activity-contracts';
import {
  acquireLockSignal,
  lockGrantedSignal,
  lockHolderQuery,
  releaseLockSignal,
  type LockView,
} from '../src/shared/messages';
import { legacyEndpointLock } from './endpoint-lock-v1';

const GRANTS_PER_RUN = 100;
/** ~11 events a check: 200 checks keep a run near 2,000 events. */
const CHECKS_PER_RUN = 200;
const DEFAULT_LIVENESS_CHECK_SECONDS = 60;
/** Kept in the query for operators; bounded so the state carried by continue-as-new stays small. */
const RECORD_LIMIT = 20;
const LEASE_PATCH = 'endpoint-lock-lease';

interface Waiter {
  workflowId: string;
  runId?: string;
}
interface Grant extends Waiter {
  token: string;
  since: string;
  how: 'granted' | 'recovered';
}

interface CarriedLock {
  holder: Grant | null;
  queue: Waiter[];
  ignoredReleases: LockView['ignoredReleases'];
  expiredHolders: LockView['expiredHolders'];
  /** The holder asked again and has not yet been answered. */
  regrant?: boolean;
}

export interface EndpointLockInput {
  endpointName: string;
  /** Seconds between holder liveness checks while the lock is held (default 60). */
  livenessCheckSeconds?: number;
  /** Liveness checks before continue-as-new (default CHECKS_PER_RUN); bounds history while held. */
  checksPerRun?: number;
  /** Carried by continue-as-new; absent on a fresh start, which recovers from visibility first. */
  carried?: CarriedLock;
  /** The pre-token shape, carried by a run of the old code handing over (endpoint-lock-v1.ts). */
  holder?: string | null;
  queue?: string[];
}

/** Seconds, not minutes: a describe is one RPC. Failing is "unknown", and unknown keeps the holder. */
const liveness = proxyActivities<Pick<LifecycleActivities, 'describeLockHolder'>>({
  startToCloseTimeout: '10 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '5 seconds', maximumAttempts: 3 },
});
/** Retried until it answers: a fresh run must not grant before it knows who holds the endpoint. */
const recovery = proxyActivities<Pick<LifecycleActivities, 'findEndpointLockUsers'>>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds' },
});

/** Same run, or one side does not know its run (signals from before run IDs were carried). */
const sameRun = (a: Waiter, b: Waiter) =>
  a.workflowId === b.workflowId && (!a.runId || !b.runId || a.runId === b.runId);

/*
 * Auto-upgrade (the versioned worker's default, src/worker/create-worker.ts; not declared here because
 * the server refuses a declared behaviour from an unversioned worker): the lock lives forever through
 * continue-as-new, and a pinned run that continues-as-new stays on its build, so pinned it would keep
 * the first build's workers alive for good. Each task runs on the current build, so a change to this
 * code needs `patched()` (see endpoint-lock-v1.ts). Held across an upgrade it simply moves, while the
 * holder stays pinned to the old build and signals it as before (the upgrade drill checks both).
 */
export async function endpointLock(input: EndpointLockInput): Promise<void> {
  if (!patched(LEASE_PATCH)) return legacyEndpointLock(input);
  const { endpointName } = input;
  const checkSeconds = input.livenessCheckSeconds ?? DEFAULT_LIVENESS_CHECK_SECONDS;
  const carried = input.carried;
  const checksPerRun = input.checksPerRun ?? CHECKS_PER_RUN;
  let holder: Grant | null = carried?.holder ?? null;
  const queue: Waiter[] = [
    ...(carried?.queue ?? []),
    ...(input.queue ?? []).map((workflowId) => ({ workflowId })),
  ];
  const ignoredReleases = [...(carried?.ignoredReleases ?? [])];
  const expiredHolders = [...(carried?.expiredHolders ?? [])];
  let regrant = carried?.regrant ?? false;
  const now = () => new Date().toISOString();
  const remember = <T>(list: T[], entry: T) => {
    list.push(entry);
    if (list.length > RECORD_LIMIT) list.splice(0, list.length - RECORD_LIMIT);
  };
  const expire = (gone: Grant, status: string) => {
    remember(expiredHolders, { workflowId: gone.workflowId, at: now(), status });
    if (holder === gone) holder = null;
  };

  setHandler(acquireLockSignal, ({ requesterWorkflowId, requesterRunId }) => {
    const asker: Waiter = {
      workflowId: requesterWorkflowId,
      ...(requesterRunId ? { runId: requesterRunId } : {}),
    };
    if (holder && sameRun(holder, asker)) {
      regrant = true;
      return;
    }
    // One run of a workflow ID is open at a time: a new run asking means the holder's run has closed.
    if (holder?.workflowId === asker.workflowId) expire(holder, 'SUPERSEDED');
    const waiting = queue.findIndex((w) => w.workflowId === asker.workflowId);
    if (waiting >= 0)
      queue[waiting] = asker; // a newer run of a waiter keeps its place
    else queue.push(asker);
  });

  setHandler(releaseLockSignal, ({ requesterWorkflowId, requesterRunId, token }) => {
    if (holder && token !== undefined && token === holder.token) {
      holder = null;
      return;
    }
    const releaser: Waiter = {
      workflowId: requesterWorkflowId,
      ...(requesterRunId ? { runId: requesterRunId } : {}),
    };
    const waiting = token === undefined ? queue.findIndex((w) => sameRun(w, releaser)) : -1;
    if (waiting >= 0) {
      queue.splice(waiting, 1);
      return;
    }
    const why =
      token === undefined
        ? 'no token, and not waiting'
        : holder?.workflowId === requesterWorkflowId
          ? 'token of an earlier grant'
          : 'not the holder';
    remember(ignoredReleases, { requesterWorkflowId, at: now(), why });
  });

  setHandler(lockHolderQuery, () => ({
    endpointName,
    holder: holder?.workflowId ?? null,
    grant: holder
      ? {
          workflowId: holder.workflowId,
          ...(holder.runId ? { runId: holder.runId } : {}),
          since: holder.since,
          how: holder.how,
        }
      : null,
    queue: queue.map((w) => w.workflowId),
    ignoredReleases: [...ignoredReleases],
    expiredHolders: [...expiredHolders],
    livenessCheckSeconds: checkSeconds,
  }));

  /** Grants nothing until visibility has said who still holds or waits for the endpoint. */
  async function recover(): Promise<void> {
    const users = await recovery.findEndpointLockUsers({ endpointName });
    const [first, ...others] = users.holders;
    if (first) {
      holder = {
        workflowId: first.workflowId,
        runId: first.runId,
        token: uuid4(),
        since: now(),
        how: 'recovered',
      };
      regrant = true;
    }
    // More than one holder is a violation that predates this run; they come next, so none is passed over.
    const asked = queue.splice(0);
    for (const w of [...others, ...users.waiters, ...asked]) {
      const known = (holder && sameRun(holder, w)) || queue.some((q) => q.workflowId === w.workflowId);
      if (!known) queue.push({ workflowId: w.workflowId, ...(w.runId ? { runId: w.runId } : {}) });
    }
  }

  /** False when the run cannot be signalled (closed, or gone): it loses the grant. */
  async function sendGrant(grant: Grant): Promise<boolean> {
    try {
      await getExternalWorkflowHandle(grant.workflowId, grant.runId).signal(lockGrantedSignal, {
        endpointName,
        token: grant.token,
      });
      return true;
    } catch {
      expire(grant, 'NOT_SIGNALLABLE');
      return false;
    }
  }

  async function checkHolder(grant: Grant): Promise<void> {
    let status: LockHolderStatus;
    try {
      status = await liveness.describeLockHolder({
        workflowId: grant.workflowId,
        ...(grant.runId ? { runId: grant.runId } : {}),
      });
    } catch {
      return; // unknown: keep the holder, look again next interval
    }
    if (holder !== grant || status.running) return;
    if (status.successorRunId) {
      // Reset past its grant: the new run carries the grant in its history, so the grant follows it.
      holder = { ...grant, runId: status.successorRunId };
      regrant = true;
      return;
    }
    expire(grant, status.status);
  }

  if (!carried) await recover();
  let grants = 0;
  let checks = 0;
  const timeToRoll = () =>
    grants >= GRANTS_PER_RUN || checks >= checksPerRun || workflowInfo().continueAsNewSuggested;

  while (!timeToRoll()) {
    if (!holder) {
      await condition(() => queue.length > 0 || timeToRoll());
      if (queue.length === 0) continue;
      const next = queue.shift()!;
      holder = { ...next, token: uuid4(), since: now(), how: 'granted' };
      if (await sendGrant(holder)) grants++;
      continue;
    }
    if (regrant) {
      regrant = false;
      await sendGrant(holder);
      continue;
    }
    const held = holder;
    const changed = await condition(
      () => holder !== held || regrant || workflowInfo().continueAsNewSuggested,
      checkSeconds * 1000,
    );
    if (changed) continue;
    checks++;
    await checkHolder(held);
  }
  await condition(allHandlersFinished);
  const state: CarriedLock = { holder, queue, ignoredReleases, expiredHolders, regrant };
  await continueAsNew<typeof endpointLock>({
    endpointName,
    livenessCheckSeconds: checkSeconds,
    ...(input.checksPerRun ? { checksPerRun: input.checksPerRun } : {}),
    carried: state,
  });
}
