/**
 * AWS refusing a call mid-canary, end to end: the real activities and SDK clients against the
 * emulator's fault API. A refused weight change rolls production back to the stable variant alone;
 * a refused rollback waits in needs-attention with two variants still up, and an operator's
 * retry-rollback finishes it once the cause is gone. Faults are global to the emulator, so the
 * cases run one after the other.
 */
import { DescribeEndpointCommand, DescribeEndpointConfigCommand } from '@aws-sdk/client-sagemaker';
import { WorkflowFailedError } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { approveSignal } from '../../../src/shared/messages';
import {
  command,
  startLifecycle,
  stateOf,
  waitFor,
  type LifecycleHandle,
} from '../workflows/lifecycle-harness';
import {
  emulatorRequest,
  seedProduction,
  startEmulatorHarness,
  type EmulatorHarness,
} from './emulator-harness';

let h: EmulatorHarness;
beforeAll(async () => {
  h = await startEmulatorHarness();
});
afterAll(async () => h?.stop());

async function control(method: string, path: string, body?: unknown) {
  const res = await fetch(`${h.emulator.url}/_emulator/${path}`, {
    method,
    headers: { 'content-type': 'application/json' },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  expect(res.ok).toBe(true);
  return res.json() as Promise<Record<string, unknown>>;
}

async function servingVariants(endpointName: string) {
  const d = await h.aws.sagemaker.send(new DescribeEndpointCommand({ EndpointName: endpointName }));
  return (d.ProductionVariants ?? []).map((v) => ({ name: v.VariantName, weight: v.CurrentWeight }));
}

async function approvedCanary(bakeSeconds: number) {
  const req = emulatorRequest();
  req.deployment.bakeSeconds = bakeSeconds;
  const endpoint = req.deployment.productionEndpointName;
  await seedProduction(h, req.modelPackageGroup, endpoint);
  const handle: LifecycleHandle = await startLifecycle(h, req);
  await waitFor(handle, (s) => s.stage === 'awaiting-approval', 'approval', 60_000);
  await handle.signal(approveSignal, { by: 'alice@ml' });
  return { req, endpoint, handle };
}

describe('AWS refusing calls mid-canary, on the emulator', () => {
  it('a refused weight change rolls production back to the stable variant alone', async () => {
    await control('POST', 'faults', {
      operation: 'UpdateEndpointWeightsAndCapacities',
      kind: 'deny',
      count: 1,
    });
    const { endpoint, handle } = await approvedCanary(3);
    const error = await handle.result().then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(error).toBeInstanceOf(WorkflowFailedError);
    const final = await stateOf(handle);
    expect(final.stage).toBe('rolled-back');
    expect(final.rollback).toMatchObject({ cause: 'failure' });
    expect(final.rollback?.reason).toMatch(/AccessDeniedException|not authorized/);
    expect(await servingVariants(endpoint)).toEqual([{ name: 'v1', weight: 1 }]);
    await control('DELETE', 'faults');
  });

  it('a refused rollback waits in needs-attention, and retry-rollback finishes it once the cause is gone', async () => {
    const { endpoint, handle } = await approvedCanary(30);
    await waitFor(handle, (s) => s.stage === 'canary' && s.canary?.stepIndex === 0, 'the 10 % bake', 60_000);
    await control('POST', 'faults', { operation: 'UpdateEndpointWeightsAndCapacities', kind: 'deny' });
    // The canary turns bad: its model now fails half its requests.
    const described = await h.aws.sagemaker.send(new DescribeEndpointCommand({ EndpointName: endpoint }));
    const config = await h.aws.sagemaker.send(
      new DescribeEndpointConfigCommand({ EndpointConfigName: described.EndpointConfigName }),
    );
    const canaryModel = config.ProductionVariants?.find((v) => v.VariantName === 'v2')?.ModelName;
    await control('PUT', `models/${canaryModel}/behaviour`, { errorRate: 0.5 });

    const stuck = await waitFor(handle, (s) => s.stage === 'needs-attention', 'needs-attention', 90_000);
    expect(stuck.rollback).toMatchObject({ cause: 'health' });
    expect(stuck.attention?.problem).toMatch(/rollback could not complete: .*(AccessDenied|not authorized)/);
    expect((await servingVariants(endpoint)).map((v) => v.name).sort()).toEqual(['v1', 'v2']);

    await control('DELETE', 'faults');
    await command(handle, 'retry-rollback', 'oscar@ml', 'IAM policy restored');
    const final = await handle.result();
    expect(final.stage).toBe('rolled-back');
    expect(await servingVariants(endpoint)).toEqual([{ name: 'v1', weight: 1 }]);
  });
});
