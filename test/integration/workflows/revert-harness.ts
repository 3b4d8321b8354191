/**
 * Reverts on the in-memory SageMaker, for the revert workflow's tests and its replay fixtures: an
 * endpoint where v2 was promoted over v1, and the revert workflow started directly (as the API does).
 */
import { randomUUID } from 'node:crypto';
import { expect } from 'vitest';
import {
  revertStateQuery,
  revertWorkflowId,
  type RevertRequest,
  type RevertState,
} from '../../../src/shared/revert';
import type { endpointRevert } from '../../../workflows';
import { approvedCanary, type Harness } from './lifecycle-harness';

/** v1 seeded, v2 promoted through the canary: the endpoint serves v2, v1 retired from it. */
export async function promotedV2(h: Harness) {
  const { endpoint, stable, handle } = await approvedCanary(h, { deployment: { watchSeconds: 0 } } as never);
  const v2 = await handle.result();
  expect(v2.stage).toBe('promoted');
  return { endpoint, v1: stable, v2 };
}

export function startRevert(h: Harness, endpointName: string, overrides: Partial<RevertRequest> = {}) {
  return h.temporal.client.workflow.start<typeof endpointRevert>('endpointRevert', {
    taskQueue: h.temporal.taskQueue,
    workflowId: revertWorkflowId(endpointName, randomUUID().slice(0, 8)),
    args: [
      {
        endpointName,
        by: 'oscar',
        reason: 'v2 degraded',
        cause: 'operator',
        endpointPollSeconds: 1,
        endpointTimeoutSeconds: 20,
        bakeSeconds: 1,
        healthCheckIntervalSeconds: 1,
        ...overrides,
      },
    ],
  });
}

export type RevertHandle = Awaited<ReturnType<typeof startRevert>>;

export async function waitForRevert(
  handle: RevertHandle,
  check: (s: RevertState) => boolean,
  timeout = 30_000,
): Promise<RevertState> {
  const deadline = Date.now() + timeout;
  for (;;) {
    const state = await handle.query(revertStateQuery);
    if (check(state)) return state;
    if (Date.now() > deadline) throw new Error(`revert stuck in ${state.stage}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Makes every weight change on `endpoint` that moves traffic toward v1 fail until the returned function is called. */
export function failWeightsTowardV1(h: Harness, endpoint: string, message = 'AccessDenied'): () => void {
  return h.fake.fail('setVariantWeights', {
    when: (i: { endpointName: string; weights: Record<string, number> }) =>
      i.endpointName === endpoint && (i.weights.v1 ?? 0) < 100,
    message,
  });
}
