/**
 * The shadow stage end to end: real activities and SDK clients, the emulator mirroring live traffic
 * to the shadow variant and publishing its metrics. A version that fails on real inputs is rejected
 * in the shadow with not one failed user request; a healthy one goes on to the canary; AWS refusing
 * the health reads mid-shadow leaves the endpoint on the stable variant alone.
 */
import { DescribeEndpointCommand } from '@aws-sdk/client-sagemaker';
import { WorkflowFailedError } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LifecycleRequest } from '../../../src/shared/lifecycle-input';
import { approveSignal } from '../../../src/shared/messages';
import { startLifecycle, stateOf, waitFor } from '../workflows/lifecycle-harness';
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

function shadowRequest(environment: Record<string, string> = {}): LifecycleRequest {
  const req = emulatorRequest({ environment });
  req.deployment.shadow = { trafficPercent: 50, bakeSeconds: 5 };
  return req;
}

async function approvedShadow(req: LifecycleRequest) {
  const endpoint = req.deployment.productionEndpointName;
  await seedProduction(h, req.modelPackageGroup, endpoint);
  const handle = await startLifecycle(h, req);
  await waitFor(handle, (s) => s.stage === 'awaiting-approval', 'approval', 60_000);
  await handle.signal(approveSignal, { by: 'alice@ml' });
  return { endpoint, handle };
}

/** What the emulator served from a variant: what its users (or, for a shadow, nobody) got. */
const served = (endpoint: string, variant: string) =>
  h.emulator.state.invocations.counts.get(`${endpoint}/${variant}`) ?? {
    invocations: 0,
    errors5xx: 0,
    errors4xx: 0,
  };

async function onStableAlone(endpoint: string) {
  const d = await h.aws.sagemaker.send(new DescribeEndpointCommand({ EndpointName: endpoint }));
  expect(d.EndpointStatus).toBe('InService');
  expect(d.ProductionVariants?.map((v) => v.VariantName)).toEqual(['v1']);
  expect(d.ShadowProductionVariants).toBeUndefined();
}

describe.concurrent('shadow stage on the AWS emulator', () => {
  it('rejects a version failing on real inputs in the shadow, with zero failed user requests', async () => {
    const req = shadowRequest({ EMULATOR_FAIL_ON_INPUT_CONTAINING: 'null' });
    const { endpoint, handle } = await approvedShadow(req);
    const final = await handle.result();

    expect(final.validation?.passed).toBe(true); // clean sample payloads: staging saw nothing wrong
    expect(final.stage).toBe('shadow-rejected');
    expect(final.shadow?.verdict).toMatchObject({ status: 'unhealthy', canaryWeight: 0 });
    expect(final.shadow!.verdict!.reasons.join(' ')).toMatch(/5xx/);
    expect(final.shadow!.verdict!.canary.errors5xx).toBeGreaterThan(0);
    expect(final.verdicts).toEqual([]);
    await onStableAlone(endpoint);

    // Users were served by v1 alone, and none of their requests failed; the shadow's failures went nowhere.
    const users = served(endpoint, 'v1');
    expect(users.invocations).toBeGreaterThan(100);
    expect(users.errors5xx).toBe(0);
    expect(served(endpoint, 'v2').invocations).toBe(0);
    const shadow = served(endpoint, 'v2-shadow');
    expect(shadow.errors5xx).toBeGreaterThan(0);
    expect(shadow.invocations).toBeLessThan(users.invocations);
  });

  it('lets a healthy shadow go on to the canary and promotion', async () => {
    const req = shadowRequest();
    const { endpoint, handle } = await approvedShadow(req);
    const final = await handle.result();

    expect(final.stage).toBe('promoted');
    const verdict = final.shadow!.verdict!;
    expect(verdict.status).toBe('healthy');
    // About half of stable's requests were copied to the shadow, as its weight (0.5 of production's) says.
    const share = verdict.canary.invocations / verdict.stable!.invocations;
    expect(share).toBeGreaterThan(0.3);
    expect(share).toBeLessThan(0.7);
    expect(final.verdicts.map((v) => [v.canaryWeight, v.status])).toEqual([
      [10, 'healthy'],
      [50, 'healthy'],
      [100, 'healthy'],
    ]);
    const d = await h.aws.sagemaker.send(new DescribeEndpointCommand({ EndpointName: endpoint }));
    expect(d.ProductionVariants?.map((v) => v.VariantName)).toEqual(['v2']);
    expect(d.ShadowProductionVariants).toBeUndefined();
  });
});

describe('AWS refusing the shadow health reads, on the emulator', () => {
  it('removes the shadow and ends rolled back on the stable variant alone', async () => {
    const req = shadowRequest();
    req.deployment.shadow = { trafficPercent: 50, bakeSeconds: 30 };
    const { endpoint, handle } = await approvedShadow(req);
    await waitFor(handle, (s) => !!s.shadow?.startedAt, 'the shadow bake', 60_000);
    const d = await h.aws.sagemaker.send(new DescribeEndpointCommand({ EndpointName: endpoint }));
    expect(d.ShadowProductionVariants?.map((v) => v.VariantName)).toEqual(['v2-shadow']);
    const rule = h.emulator.state.faults.add({ operation: 'GetMetricData', kind: 'deny' });
    try {
      await expect(handle.result()).rejects.toBeInstanceOf(WorkflowFailedError);
    } finally {
      h.emulator.state.faults.remove(rule.id);
    }
    const final = await stateOf(handle);
    expect(final.stage).toBe('rolled-back');
    expect(final.rollback).toMatchObject({ cause: 'failure' });
    expect(final.rollback?.reason).toMatch(/^shadow failed: .*not authorized/);
    await onStableAlone(endpoint);
    expect(served(endpoint, 'v1').errors5xx).toBe(0);
  });
});
