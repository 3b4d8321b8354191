/**
 * The endpoint lock on the real Temporal server: tokens, re-grants, holder liveness, recovery after the
 * lock workflow is terminated, continue-as-new, and queue positions.
 *
 * Requesters are of two kinds. Stand-ins: any running workflow can hold the lock (the lock only
 * signals and describes it), and an idle `endpointLock` on an unused endpoint is one the bundle
 * already has; the test reads each grant's token from the stand-in's history. Lifecycles: real
 * `modelVersionLifecycle` runs on the in-memory SageMaker whose bakes hold, for the cases that need
 * search attributes (recovery) or are the chaos case (a terminated holder).
 */
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { WorkflowHandle } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createEndpointLockActivities } from '../../../activities/endpoint-lock';
import {
  approveSignal,
  ENDPOINT_LOCK_WORKFLOW_TYPE,
  endpointLockWorkflowId,
  lockHolderQuery,
  type LockView,
} from '../../../src/shared/messages';
import type { endpointLock } from '../../../workflows';
import { LifecycleService } from '../../../src/api/model-versions/lifecycle.service';
import { createFakeSageMaker, type FakeSageMaker } from '../../helpers/fake-sagemaker';
import { connectTestTemporal, type TestTemporal } from '../../helpers/temporal';
import {
  command,
  lifecycleRequest,
  startLifecycle,
  stateOf,
  waitFor,
  type LifecycleHandle,
} from './lifecycle-harness';

const CHECK_SECONDS = 1;
/** The promise: a closed holder loses the lock within ~2 check intervals, plus room for a loaded 2-core CI machine. */
const BOUND_MS = 2 * CHECK_SECONDS * 1000 + 15_000;

let t: TestTemporal;
let fake: FakeSageMaker;
let stopWorker: () => Promise<void>;
let lock: ReturnType<typeof createEndpointLockActivities>;
const started: WorkflowHandle[] = [];

beforeAll(async () => {
  t = await connectTestTemporal();
  const temporal = { client: t.client, taskQueue: t.taskQueue, lockLivenessCheckSeconds: CHECK_SECONDS };
  fake = createFakeSageMaker({ temporal });
  lock = createEndpointLockActivities({ temporal });
  stopWorker = (await t.startWorker(fake.activities)).stop;
});
afterAll(async () => {
  // Idle locks and held canaries would otherwise stay open on the shared server.
  await Promise.allSettled(started.map((h) => h.terminate('test over')));
  await stopWorker?.();
  await t?.close();
});

const unique = (what: string) => `${what}-${randomUUID().slice(0, 8)}`;

async function until<T>(read: () => Promise<T>, ok: (v: T) => boolean, what: string, timeout = 20_000) {
  const deadline = Date.now() + timeout;
  for (;;) {
    const v = await read();
    if (ok(v)) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface StandIn {
  handle: WorkflowHandle;
  workflowId: string;
  runId: string;
}

async function standIn(): Promise<StandIn> {
  const handle = await t.client.workflow.start<typeof endpointLock>(ENDPOINT_LOCK_WORKFLOW_TYPE, {
    taskQueue: t.taskQueue,
    workflowId: unique('stand-in'),
    args: [{ endpointName: unique('unused') }],
  });
  started.push(handle);
  return { handle, workflowId: handle.workflowId, runId: handle.firstExecutionRunId };
}

const lockEndpoints = new Set<string>();
function lockHandle(endpoint: string) {
  const handle = t.client.workflow.getHandle(endpointLockWorkflowId(endpoint));
  if (!lockEndpoints.has(endpoint)) started.push(handle);
  lockEndpoints.add(endpoint);
  return handle;
}

const view = (endpoint: string): Promise<LockView> => lockHandle(endpoint).query(lockHolderQuery);

const ask = (endpoint: string, who: StandIn) =>
  lock.requestEndpointLock({
    endpointName: endpoint,
    requesterWorkflowId: who.workflowId,
    requesterRunId: who.runId,
  });

const release = (endpoint: string, who: StandIn, token?: string) =>
  lock.releaseEndpointLock({
    endpointName: endpoint,
    requesterWorkflowId: who.workflowId,
    requesterRunId: who.runId,
    ...(token ? { token } : {}),
  });

/** The tokens of the grants `who` received for `endpoint`, oldest first, read from its history. */
async function grantsTo(who: StandIn, endpoint: string, runId = who.runId): Promise<string[]> {
  const history = await t.client.workflow.getHandle(who.workflowId, runId).fetchHistory();
  return history
    .events!.map((e) => e.workflowExecutionSignaledEventAttributes)
    .filter((s) => s?.signalName === 'lockGranted')
    .map((s) =>
      defaultPayloadConverter.fromPayload<{ endpointName: string; token: string }>(s!.input!.payloads![0]!),
    )
    .filter((g) => g.endpointName === endpoint)
    .map((g) => g.token);
}

const granted = (who: StandIn, endpoint: string, count = 1) =>
  until(
    () => grantsTo(who, endpoint),
    (g) => g.length >= count,
    `${count} grant(s) to ${who.workflowId}`,
  );

describe.concurrent('endpoint lock', () => {
  it('a release without the current token is ignored and recorded; the holder’s token frees it', async () => {
    const endpoint = unique('e');
    const [a, b, c] = await Promise.all([standIn(), standIn(), standIn()]);
    await ask(endpoint, a);
    const [tokenA] = await granted(a, endpoint);
    await ask(endpoint, b);
    await until(
      () => view(endpoint),
      (v) => v.queue.includes(b.workflowId),
      'b queued',
    );

    await release(endpoint, c); // never asked
    await release(endpoint, b, 'not-a-token'); // waiting, but a token is not a withdrawal
    await release(endpoint, a, randomUUID()); // the holder with a wrong token
    const after = await until(
      () => view(endpoint),
      (v) => v.ignoredReleases.length >= 3,
      'three ignored',
    );
    expect(after.holder).toBe(a.workflowId);
    expect(after.queue).toEqual([b.workflowId]);
    expect(after.ignoredReleases.map((r) => [r.requesterWorkflowId, r.why])).toEqual([
      [c.workflowId, 'no token, and not waiting'],
      [b.workflowId, 'not the holder'],
      [a.workflowId, 'token of an earlier grant'],
    ]);

    await release(endpoint, a, tokenA);
    const [tokenB] = await granted(b, endpoint);
    expect(tokenB).not.toBe(tokenA);
    expect((await view(endpoint)).holder).toBe(b.workflowId);
  });

  it('a stale token (an earlier grant to the same requester) does not free a later grant', async () => {
    const endpoint = unique('e');
    const [a, b] = await Promise.all([standIn(), standIn()]);
    await ask(endpoint, a);
    const [first] = await granted(a, endpoint);
    await release(endpoint, a, first);
    await until(
      () => view(endpoint),
      (v) => v.holder === null,
      'free',
    );
    await ask(endpoint, a);
    const [, second] = await granted(a, endpoint, 2);
    expect(second).not.toBe(first);
    await ask(endpoint, b);
    await release(endpoint, a, first); // e.g. a retried release activity of the first grant
    await until(
      () => view(endpoint),
      (v) => v.ignoredReleases.length === 1,
      'the stale release recorded',
    );
    expect((await view(endpoint)).holder).toBe(a.workflowId);
    await release(endpoint, a, second);
    await granted(b, endpoint);
  });

  it('a holder that asks again is granted again with the same token, and keeps its place', async () => {
    const endpoint = unique('e');
    const [a, b] = await Promise.all([standIn(), standIn()]);
    await ask(endpoint, a);
    await granted(a, endpoint);
    await ask(endpoint, b);
    await ask(endpoint, a);
    const tokens = await granted(a, endpoint, 2);
    expect(tokens[1]).toBe(tokens[0]);
    const v = await view(endpoint);
    expect(v.holder).toBe(a.workflowId);
    expect(v.queue).toEqual([b.workflowId]);
  });

  it('a waiter that is gone when its turn comes is skipped; a tokenless release withdraws a waiter', async () => {
    const endpoint = unique('e');
    const [a, gone, withdrawn, d] = await Promise.all([standIn(), standIn(), standIn(), standIn()]);
    await ask(endpoint, a);
    const [token] = await granted(a, endpoint);
    for (const w of [gone, withdrawn, d]) await ask(endpoint, w);
    await release(endpoint, withdrawn);
    await until(
      () => view(endpoint),
      (v) => v.queue.length === 2,
      'withdrawn left the queue',
    );
    await gone.handle.terminate('gone before its turn');
    await release(endpoint, a, token);
    await granted(d, endpoint);
    expect(await grantsTo(withdrawn, endpoint)).toEqual([]);
    expect((await view(endpoint)).expiredHolders.map((e) => [e.workflowId, e.status])).toEqual([
      [gone.workflowId, 'NOT_SIGNALLABLE'],
    ]);
  });

  it('a terminated holder loses the lock to the next waiter within two check intervals', async () => {
    const endpoint = unique('e');
    const [a, b] = await Promise.all([standIn(), standIn()]);
    await ask(endpoint, a);
    await granted(a, endpoint);
    await ask(endpoint, b);
    // A live holder is never expired, however long it holds.
    await sleep(3 * CHECK_SECONDS * 1000);
    expect((await view(endpoint)).holder).toBe(a.workflowId);
    const t0 = Date.now();
    await a.handle.terminate('chaos');
    await until(
      () => view(endpoint),
      (v) => v.holder === b.workflowId,
      'b holds',
    );
    expect(Date.now() - t0).toBeLessThan(BOUND_MS);
    await granted(b, endpoint);
    expect((await view(endpoint)).expiredHolders.at(-1)).toMatchObject({
      workflowId: a.workflowId,
      status: 'TERMINATED',
    });
  });

  it('a reset holder (a new run) loses the lock within two check intervals', async () => {
    const endpoint = unique('e');
    const [a, b] = await Promise.all([standIn(), standIn()]);
    await ask(endpoint, a);
    await granted(a, endpoint);
    await ask(endpoint, b);
    const firstTask = (await a.handle.fetchHistory()).events!.find(
      (e) => e.workflowTaskCompletedEventAttributes,
    )!;
    const t0 = Date.now();
    const { runId } = await t.client.workflowService.resetWorkflowExecution({
      namespace: t.client.options.namespace,
      workflowExecution: { workflowId: a.workflowId, runId: a.runId },
      workflowTaskFinishEventId: firstTask.eventId,
      reason: 'chaos: reset the holder',
      requestId: randomUUID(),
    });
    expect(runId).not.toBe(a.runId);
    await until(
      () => view(endpoint),
      (v) => v.holder === b.workflowId,
      'b holds',
    );
    expect(Date.now() - t0).toBeLessThan(BOUND_MS);
  });

  it('continue-as-new keeps holder, token and queue', async () => {
    const endpoint = unique('e');
    const handle = await t.client.workflow.start<typeof endpointLock>(ENDPOINT_LOCK_WORKFLOW_TYPE, {
      taskQueue: t.taskQueue,
      workflowId: endpointLockWorkflowId(endpoint),
      args: [{ endpointName: endpoint, livenessCheckSeconds: CHECK_SECONDS, checksPerRun: 2 }],
    });
    started.push(handle);
    const [a, b] = await Promise.all([standIn(), standIn()]);
    await ask(endpoint, a);
    const [token] = await granted(a, endpoint);
    await ask(endpoint, b);
    // Two checks, then a new run: wait for it to be the current one.
    await until(
      () => t.client.workflow.getHandle(handle.workflowId).describe(),
      (d) => d.runId !== handle.firstExecutionRunId,
      'a continued run',
    );
    const v = await view(endpoint);
    expect(v.holder).toBe(a.workflowId);
    expect(v.queue).toEqual([b.workflowId]);
    expect(v.livenessCheckSeconds).toBe(CHECK_SECONDS);
    await release(endpoint, a, token); // the token of the earlier run still frees it
    await granted(b, endpoint);
  });
});

describe.concurrent('endpoint lock with lifecycles', () => {
  /** A lifecycle on `endpoint`, approved, whose bakes hold until it is terminated or promoted. */
  async function approved(endpoint: string, group: string): Promise<LifecycleHandle> {
    const req = lifecycleRequest({
      modelPackageGroup: group,
      deployment: { productionEndpointName: endpoint },
    });
    const handle = await startLifecycle({ temporal: t }, req);
    started.push(handle);
    await waitFor(handle, (s) => s.stage === 'awaiting-approval', 'awaiting approval');
    await handle.signal(approveSignal, { by: 'alice' });
    return handle;
  }

  async function holdingCanary(): Promise<{ endpoint: string; group: string; holder: LifecycleHandle }> {
    const endpoint = unique('e');
    const group = unique('g');
    fake.seedProduction(endpoint, group);
    fake.scriptVerdicts(endpoint, ['hold']);
    const holder = await approved(endpoint, group);
    await waitFor(holder, (s) => s.stage === 'canary', 'the first canary');
    return { endpoint, group, holder };
  }

  const waiting = (h: LifecycleHandle) => waitFor(h, (s) => s.stage === 'waiting-for-endpoint', 'waiting');

  it('chaos: a terminated holder → the next waiting lifecycle gets the lock within the bound', async () => {
    const { endpoint, group, holder } = await holdingCanary();
    const next = await approved(endpoint, group);
    await waiting(next);
    await until(
      () => view(endpoint),
      (v) => v.queue.includes(next.workflowId),
      'next queued',
    );
    const t0 = Date.now();
    await holder.terminate('chaos: holder terminated');
    const moved = await waitFor(next, (s) => s.stage !== 'waiting-for-endpoint', 'next past the lock');
    expect(Date.now() - t0).toBeLessThan(BOUND_MS);
    expect(moved.transitions.map((t) => t.stage)).toContain('waiting-for-endpoint');
    // The next lifecycle holds the lock, or has already finished with it: the terminated holder left
    // its canary on the endpoint, which the next version refuses to take as stable (and says so).
    const after = await view(endpoint);
    if (after.holder !== next.workflowId) {
      expect(after.holder).toBeNull();
      const final = await waitFor(next, (s) => s.stage === 'failed', 'next refusing the leftover canary');
      expect(final.outcome).toMatch(/does not serve exactly one approved version/);
    }
  });

  it.each(['after its grant was handled', 'while its grant was on its way'] as const)(
    'a holder reset to a point %s keeps the lock in its new run',
    async (point) => {
      const { endpoint, group, holder } = await holdingCanary();
      const next = await approved(endpoint, group);
      await waiting(next);
      const events = (await holder.fetchHistory()).events!;
      const grantAt = events.findIndex(
        (e) => e.workflowExecutionSignaledEventAttributes?.signalName === 'lockGranted',
      );
      // After: the first workflow task that started after the grant arrived handled it. While on its way:
      // the last task before it (the stage is waiting-for-endpoint; the reset re-delivers the signal).
      const handledAt = events.findIndex((e, k) => k > grantAt && e.workflowTaskStartedEventAttributes);
      const resetTo =
        point === 'after its grant was handled'
          ? events.slice(handledAt).find((e) => e.workflowTaskCompletedEventAttributes)!
          : events
              .slice(0, grantAt)
              .reverse()
              .find((e) => e.workflowTaskCompletedEventAttributes)!;
      const { runId } = await t.client.workflowService.resetWorkflowExecution({
        namespace: t.client.options.namespace,
        workflowExecution: { workflowId: holder.workflowId },
        workflowTaskFinishEventId: resetTo.eventId,
        reason: `chaos: reset the holder ${point}`,
        requestId: randomUUID(),
      });
      await until(
        () => view(endpoint),
        (v) => v.grant?.runId === runId,
        'the grant follows the new run',
      );
      await sleep(3 * CHECK_SECONDS * 1000);
      expect((await stateOf(next)).stage).toBe('waiting-for-endpoint');
      expect((await view(endpoint)).holder).toBe(holder.workflowId);
      // …and the new run is still a holder that liveness watches.
      const t0 = Date.now();
      await t.client.workflow.getHandle(holder.workflowId, runId).terminate('chaos');
      await waitFor(next, (s) => s.stage !== 'waiting-for-endpoint', 'next past the lock');
      expect(Date.now() - t0).toBeLessThan(BOUND_MS);
    },
  );

  it('a waiting lifecycle sees its position and the holder, in the lock query and the API', async () => {
    const { endpoint, group, holder } = await holdingCanary();
    const second = await approved(endpoint, group);
    await waiting(second);
    const third = await approved(endpoint, group);
    await waiting(third);
    const api = new LifecycleService(t.client, {
      namespace: 'default',
      taskQueue: t.taskQueue,
      commandTimeoutMs: 5000,
    });
    const positions = await until(
      () => Promise.all([api.state(second.workflowId), api.state(third.workflowId)]),
      ([s, th]) => s.lock?.position === 1 && th.lock?.position === 2,
      'positions 1 and 2',
    );
    expect(positions.map((s) => s.lock?.holder)).toEqual([holder.workflowId, holder.workflowId]);
    const v = await view(endpoint);
    expect(v.queue).toEqual([second.workflowId, third.workflowId]);
    expect('lock' in (await api.state(holder.workflowId))).toBe(false);
  });

  it('the lock workflow terminated while held: a fresh run grants nothing while the holder runs', async () => {
    const { endpoint, group, holder } = await holdingCanary();
    const lost = await approved(endpoint, group); // queued in the run that is about to die
    await waiting(lost);
    await until(
      () => view(endpoint),
      (v) => v.queue.includes(lost.workflowId),
      'queued',
    );
    await lockHandle(endpoint).terminate('chaos: lock terminated');

    const newcomer = await approved(endpoint, group); // its signal-with-start starts a fresh lock run
    await waiting(newcomer);
    const recovered = await until(
      () => view(endpoint),
      (v) => v.queue.length === 2,
      'recovered queue',
    );
    expect(recovered.grant).toMatchObject({ workflowId: holder.workflowId, how: 'recovered' });
    expect(recovered.queue).toEqual([lost.workflowId, newcomer.workflowId]);
    await sleep(3 * CHECK_SECONDS * 1000);
    expect((await stateOf(lost)).stage).toBe('waiting-for-endpoint');
    expect((await stateOf(newcomer)).stage).toBe('waiting-for-endpoint');

    // The holder adopted the fresh run's token: its own release frees the lock (no liveness needed).
    await command(holder, 'promote', 'oscar');
    expect((await holder.result()).stage).toBe('promoted');
    await waitFor(lost, (s) => s.stage !== 'waiting-for-endpoint', 'the lost waiter past the lock');
    const after = await view(endpoint);
    expect(after.holder).toBe(lost.workflowId);
    expect(after.ignoredReleases).toEqual([]);
    expect(after.expiredHolders).toEqual([]);
  });
});

describe('endpoint lock upgrade', () => {
  it('a lock run recorded by the pre-token code (holding, one waiting) still replays', async () => {
    // Recorded from commit 4eaf7a3's workflows/ with a holder and a waiter; new code must not break it.
    const { History } = temporal.api.history.v1;
    const bytes = await readFile(join(__dirname, '../../fixtures/histories/endpoint-lock-v1-held.pb'));
    const history = History.decode(bytes);
    expect(history.events.some((e) => e.markerRecordedEventAttributes)).toBe(false);
    await expect(
      Worker.runReplayHistory(
        { workflowBundle: { codePath: inject('workflowBundlePath') } },
        history,
        'endpoint-lock-v1-held',
      ),
    ).resolves.toBeUndefined();
  });
});
