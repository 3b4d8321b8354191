/**
 * Shared set-up of the lifecycle tests: one worker per file on the run's Temporal server, the
 * in-memory SageMaker, unique names per test, and short timings (seconds where production has minutes).
 */
import { randomUUID } from 'node:crypto';
import type { WorkflowHandle } from '@temporalio/client';
import { lifecycleWorkflowId, type LifecycleRequest } from '../../../src/shared/lifecycle-input';
import type { LifecycleStage, LifecycleState } from '../../../src/shared/lifecycle-state';
import { approveSignal, commandUpdate, stateQuery, type CommandAction } from '../../../src/shared/messages';
import type { modelVersionLifecycle } from '../../../workflows';
import { createFakeSageMaker, type FakeSageMaker } from '../../helpers/fake-sagemaker';
import { connectTestTemporal, type TestTemporal } from '../../helpers/temporal';

export type LifecycleHandle = WorkflowHandle<typeof modelVersionLifecycle>;

export interface Harness {
  temporal: TestTemporal;
  fake: FakeSageMaker;
  stop(): Promise<void>;
}

export async function startHarness(): Promise<Harness> {
  const temporal = await connectTestTemporal();
  const fake = createFakeSageMaker({ temporal: { client: temporal.client, taskQueue: temporal.taskQueue } });
  const worker = await temporal.startWorker(fake.activities);
  return {
    temporal,
    fake,
    async stop() {
      await worker.stop();
      await temporal.close();
    },
  };
}

/** A request with unique group and endpoint names and second-scale timings. */
export function lifecycleRequest(overrides: Partial<LifecycleRequest> = {}): LifecycleRequest {
  const id = randomUUID().slice(0, 8);
  return {
    modelPackageGroup: `g-${id}`,
    idempotencyKey: `train-${id}`,
    registeredBy: 'pipeline@ml',
    artifactUri: `s3://models/${id}/model.tar.gz`,
    inferenceImage: '123456789012.dkr.ecr.us-east-1.amazonaws.com/sklearn:1',
    metrics: { auc: 0.91 },
    lineage: {
      datasetUri: 's3://data/churn',
      datasetVersion: '7',
      codeCommit: 'abc123',
      trainingJobName: `train-${id}`,
    },
    ...overrides,
    deployment: {
      productionEndpointName: `e-${id}`,
      bakeSeconds: 1,
      healthCheckIntervalSeconds: 1,
      endpointPollSeconds: 1,
      ...overrides.deployment,
    },
  };
}

/** Starts a lifecycle on the harness's task queue (any harness with a worker: in-memory, emulator or time-skipping). */
export async function startLifecycle(
  h: { temporal: Pick<TestTemporal, 'client' | 'taskQueue'> },
  request: LifecycleRequest,
): Promise<LifecycleHandle> {
  return h.temporal.client.workflow.start<typeof modelVersionLifecycle>('modelVersionLifecycle', {
    taskQueue: h.temporal.taskQueue,
    workflowId: lifecycleWorkflowId(request.modelPackageGroup, request.idempotencyKey),
    args: [request],
  });
}

/** A version started for an endpoint that already serves v1 of its group, approved at the gate. */
export async function approvedCanary(h: Harness, overrides: Partial<LifecycleRequest> = {}) {
  const req = lifecycleRequest(overrides);
  const endpoint = req.deployment.productionEndpointName;
  const stable = h.fake.seedProduction(endpoint, req.modelPackageGroup);
  const handle = await startLifecycle(h, req);
  await waitForStage(handle, 'awaiting-approval');
  await handle.signal(approveSignal, { by: 'alice' });
  return { req, endpoint, stable, handle };
}

export async function stateOf(handle: LifecycleHandle): Promise<LifecycleState> {
  return handle.query(stateQuery);
}

export async function waitFor(
  handle: LifecycleHandle,
  check: (s: LifecycleState) => boolean,
  what: string,
  timeout = 30_000,
): Promise<LifecycleState> {
  // A plain loop rather than expect.poll: it works the same inside concurrent tests.
  const deadline = Date.now() + timeout;
  for (;;) {
    const state = await stateOf(handle);
    if (check(state)) return state;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; stage is ${state.stage}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

export function waitForStage(handle: LifecycleHandle, stage: LifecycleStage, timeout?: number) {
  return waitFor(handle, (s) => s.stage === stage, `stage ${stage}`, timeout);
}

/** Sends a command as the API does (the `command` update). */
export function command(handle: LifecycleHandle, action: CommandAction, by: string, reason?: string) {
  return handle.executeUpdate(commandUpdate, { args: [{ action, by, ...(reason ? { reason } : {}) }] });
}

/** The weight pairs the workflow set on an endpoint, in order. */
export function weightsSet(fake: FakeSageMaker, endpointName: string): Record<string, number>[] {
  return (fake.callsTo('setVariantWeights') as { endpointName: string; weights: Record<string, number> }[])
    .filter((c) => c.endpointName === endpointName)
    .map((c) => c.weights);
}
