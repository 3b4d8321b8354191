/**
 * The lifecycle end to end: real Temporal server, worker with the real activities and AWS SDK
 * clients, and the AWS emulator serving live traffic. Health verdicts come from CloudWatch metrics
 * the emulator aggregated from real invocations, not from a script.
 */
import { DescribeEndpointCommand, DescribeModelPackageCommand } from '@aws-sdk/client-sagemaker';
import { InvokeEndpointCommand } from '@aws-sdk/client-sagemaker-runtime';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LifecycleState } from '../../../src/shared/lifecycle-state';
import { approveSignal } from '../../../src/shared/messages';
import {
  emulatorRequest,
  seedProduction,
  startEmulatorHarness,
  TRAFFIC_PER_SECOND,
  type EmulatorHarness,
} from './emulator-harness';
import { startLifecycle, waitForStage, type LifecycleHandle } from '../workflows/lifecycle-harness';

let h: EmulatorHarness;
beforeAll(async () => {
  h = await startEmulatorHarness();
});
afterAll(async () => h?.stop());

async function approve(handle: LifecycleHandle) {
  await waitForStage(handle, 'awaiting-approval');
  await handle.signal(approveSignal, { by: 'alice@ml' });
}

async function describeEndpoint(name: string) {
  return h.aws.sagemaker.send(new DescribeEndpointCommand({ EndpointName: name }));
}

/** Which variants answer `n` real invocations through the SageMaker Runtime client. */
async function variantsAnswering(endpointName: string, n: number): Promise<Record<string, number>> {
  const seen: Record<string, number> = {};
  for (let i = 0; i < n; i++) {
    const out = await h.aws.runtime.send(
      new InvokeEndpointCommand({
        EndpointName: endpointName,
        ContentType: 'application/json',
        Body: new TextEncoder().encode('{"instances":[[1,2]]}'),
      }),
    );
    const variant = out.InvokedProductionVariant ?? '?';
    seen[variant] = (seen[variant] ?? 0) + 1;
  }
  return seen;
}

/** The canary's share of the invocations a verdict counted. */
function canaryShare(v: LifecycleState['verdicts'][number]): number {
  const stable = v.stable?.invocations ?? 0;
  return v.canary.invocations / (v.canary.invocations + stable);
}

describe.concurrent('lifecycle on the AWS emulator', () => {
  it('promotes a good version through 10, 50 and 100 % of live traffic', async () => {
    const req = emulatorRequest();
    const endpoint = req.deployment.productionEndpointName;
    const stableArn = await seedProduction(h, req.modelPackageGroup, endpoint);
    const handle = await startLifecycle(h, req);
    await approve(handle);
    const final = await handle.result();

    expect(final.stage).toBe('promoted');
    expect(final.modelVersion).toBe(2);
    expect(final.verdicts.map((v) => [v.canaryWeight, v.status])).toEqual([
      [10, 'healthy'],
      [50, 'healthy'],
      [100, 'healthy'],
    ]);
    // The verdicts counted real invocations, split as the weights said.
    const [at10, at50] = final.verdicts;
    expect(at10!.canary.invocations).toBeGreaterThanOrEqual(20);
    expect(canaryShare(at10!)).toBeGreaterThan(0.03);
    expect(canaryShare(at10!)).toBeLessThan(0.2);
    expect(canaryShare(at50!)).toBeGreaterThan(0.35);
    expect(canaryShare(at50!)).toBeLessThan(0.65);
    expect(at10!.canary.latencyMs).toBeGreaterThan(30);
    expect(at10!.canary.latencyMs).toBeLessThan(80);

    const described = await describeEndpoint(endpoint);
    expect(described.EndpointStatus).toBe('InService');
    expect(described.ProductionVariants?.map((v) => [v.VariantName, v.CurrentWeight])).toEqual([['v2', 1]]);
    expect(await variantsAnswering(endpoint, 10)).toEqual({ v2: 10 });
    const pkg = await h.aws.sagemaker.send(
      new DescribeModelPackageCommand({ ModelPackageName: final.modelPackageArn }),
    );
    expect(pkg.ModelApprovalStatus).toBe('Approved');
    expect(pkg.CustomerMetadataProperties?.ServingEndpoint).toBe(endpoint);
    const stable = await h.aws.sagemaker.send(
      new DescribeModelPackageCommand({ ModelPackageName: stableArn }),
    );
    expect(stable.CustomerMetadataProperties?.ServingEndpoint).toBeUndefined();
    // Staging is gone.
    await expect(describeEndpoint(final.stagingEndpointName!)).rejects.toThrow(/Could not find endpoint/);
  });

  it('rolls a version that fails on real traffic back at the first step', async () => {
    // Registered like any other version: it crashes on inputs with a missing feature, which the
    // clean sample payloads of staging validation do not have and a quarter of real requests do.
    const req = emulatorRequest({ environment: { EMULATOR_FAIL_ON_INPUT_CONTAINING: 'null' } });
    const endpoint = req.deployment.productionEndpointName;
    await seedProduction(h, req.modelPackageGroup, endpoint);
    const handle = await startLifecycle(h, req);
    await approve(handle);
    const final = await handle.result();

    expect(final.validation?.passed).toBe(true);
    expect(final.stage).toBe('rolled-back');
    expect(final.verdicts).toHaveLength(1);
    expect(final.verdicts[0]).toMatchObject({ canaryWeight: 10, status: 'unhealthy' });
    expect(final.verdicts[0]!.reasons.join(' ')).toMatch(/5xx rate/);
    expect(final.rollback).toMatchObject({ by: 'health-check' });

    const described = await describeEndpoint(endpoint);
    expect(described.EndpointStatus).toBe('InService');
    expect(described.ProductionVariants?.map((v) => v.VariantName)).toEqual(['v1']);
    expect(await variantsAnswering(endpoint, 20)).toEqual({ v1: 20 });
    const pkg = await h.aws.sagemaker.send(
      new DescribeModelPackageCommand({ ModelPackageName: final.modelPackageArn }),
    );
    expect(pkg.ModelApprovalStatus).toBe('Rejected');
    expect(pkg.ApprovalDescription).toMatch(/5xx rate/);
  });

  it('catches a latency-only regression: no errors, but p99 far above the stable version', async () => {
    const req = emulatorRequest({ environment: { EMULATOR_LATENCY_MS: '300' } });
    const endpoint = req.deployment.productionEndpointName;
    await seedProduction(h, req.modelPackageGroup, endpoint);
    const handle = await startLifecycle(h, req);
    await approve(handle);
    const final = await handle.result();

    expect(final.stage).toBe('rolled-back');
    expect(final.verdicts).toHaveLength(1);
    const verdict = final.verdicts[0]!;
    expect(verdict.status).toBe('unhealthy');
    expect(verdict.canary.errors5xx).toBe(0);
    expect(verdict.reasons.join(' ')).toMatch(/latency/);
    expect(verdict.canary.latencyMs).toBeGreaterThan(250);
    expect(verdict.stable?.latencyMs).toBeLessThan(80);
    expect((await describeEndpoint(endpoint)).ProductionVariants?.map((v) => v.VariantName)).toEqual(['v1']);
  });

  it('deploys the first version of a new endpoint and watches it at 100 %', async () => {
    const req = emulatorRequest();
    const endpoint = req.deployment.productionEndpointName;
    // Users arrive as soon as the endpoint exists.
    h.sendTraffic(endpoint, TRAFFIC_PER_SECOND / 2);
    const handle = await startLifecycle(h, req);
    await approve(handle);
    const final = await handle.result();

    expect(final.stage).toBe('promoted');
    expect(final.canary?.firstDeployment).toBe(true);
    expect(final.verdicts.map((v) => [v.canaryWeight, v.status])).toEqual([[100, 'healthy']]);
    expect(final.verdicts[0]!.canary.invocations).toBeGreaterThanOrEqual(20);
    const described = await describeEndpoint(endpoint);
    expect(described.ProductionVariants?.map((v) => [v.VariantName, v.CurrentWeight])).toEqual([['v1', 1]]);
    expect(await variantsAnswering(endpoint, 5)).toEqual({ v1: 5 });
  });

  it('stops a version that errors in staging before it touches production', async () => {
    const req = emulatorRequest({ environment: { EMULATOR_ERROR_RATE: '1' } });
    const endpoint = req.deployment.productionEndpointName;
    await seedProduction(h, req.modelPackageGroup, endpoint);
    const before = await describeEndpoint(endpoint);
    const handle = await startLifecycle(h, req);
    await approve(handle);
    const final = await handle.result();

    expect(final.stage).toBe('validation-failed');
    expect(final.validation?.failures.join(' ')).toMatch(/ModelError/);
    await expect(describeEndpoint(final.stagingEndpointName!)).rejects.toThrow(/Could not find endpoint/);
    const after = await describeEndpoint(endpoint);
    expect(after.EndpointConfigName).toBe(before.EndpointConfigName);
    expect(after.ProductionVariants?.map((v) => v.VariantName)).toEqual(['v1']);
  });
});
