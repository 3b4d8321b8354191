/**
 * Strategy guardrails end to end: SageMaker's blue/green deployment as the emulator implements it,
 * with the alarms the lifecycle creates for the new variant. A good version is deployed by SageMaker
 * and promoted; a version with a 15 % error rate trips the 5xx alarm during the canary bake and
 * SageMaker rolls it back by itself; the lifecycle records SageMaker's outcome and deletes its alarms.
 */
import { DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import { DescribeEndpointCommand, DescribeModelPackageCommand } from '@aws-sdk/client-sagemaker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LifecycleRequest } from '../../../src/shared/lifecycle-input';
import { approveSignal } from '../../../src/shared/messages';
import { startLifecycle, stateOf, waitFor } from '../workflows/lifecycle-harness';
import { WorkflowFailedError } from '@temporalio/client';
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

function guardrailsRequest(environment: Record<string, string> = {}): LifecycleRequest {
  const req = emulatorRequest({ environment });
  req.deployment.strategy = 'guardrails';
  req.deployment.guardrails = {
    trafficRouting: 'CANARY',
    stepPercent: 20,
    waitIntervalSeconds: 4,
    terminationWaitSeconds: 1,
    maximumExecutionTimeoutSeconds: 600,
    alarmDatapoints: 2,
    alarmEvaluationPeriods: 3,
  };
  return req;
}

async function run(req: LifecycleRequest) {
  const endpoint = req.deployment.productionEndpointName;
  await seedProduction(h, req.modelPackageGroup, endpoint);
  const handle = await startLifecycle(h, req);
  await waitFor(handle, (s) => s.stage === 'awaiting-approval', 'approval', 60_000);
  await handle.signal(approveSignal, { by: 'alice@ml' });
  return { endpoint, final: await handle.result() };
}

async function alarmsNamed(names: string[]) {
  const out = await h.aws.cloudwatch.send(new DescribeAlarmsCommand({ AlarmNames: names }));
  return out.MetricAlarms ?? [];
}

const served = (endpoint: string, variant: string) =>
  h.emulator.state.invocations.counts.get(`${endpoint}/${variant}`)?.invocations ?? 0;

describe.concurrent('strategy guardrails on the AWS emulator', () => {
  it('lets SageMaker deploy a good version by its canary policy, then promotes it', async () => {
    const { endpoint, final } = await run(guardrailsRequest());

    expect(final.stage).toBe('promoted');
    expect(final.transitions.map((t) => t.stage)).toContain('guardrails');
    expect(final.transitions.map((t) => t.stage)).not.toContain('canary');
    expect(final.guardrails).toMatchObject({
      outcome: 'deployed',
      trafficRouting: 'CANARY',
      stepPercent: 20,
      alarmsDeleted: true,
    });
    expect(final.guardrails?.createdAlarms).toHaveLength(2);
    expect(final.guardrails?.lastDeploymentConfig).toMatchObject({
      BlueGreenUpdatePolicy: { TrafficRoutingConfiguration: { Type: 'CANARY', WaitIntervalInSeconds: 4 } },
      AutoRollbackConfiguration: { Alarms: final.guardrails!.alarms.map((AlarmName) => ({ AlarmName })) },
    });
    const d = await h.aws.sagemaker.send(new DescribeEndpointCommand({ EndpointName: endpoint }));
    expect(d.ProductionVariants?.map((v) => v.VariantName)).toEqual(['v2']);
    const pkg = await h.aws.sagemaker.send(
      new DescribeModelPackageCommand({ ModelPackageName: final.modelPackageArn }),
    );
    expect(pkg.CustomerMetadataProperties?.ServingEndpoint).toBe(endpoint);
    expect(await alarmsNamed(final.guardrails!.createdAlarms)).toEqual([]);
    // The emulator shifted traffic: both fleets served while the update ran.
    expect(served(endpoint, 'v2')).toBeGreaterThan(0);
  });

  it('records SageMaker rolling a bad version back on the 5xx alarm, and rejects it', async () => {
    const { endpoint, final } = await run(guardrailsRequest({ EMULATOR_ERROR_RATE: '0.15' }));

    expect(final.stage).toBe('rolled-back');
    expect(final.guardrails?.outcome).toBe('rolled-back');
    expect(final.guardrails?.failureReason).toMatch(/-5xx-rate went into ALARM/);
    expect(final.rollback).toMatchObject({ by: 'sagemaker', cause: 'health' });
    expect(final.rollback?.reason).toMatch(/^SageMaker rolled the deployment back: /);
    const d = await h.aws.sagemaker.send(new DescribeEndpointCommand({ EndpointName: endpoint }));
    expect(d.EndpointStatus).toBe('InService');
    expect(d.ProductionVariants?.map((v) => v.VariantName)).toEqual(['v1']);
    const pkg = await h.aws.sagemaker.send(
      new DescribeModelPackageCommand({ ModelPackageName: final.modelPackageArn }),
    );
    expect(pkg.ModelApprovalStatus).toBe('Rejected');
    expect(pkg.CustomerMetadataProperties?.ServingEndpoint).toBeUndefined();
    expect(final.guardrails?.alarmsDeleted).toBe(true);
    expect(await alarmsNamed(final.guardrails!.createdAlarms)).toEqual([]);
  });
});

describe('AWS refusing the guarded UpdateEndpoint, on the emulator', () => {
  it('ends rolled back on the stable variant with the alarms it created deleted', async () => {
    const rule = h.emulator.state.faults.add({ operation: 'UpdateEndpoint', kind: 'deny', count: 1 });
    let final;
    try {
      const req = guardrailsRequest();
      const endpoint = req.deployment.productionEndpointName;
      await seedProduction(h, req.modelPackageGroup, endpoint);
      const handle = await startLifecycle(h, req);
      await waitFor(handle, (s) => s.stage === 'awaiting-approval', 'approval', 60_000);
      await handle.signal(approveSignal, { by: 'alice@ml' });
      await expect(handle.result()).rejects.toBeInstanceOf(WorkflowFailedError);
      final = await stateOf(handle);
      const d = await h.aws.sagemaker.send(new DescribeEndpointCommand({ EndpointName: endpoint }));
      expect(d.ProductionVariants?.map((v) => v.VariantName)).toEqual(['v1']);
    } finally {
      h.emulator.state.faults.remove(rule.id);
    }
    expect(final.stage).toBe('rolled-back');
    expect(final.rollback).toMatchObject({ cause: 'failure' });
    expect(final.rollback?.reason).toMatch(/^guardrails failed: UpdateEndpoint: .*not authorized/);
    expect(final.guardrails?.alarmsDeleted).toBe(true);
    expect(await alarmsNamed(final.guardrails!.createdAlarms)).toEqual([]);
  });
});
