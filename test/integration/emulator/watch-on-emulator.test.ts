/**
 * After promotion, on the emulator with live traffic: the watch judges the promoted version against
 * the previous version's recorded baseline and reverts by itself; a new deployment ends the watch;
 * and the capacity each variant runs, as DescribeEndpoint reports it.
 */
import {
  DescribeEndpointCommand,
  DescribeEndpointConfigCommand,
  DescribeModelPackageCommand,
} from '@aws-sdk/client-sagemaker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LifecycleRequest } from '../../../src/shared/lifecycle-input';
import { approveSignal } from '../../../src/shared/messages';
import { startLifecycle, waitFor, waitForStage } from '../workflows/lifecycle-harness';
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

const describeEndpoint = (name: string) =>
  h.aws.sagemaker.send(new DescribeEndpointCommand({ EndpointName: name }));

async function servingModel(endpoint: string): Promise<string> {
  const { EndpointConfigName } = await describeEndpoint(endpoint);
  const config = await h.aws.sagemaker.send(new DescribeEndpointConfigCommand({ EndpointConfigName }));
  return config.ProductionVariants![0]!.ModelName!;
}

const watching = (req: LifecycleRequest, watchSeconds: number): LifecycleRequest => ({
  ...req,
  deployment: { ...req.deployment, watchSeconds },
});

async function approved(req: LifecycleRequest) {
  const handle = await startLifecycle(h, req);
  await waitForStage(handle, 'awaiting-approval');
  await handle.signal(approveSignal, { by: 'alice@ml' });
  return handle;
}

describe.concurrent('after promotion on the AWS emulator', () => {
  it('reverts by itself when the promoted version degrades during the watch', async () => {
    const req = emulatorRequest();
    const endpoint = req.deployment.productionEndpointName;
    const v1Arn = await seedProduction(h, req.modelPackageGroup, endpoint);
    const handle = await approved(watching(req, 90));
    const during = await waitForStage(handle, 'watching', 90_000);
    expect(during.watch?.baseline.invocations).toBeGreaterThan(100);
    // Promoted and healthy so far; then v2 starts failing a fifth of real requests.
    h.emulator.state.hosting.setBehaviourOverride(await servingModel(endpoint), { errorRate: 0.2 });
    const final = await handle.result();

    expect(final.stage).toBe('reverted');
    expect(final.watch?.result).toBe('unhealthy');
    expect(final.watch?.verdict?.canary.errors5xx).toBeGreaterThan(0);
    expect(final.watch?.verdict?.reasons.join(' ')).toMatch(/5xx/);
    expect(final.watch?.limits?.maxErrorRate).toBeLessThan(0.05); // the baseline's, tighter than the policy's
    expect(final.watch?.revert?.stage).toBe('reverted');
    expect((await describeEndpoint(endpoint)).ProductionVariants?.map((v) => v.VariantName)).toEqual(['v1']);
    const v1 = await h.aws.sagemaker.send(new DescribeModelPackageCommand({ ModelPackageName: v1Arn }));
    expect(v1.CustomerMetadataProperties?.ServingEndpoint).toBe(endpoint);
    const v2 = await h.aws.sagemaker.send(
      new DescribeModelPackageCommand({ ModelPackageName: final.modelPackageArn }),
    );
    expect(v2.ModelApprovalStatus).toBe('Rejected');
    expect(v2.ApprovalDescription).toMatch(/post-promotion watch: .*5xx/);
  });

  it('a healthy watch that sees the next deployment take the endpoint ends, leaving both alone', async () => {
    const req = emulatorRequest();
    const endpoint = req.deployment.productionEndpointName;
    await seedProduction(h, req.modelPackageGroup, endpoint);
    const v2 = await approved(watching(req, 300));
    await waitForStage(v2, 'watching', 90_000);
    const v3 = await approved(emulatorRequest({ group: req.modelPackageGroup, endpoint }));
    const v2End = await v2.result();
    expect(v2End.stage).toBe('promoted');
    expect(v2End.watch).toMatchObject({ result: 'superseded' });
    expect(v2End.watch?.note).toMatch(/holds|no longer serves/);
    const v3End = await v3.result();
    expect(v3End.stage).toBe('promoted');
    expect((await describeEndpoint(endpoint)).ProductionVariants?.map((v) => v.VariantName)).toEqual(['v3']);
  });

  it('runs the canary with capacity following its weight and promotes with the stable capacity', async () => {
    const req = emulatorRequest();
    const endpoint = req.deployment.productionEndpointName;
    await seedProduction(h, req.modelPackageGroup, endpoint, 4);
    const handle = await approved({ ...req, deployment: { ...req.deployment, bakeSeconds: 8 } });
    const counts = async (): Promise<Record<string, (number | undefined)[]>> => {
      const variants = (await describeEndpoint(endpoint)).ProductionVariants ?? [];
      return Object.fromEntries(
        variants.map((v) => [v.VariantName!, [v.CurrentWeight, v.CurrentInstanceCount]]),
      );
    };
    const at10 = await waitFor(handle, (s) => s.canary?.canaryWeight === 10, 'step 10 %', 90_000);
    expect(at10.canary?.instances).toEqual({ stable: 4, canary: 1 });
    expect(await counts()).toEqual({ v1: [90, 4], v2: [10, 1] });
    const at50 = await waitFor(handle, (s) => s.canary?.canaryWeight === 50, 'step 50 %', 90_000);
    expect(at50.canary?.instances).toEqual({ stable: 4, canary: 2 });
    expect(await counts()).toEqual({ v1: [50, 4], v2: [50, 2] });
    const final = await handle.result();
    expect(final.stage).toBe('promoted');
    expect(final.canary?.instances).toEqual({ canary: 4 });
    expect(await counts()).toEqual({ v2: [1, 4] });
  });
});
