/**
 * WORKER_MAX_CACHED_WORKFLOWS reaches the worker: the sticky cache holds at most that many runs,
 * so thousands of parked lifecycles are evicted rather than held in memory.
 */
import { NativeConnection } from '@temporalio/worker';
import { describe, expect, inject, it } from 'vitest';
import { createLifecycleWorker } from '../../../src/worker/create-worker';
import { createFakeSageMaker } from '../../helpers/fake-sagemaker';

async function workerWith(maxCachedWorkflows?: number) {
  const connection = await NativeConnection.connect({ address: inject('temporalAddress') });
  const { worker } = await createLifecycleWorker({
    connection,
    namespace: inject('temporalNamespace'),
    taskQueue: `sticky-cache-${Date.now()}`,
    shutdownGraceSeconds: 1,
    workflowBundlePath: inject('workflowBundlePath'),
    activities: createFakeSageMaker().activities,
    ...(maxCachedWorkflows !== undefined ? { maxCachedWorkflows } : {}),
  });
  const cacheSize = worker.options.maxCachedWorkflows;
  await worker.runUntil(Promise.resolve());
  await connection.close();
  return cacheSize;
}

describe('the sticky cache size', () => {
  it('is the configured number of runs, or the SDK default when unset', async () => {
    expect(await workerWith(25)).toBe(25);
    expect(await workerWith()).toBeGreaterThan(25);
  });
});
