import { WorkflowNotFoundError } from '@temporalio/client';
import { describe, expect, it, vi } from 'vitest';
import { createEndpointLockActivities } from '../../../activities/endpoint-lock';
import type { ActivityDeps } from '../../../activities';
import {
  acquireLockSignal,
  ENDPOINT_LOCK_WORKFLOW_TYPE,
  releaseLockSignal,
} from '../../../src/shared/messages';
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
