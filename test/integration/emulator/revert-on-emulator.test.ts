/**
 * Revert end to end: the API (real HTTP, operator token), the `endpointRevert` workflow on the run's
 * Temporal server, the real activities and AWS SDK clients against the emulator serving live traffic.
 */
import {
  DeleteModelCommand,
  DescribeEndpointCommand,
  DescribeEndpointConfigCommand,
  DescribeModelPackageCommand,
} from '@aws-sdk/client-sagemaker';
import type { INestApplication } from '@nestjs/common';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { planRevert } from '../../../activities';
import type { RevertState } from '../../../src/shared/revert';
import { approveSignal } from '../../../src/shared/messages';
import { callApi, createTestApi, TOKENS, type Persona } from '../api/api-harness';
import { startLifecycle, waitForStage } from '../workflows/lifecycle-harness';
import {
  EMULATOR_HEALTH,
  emulatorRequest,
  seedProduction,
  startEmulatorHarness,
  type EmulatorHarness,
} from './emulator-harness';

let h: EmulatorHarness;
let app: INestApplication;
let baseUrl: string;

beforeAll(async () => {
  h = await startEmulatorHarness();
  app = await createTestApi(h.temporal.client, h.temporal.taskQueue, async () => null, undefined, {
    planRevert: (input) => planRevert(h.aws.sagemaker, input),
    settings: {
      namespace: inject('temporalNamespace'),
      taskQueue: h.temporal.taskQueue,
      commandTimeoutMs: 20_000,
      revertDefaults: {
        endpointPollSeconds: 1,
        bakeSeconds: 4,
        healthCheckIntervalSeconds: 1,
        canarySteps: [50, 100],
        health: EMULATOR_HEALTH,
      },
    },
  });
  await app.listen(0, '127.0.0.1');
  baseUrl = await app.getUrl();
});
afterAll(async () => {
  await app?.close();
  await h?.stop();
});

const call = <T = Record<string, unknown>>(method: string, path: string, as: Persona, body?: unknown) =>
  callApi<T>(baseUrl, method, path, as, body);

/** v1 seeded and serving; v2 through the canary and promoted: the endpoint serves v2 alone. */
async function promotedTwice(environment: Record<string, string> = {}) {
  const req = emulatorRequest({ environment });
  const endpoint = req.deployment.productionEndpointName;
  const v1Arn = await seedProduction(h, req.modelPackageGroup, endpoint);
  const handle = await startLifecycle(h, { ...req, deployment: { ...req.deployment, watchSeconds: 0 } });
  await waitForStage(handle, 'awaiting-approval');
  await handle.signal(approveSignal, { by: 'alice@ml' });
  const v2 = await handle.result();
  expect(v2.stage).toBe('promoted');
  return { req, endpoint, v1Arn, v2, group: req.modelPackageGroup };
}

async function revertEnd(endpoint: string, id: string): Promise<RevertState> {
  const deadline = Date.now() + 90_000;
  for (;;) {
    const { status, body } = await call<RevertState>('GET', `/endpoints/${endpoint}/reverts/${id}`, 'viewer');
    if (status === 200 && !['waiting-for-endpoint', 'reverting'].includes(body.stage)) return body;
    if (Date.now() > deadline) throw new Error(`revert ${id} did not end; stage ${body.stage}`);
    await new Promise((r) => setTimeout(r, 300));
  }
}

const describeEndpoint = (name: string) =>
  h.aws.sagemaker.send(new DescribeEndpointCommand({ EndpointName: name }));
const describePackage = (arn: string) =>
  h.aws.sagemaker.send(new DescribeModelPackageCommand({ ModelPackageName: arn }));

describe.concurrent('revert on the AWS emulator', () => {
  it('puts an endpoint whose promoted version degrades back on the previous version, in one step', async () => {
    const { endpoint, v1Arn, v2 } = await promotedTwice();
    // An hour after promotion v2 starts failing a third of real requests.
    h.emulator.state.hosting.setBehaviourOverride(await servingModel(endpoint), { errorRate: 0.3 });
    const started = await call<{ id: string; from: { modelVersion: number }; to: { modelVersion: number } }>(
      'POST',
      `/endpoints/${endpoint}/revert`,
      'operator',
      { reason: 'v2 answers 30 % 5xx since 14:00' },
    );
    expect(started.status).toBe(202);
    expect(started.body.from.modelVersion).toBe(2);
    expect(started.body.to.modelVersion).toBe(1);

    const end = await revertEnd(endpoint, started.body.id);
    expect(end.stage).toBe('reverted');
    expect(end).toMatchObject({
      by: TOKENS.operator.identity,
      cause: 'operator',
      reason: 'v2 answers 30 % 5xx since 14:00',
    });
    expect(end.from).toMatchObject({ modelVersion: 2 });
    expect(end.to).toMatchObject({ modelVersion: 1, modelName: `${v2.modelPackageGroup}-v1-seed` });
    expect(end.notifications.map((n) => n.kind)).toEqual(['reverted']);

    const described = await describeEndpoint(endpoint);
    expect(described.ProductionVariants?.map((v) => [v.VariantName, v.CurrentWeight])).toEqual([['v1', 1]]);
    const v1 = await describePackage(v1Arn);
    expect(v1.ModelApprovalStatus).toBe('Approved');
    expect(v1.CustomerMetadataProperties?.ServingEndpoint).toBe(endpoint);
    expect(v1.CustomerMetadataProperties?.RetiredFrom).toBeUndefined();
    const reverted = await describePackage(v2.modelPackageArn!);
    expect(reverted.ModelApprovalStatus).toBe('Rejected');
    expect(reverted.ApprovalDescription).toMatch(/reverted by oscar@test \(operator\) to v1 .*30 % 5xx/);
    expect(reverted.CustomerMetadataProperties?.ServingEndpoint).toBeUndefined();
    expect(reverted.CustomerMetadataProperties?.RetiredFrom).toBe(endpoint);

    const history = await call<{
      items: { kind: string; id: string; by?: string; fromVersion?: number; toVersion?: number }[];
    }>('GET', `/endpoints/${endpoint}/history`, 'viewer');
    expect(history.body.items.find((i) => i.kind === 'revert')).toMatchObject({
      id: started.body.id,
      by: TOKENS.operator.identity,
      fromVersion: 2,
      toVersion: 1,
    });
    expect(history.body.items.some((i) => i.kind === 'lifecycle' && i.id === v2.workflowId)).toBe(true);
  });

  it('with --canary ramps the version reverted to through the steps, judged on live traffic', async () => {
    const { endpoint } = await promotedTwice();
    const started = await call<{ id: string }>('POST', `/endpoints/${endpoint}/revert`, 'operator', {
      reason: 'back to v1, carefully',
      canary: true,
    });
    expect(started.status).toBe(202);
    const end = await revertEnd(endpoint, started.body.id);
    expect(end.stage).toBe('reverted');
    expect(end.verdicts.map((v) => [v.canaryWeight, v.status])).toEqual([
      [50, 'healthy'],
      [100, 'healthy'],
    ]);
    expect(end.verdicts[0]!.canary.invocations).toBeGreaterThanOrEqual(20);
    const described = await describeEndpoint(endpoint);
    expect(described.ProductionVariants?.map((v) => v.VariantName)).toEqual(['v1']);
  });

  it('answers 409 while a deployment holds the endpoint, 404 for an unknown or pruned version, 400 naming the field', async () => {
    const { endpoint, req, group } = await promotedTwice();
    expect((await call('POST', `/endpoints/${endpoint}/revert`, 'operator', {})).body).toMatchObject({
      errors: [{ field: 'reason' }],
    });
    const bad = await call('POST', `/endpoints/${endpoint}/revert`, 'operator', {
      reason: 'x',
      toVersion: 'one',
    });
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ errors: [{ field: 'toVersion' }] });
    expect(
      (await call('POST', `/endpoints/${endpoint}/revert`, 'operator', { reason: 'x', tovrsion: 1 })).status,
    ).toBe(400);
    expect((await call('POST', `/endpoints/${endpoint}/revert`, 'approver', { reason: 'x' })).status).toBe(
      403,
    );

    const unknown = await call<{ message: string }>('POST', `/endpoints/${endpoint}/revert`, 'operator', {
      reason: 'x',
      toVersion: 9,
    });
    expect(unknown.status).toBe(404);
    expect(unknown.body.message).toMatch(/v9 of .* does not exist/);
    expect((await call('POST', `/endpoints/nope-${group}/revert`, 'operator', { reason: 'x' })).status).toBe(
      404,
    );

    // v3 on its way: once it holds the endpoint, no revert may touch it.
    const v3 = await startLifecycle(h, {
      ...emulatorRequest({ group, endpoint }),
      deployment: { ...req.deployment, bakeSeconds: 30, watchSeconds: 0 },
    });
    await waitForStage(v3, 'awaiting-approval');
    await v3.signal(approveSignal, { by: 'alice@ml' });
    await waitForStage(v3, 'canary', 60_000);
    const locked = await call<{ message: string }>('POST', `/endpoints/${endpoint}/revert`, 'operator', {
      reason: 'x',
    });
    expect(locked.status).toBe(409);
    expect(locked.body.message).toMatch(/holds/);
    await v3.cancel();
    await v3.result().catch(() => undefined);

    // The previous version's model gone (pruned by hand here): refused, not re-created.
    await h.aws.sagemaker.send(new DeleteModelCommand({ ModelName: `${group}-v1-seed` }));
    const pruned = await call<{ message: string }>('POST', `/endpoints/${endpoint}/revert`, 'operator', {
      reason: 'x',
    });
    expect(pruned.status).toBe(404);
    expect(pruned.body.message).toMatch(/pruned/);
    expect((await describeEndpoint(endpoint)).ProductionVariants?.map((v) => v.VariantName)).toEqual(['v2']);
  });
});

/** The model the endpoint's only variant runs. */
async function servingModel(endpoint: string): Promise<string> {
  const { EndpointConfigName } = await describeEndpoint(endpoint);
  const config = await h.aws.sagemaker.send(new DescribeEndpointConfigCommand({ EndpointConfigName }));
  return config.ProductionVariants![0]!.ModelName!;
}
