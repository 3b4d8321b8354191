import { WorkflowNotFoundError } from '@temporalio/client';
import { TypedSearchAttributes } from '@temporalio/common';
import { describe, expect, it, vi } from 'vitest';
import { createEndpointLockActivities } from '../../../activities/endpoint-lock';
import type { ActivityDeps } from '../../../activities';
import {
  acquireLockSignal,
  ENDPOINT_LOCK_WORKFLOW_TYPE,
  releaseLockSignal,
} from '../../../src/shared/messages';
import { LifecycleStageKey } from '../../../src/shared/search-attributes';
import { failureOf } from './helpers';

function fakeTemporal(signal = vi.fn().mockResolvedValue(undefined)) {
  const signalWithStart = vi.fn().mockResolvedValue({});
  const getHandle = vi.fn().mockReturnValue({ signal });
  const temporal = {
    client: { workflow: { signalWithStart, getHandle } },
    taskQueue: 'lifecycle',
  } as unknown as NonNullable<ActivityDeps['temporal']>;
  return { temporal, signalWithStart, getHandle, signal };
}

describe('endpoint lock activities', () => {
  it('request: signal-with-start of the endpoint’s lock workflow', async () => {
    const fake = fakeTemporal();
    await createEndpointLockActivities({ temporal: fake.temporal }).requestEndpointLock({
      endpointName: 'prod',
      requesterWorkflowId: 'mv-churn-1',
    });
    expect(fake.signalWithStart).toHaveBeenCalledWith(ENDPOINT_LOCK_WORKFLOW_TYPE, {
      workflowId: 'endpoint-lock-prod',
      taskQueue: 'lifecycle',
      args: [{ endpointName: 'prod' }],
      signal: acquireLockSignal,
      signalArgs: [{ requesterWorkflowId: 'mv-churn-1' }],
    });
  });

  it('release: signals the lock workflow', async () => {
    const fake = fakeTemporal();
    await createEndpointLockActivities({ temporal: fake.temporal }).releaseEndpointLock({
      endpointName: 'prod',
      requesterWorkflowId: 'mv-churn-1',
    });
    expect(fake.getHandle).toHaveBeenCalledWith('endpoint-lock-prod');
    expect(fake.signal).toHaveBeenCalledWith(releaseLockSignal, { requesterWorkflowId: 'mv-churn-1' });
  });

  it('release: no lock workflow is fine, other errors are not', async () => {
    const gone = fakeTemporal(
      vi.fn().mockRejectedValue(new WorkflowNotFoundError('gone', 'endpoint-lock-prod', undefined)),
    );
    await expect(
      createEndpointLockActivities({ temporal: gone.temporal }).releaseEndpointLock({
        endpointName: 'prod',
        requesterWorkflowId: 'x',
      }),
    ).resolves.toBeUndefined();
    const broken = fakeTemporal(vi.fn().mockRejectedValue(new Error('unavailable')));
    await expect(
      createEndpointLockActivities({ temporal: broken.temporal }).releaseEndpointLock({
        endpointName: 'prod',
        requesterWorkflowId: 'x',
      }),
    ).rejects.toThrow('unavailable');
  });

  it('request and release carry the run, the grant token and the liveness interval', async () => {
    const fake = fakeTemporal();
    const acts = createEndpointLockActivities({
      temporal: { ...fake.temporal, lockLivenessCheckSeconds: 2 },
    });
    await acts.requestEndpointLock({
      endpointName: 'prod',
      requesterWorkflowId: 'mv-1',
      requesterRunId: 'r1',
    });
    expect(fake.signalWithStart.mock.calls[0]![1]).toMatchObject({
      args: [{ endpointName: 'prod', livenessCheckSeconds: 2 }],
      signalArgs: [{ requesterWorkflowId: 'mv-1', requesterRunId: 'r1' }],
    });
    await acts.releaseEndpointLock({
      endpointName: 'prod',
      requesterWorkflowId: 'mv-1',
      requesterRunId: 'r1',
      token: 't',
    });
    expect(fake.signal).toHaveBeenCalledWith(releaseLockSignal, {
      requesterWorkflowId: 'mv-1',
      requesterRunId: 'r1',
      token: 't',
    });
  });

  it('without a Temporal client the lock fails non-retryably, naming the misconfiguration', async () => {
    const f = await failureOf(
      createEndpointLockActivities({}).requestEndpointLock({
        endpointName: 'prod',
        requesterWorkflowId: 'x',
      }),
    );
    expect(f.nonRetryable).toBe(true);
    expect(f.message).toMatch(/Temporal client/);
  });
});

/** A describe() answer: a run's status and its LifecycleStage. */
const described = (runId: string, status: string, stage?: string) => ({
  runId,
  status: { name: status },
  typedSearchAttributes: new TypedSearchAttributes(stage ? [{ key: LifecycleStageKey, value: stage }] : []),
});

function temporalDescribing(runs: Record<string, ReturnType<typeof described> | Error>, latest: string) {
  const getHandle = vi.fn((_id: string, runId?: string) => ({
    describe: async () => {
      const run = runs[runId ?? latest]!;
      if (run instanceof Error) throw run;
      return run;
    },
  }));
  const temporal = { client: { workflow: { getHandle } }, taskQueue: 'q' } as unknown as NonNullable<
    ActivityDeps['temporal']
  >;
  return { temporal, getHandle };
}

describe('describeLockHolder (lock liveness)', () => {
  it('describes the exact run: running holds, a closed run does not', async () => {
    const { temporal, getHandle } = temporalDescribing(
      { r1: described('r1', 'RUNNING', 'canary'), r2: described('r2', 'TERMINATED', 'canary') },
      'r2',
    );
    const acts = createEndpointLockActivities({ temporal });
    await expect(acts.describeLockHolder({ workflowId: 'mv-1', runId: 'r1' })).resolves.toEqual({
      running: true,
      status: 'RUNNING',
    });
    expect(getHandle).toHaveBeenCalledWith('mv-1', 'r1');
    await expect(acts.describeLockHolder({ workflowId: 'mv-1', runId: 'r2' })).resolves.toEqual({
      running: false,
      status: 'TERMINATED',
    });
  });

  it('a run gone from the namespace is not running; other errors are retried', async () => {
    const gone = temporalDescribing({ r1: new WorkflowNotFoundError('gone', 'mv-1', 'r1') }, 'r1');
    await expect(
      createEndpointLockActivities({ temporal: gone.temporal }).describeLockHolder({
        workflowId: 'mv-1',
        runId: 'r1',
      }),
    ).resolves.toEqual({ running: false, status: 'NOT_FOUND' });
    const down = temporalDescribing({ r1: new Error('unavailable') }, 'r1');
    await expect(
      createEndpointLockActivities({ temporal: down.temporal }).describeLockHolder({
        workflowId: 'mv-1',
        runId: 'r1',
      }),
    ).rejects.toThrow('unavailable');
  });

  it('a reset holder: the grant follows a new run only if it is at or past the lock step', async () => {
    const past = temporalDescribing(
      { r1: described('r1', 'TERMINATED', 'canary'), r2: described('r2', 'RUNNING', 'canary') },
      'r2',
    );
    await expect(
      createEndpointLockActivities({ temporal: past.temporal }).describeLockHolder({
        workflowId: 'mv-1',
        runId: 'r1',
      }),
    ).resolves.toEqual({ running: false, status: 'TERMINATED', successorRunId: 'r2' });
    // Waiting: the grant signal may be in the new run's history, not yet handled.
    const waiting = temporalDescribing(
      { r1: described('r1', 'TERMINATED', 'canary'), r2: described('r2', 'RUNNING', 'waiting-for-endpoint') },
      'r2',
    );
    await expect(
      createEndpointLockActivities({ temporal: waiting.temporal }).describeLockHolder({
        workflowId: 'mv-1',
        runId: 'r1',
      }),
    ).resolves.toEqual({ running: false, status: 'TERMINATED', successorRunId: 'r2' });
    const before = temporalDescribing(
      { r1: described('r1', 'TERMINATED', 'canary'), r2: described('r2', 'RUNNING', 'validating') },
      'r2',
    );
    await expect(
      createEndpointLockActivities({ temporal: before.temporal }).describeLockHolder({
        workflowId: 'mv-1',
        runId: 'r1',
      }),
    ).resolves.toEqual({ running: false, status: 'TERMINATED' });
  });
});

describe('findEndpointLockUsers (a fresh lock run’s recovery)', () => {
  it('lists running lifecycles on the endpoint: past the lock step hold, waiting-for-endpoint waits, oldest first', async () => {
    const wf = (workflowId: string, startedSecond: number, stage?: string) => ({
      workflowId,
      runId: `${workflowId}-run`,
      startTime: new Date(startedSecond * 1000),
      typedSearchAttributes: new TypedSearchAttributes(
        stage ? [{ key: LifecycleStageKey, value: stage }] : [],
      ),
    });
    const listed = [
      wf('late-waiter', 5, 'waiting-for-endpoint'),
      wf('rolling-back', 3, 'rolling-back'),
      wf('early-waiter', 2, 'waiting-for-endpoint'),
      wf('in-approval', 1, 'awaiting-approval'),
      wf('just-started', 1),
      wf('canary', 0, 'canary'),
      wf('a-stage-added-later', 4, 'needs-attention'),
    ];
    const list = vi.fn(async function* () {
      yield* listed;
    });
    const temporal = { client: { workflow: { list } }, taskQueue: 'q' } as unknown as NonNullable<
      ActivityDeps['temporal']
    >;
    const users = await createEndpointLockActivities({ temporal }).findEndpointLockUsers({
      endpointName: 'prod',
    });
    expect(list).toHaveBeenCalledWith({
      query:
        // Reverts take the lock too: a fresh lock run must find them as well as lifecycles.
        "(WorkflowType = 'modelVersionLifecycle' OR WorkflowType = 'endpointRevert') AND ExecutionStatus = 'Running' AND EndpointName = 'prod'",
    });
    expect(users.holders.map((u) => u.workflowId)).toEqual(['canary', 'rolling-back', 'a-stage-added-later']);
    expect(users.waiters).toEqual([
      { workflowId: 'early-waiter', runId: 'early-waiter-run', stage: 'waiting-for-endpoint' },
      { workflowId: 'late-waiter', runId: 'late-waiter-run', stage: 'waiting-for-endpoint' },
    ]);
  });

  it('quotes the endpoint name in the visibility query', async () => {
    const list = vi.fn(async function* (_options: { query: string }) {});
    const temporal = { client: { workflow: { list } }, taskQueue: 'q' } as unknown as NonNullable<
      ActivityDeps['temporal']
    >;
    await createEndpointLockActivities({ temporal }).findEndpointLockUsers({ endpointName: "x' OR 'a'='a" });
    expect(list.mock.calls[0]![0]).toEqual({
      query: expect.stringContaining("EndpointName = 'x\\' OR \\'a\\'=\\'a'"),
    });
  });
});
