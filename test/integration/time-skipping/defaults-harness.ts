/**
 * Shared set-up of the time-skipping tests: the lifecycle with the timings users get (no shortened
 * delays), on the Java test server, against the in-memory SageMaker.
 */
import type { LifecycleRequest } from '../../../src/shared/lifecycle-input';
import { createFakeSageMaker, type FakeSageMaker } from '../../helpers/fake-sagemaker';
import { startTimeSkippingTemporal, type TimeSkippingTemporal } from '../../helpers/time-skipping';
import { lifecycleRequest } from '../workflows/lifecycle-harness';

export const HOUR_MS = 3600_000;
export const DAY_MS = 24 * HOUR_MS;

export interface TimeSkippingHarness {
  temporal: TimeSkippingTemporal;
  fake: FakeSageMaker;
  stop(): Promise<void>;
}

/**
 * A worker on its own test server. `wrap` lets a file change what an activity does with server time
 * (e.g. a bake that lasts its bakeSeconds) while the fake keeps the SageMaker side.
 */
export async function startTimeSkippingHarness(
  wrap: (fake: FakeSageMaker, temporal: TimeSkippingTemporal) => object = (fake) => fake.activities,
): Promise<TimeSkippingHarness> {
  const temporal = await startTimeSkippingTemporal();
  // No lockLivenessCheckSeconds: the endpoint lock checks its holder at the production default.
  const fake = createFakeSageMaker({ temporal: { client: temporal.client, taskQueue: temporal.taskQueue } });
  const worker = await temporal.startWorker({
    ...wrap(fake, temporal),
    // The test server has no visibility store (ListWorkflowExecutions is unimplemented), so a new lock's
    // recovery cannot list who uses the endpoint. Every test here uses an endpoint of its own, where the
    // true answer is "nobody"; recovery itself is tested on the dev server (endpoint-lock.test.ts).
    async findEndpointLockUsers() {
      return { holders: [], waiters: [] };
    },
  });
  return {
    temporal,
    fake,
    async stop() {
      await worker.stop();
      await temporal.close();
    },
  };
}

/** A request that sets only the endpoint: every timer, bake, step and limit is the schema's default. */
export function defaultsRequest(overrides: Partial<LifecycleRequest> = {}): LifecycleRequest {
  const req = lifecycleRequest(overrides);
  return { ...req, deployment: { productionEndpointName: req.deployment.productionEndpointName } };
}

/** When the lifecycle entered `stage` (its first time), in workflow time. */
export function enteredAt(state: { transitions: { stage: string; at: string }[] }, stage: string): number {
  const t = state.transitions.find((x) => x.stage === stage);
  if (!t) throw new Error(`never entered ${stage}: ${state.transitions.map((x) => x.stage).join(' → ')}`);
  return Date.parse(t.at);
}
