/**
 * Withdrawal end to end: a version rejected after its approval, by a SageMaker Studio event through
 * /events/sagemaker or by POST /model-versions/:id/withdraw, on the emulator with live traffic.
 */
import {
  DescribeEndpointCommand,
  DescribeModelPackageCommand,
  UpdateModelPackageCommand,
} from '@aws-sdk/client-sagemaker';
import type { INestApplication } from '@nestjs/common';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { describeServingLineage, planRevert } from '../../../activities';
import type { LifecycleRequest } from '../../../src/shared/lifecycle-input';
import type { LifecycleState } from '../../../src/shared/lifecycle-state';
import { approveSignal } from '../../../src/shared/messages';
import type { RevertState } from '../../../src/shared/revert';
import { callApi, createTestApi, type Persona } from '../api/api-harness';
import { startLifecycle, waitForStage } from '../workflows/lifecycle-harness';
import {
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
  app = await createTestApi(
    h.temporal.client,
    h.temporal.taskQueue,
    (name) => describeServingLineage(h.aws.sagemaker, name),
    undefined,
    {
      planRevert: (input) => planRevert(h.aws.sagemaker, input),
      settings: {
        namespace: inject('temporalNamespace'),
        taskQueue: h.temporal.taskQueue,
        commandTimeoutMs: 20_000,
        revertDefaults: { endpointPollSeconds: 1 },
      },
    },
  );
  await app.listen(0, '127.0.0.1');
  baseUrl = await app.getUrl();
});
afterAll(async () => {
  await app?.close();
  await h?.stop();
});

const call = <T = Record<string, unknown>>(method: string, path: string, as: Persona, body?: unknown) =>
  callApi<T>(baseUrl, method, path, as, body);

/** What EventBridge delivers when bob sets the version to Rejected in Studio. */
const rejectedInStudio = (state: LifecycleState, why = 'fairness audit failed') => ({
  'detail-type': 'SageMaker Model Package State Change',
  source: 'aws.sagemaker',
  detail: {
    ModelPackageGroupName: state.modelPackageGroup,
    ModelPackageVersion: state.modelVersion,
    ModelApprovalStatus: 'Rejected',
    ApprovalDescription: why,
    LastModifiedBy: { UserProfileName: 'bob' },
  },
});

async function approvedRun(req: LifecycleRequest) {
  const handle = await startLifecycle(h, req);
  await waitForStage(handle, 'awaiting-approval');
  await handle.signal(approveSignal, { by: 'alice@ml' });
  return handle;
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

const variantsOf = async (endpoint: string) =>
  (
    await h.aws.sagemaker.send(new DescribeEndpointCommand({ EndpointName: endpoint }))
  ).ProductionVariants?.map((v) => v.VariantName);
const pkg = (arn: string) => h.aws.sagemaker.send(new DescribeModelPackageCommand({ ModelPackageName: arn }));

describe.concurrent('withdrawal on the AWS emulator', () => {
  it('a Studio rejection of the serving version puts the endpoint back on the previous one', async () => {
    const req = emulatorRequest();
    const endpoint = req.deployment.productionEndpointName;
    const v1Arn = await seedProduction(h, req.modelPackageGroup, endpoint);
    const v2 = await (await approvedRun(req)).result();
    expect(v2.stage).toBe('promoted');
    // Studio writes the status first, then EventBridge delivers the event.
    await h.aws.sagemaker.send(
      new UpdateModelPackageCommand({ ModelPackageArn: v2.modelPackageArn, ModelApprovalStatus: 'Rejected' }),
    );
    const answer = await call<{ withdrawn: string; revert: { id: string }; by: string }>(
      'POST',
      '/events/sagemaker',
      'eventbridge',
      rejectedInStudio(v2),
    );
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ withdrawn: 'reverting', by: 'bob@test' });
    const end = await revertEnd(endpoint, answer.body.revert.id);
    expect(end).toMatchObject({ stage: 'reverted', cause: 'withdrawal', by: 'bob@test' });
    expect(end.notifications.map((n) => n.kind)).toEqual(['withdrawn']);
    expect(await variantsOf(endpoint)).toEqual(['v1']);
    const withdrawn = await pkg(v2.modelPackageArn!);
    expect(withdrawn.ModelApprovalStatus).toBe('Rejected');
    expect(withdrawn.ApprovalDescription).toMatch(/withdrawn by bob@test .*fairness audit failed/);
    const v1 = await pkg(v1Arn);
    expect(v1.ModelApprovalStatus).toBe('Approved');
    expect(v1.CustomerMetadataProperties?.ServingEndpoint).toBe(endpoint);
    const history = await call<{ items: { kind: string; cause?: string }[] }>(
      'GET',
      `/endpoints/${endpoint}/history`,
      'viewer',
    );
    expect(history.body.items.filter((i) => i.kind === 'revert').map((i) => i.cause)).toEqual(['withdrawal']);
    // The registry's own echo of the revert's Rejected mark changes nothing.
    const echo = await call<{ ignored: string }>(
      'POST',
      '/events/sagemaker',
      'eventbridge',
      rejectedInStudio(v2),
    );
    expect(echo.status).toBe(200);
    expect(echo.body.ignored).toMatch(/no longer serves/);
  });

  it('POST /withdraw of the only version an endpoint ever served is blocked: it keeps serving', async () => {
    const req = emulatorRequest();
    const endpoint = req.deployment.productionEndpointName;
    h.sendTraffic(endpoint, 20);
    const v1 = await (await approvedRun(req)).result();
    expect(v1.stage).toBe('promoted');
    expect((await call('POST', `/model-versions/${v1.workflowId}/withdraw`, 'operator', {})).status).toBe(
      400,
    );
    expect(
      (await call('POST', `/model-versions/${v1.workflowId}/withdraw`, 'viewer', { reason: 'x' })).status,
    ).toBe(403);
    const answer = await call<{ withdrawn: string; revert: { id: string } }>(
      'POST',
      `/model-versions/${v1.workflowId}/withdraw`,
      'operator',
      { reason: 'licence of the training data revoked' },
    );
    expect(answer.status).toBe(200);
    expect(answer.body.withdrawn).toBe('blocked');
    const end = await revertEnd(endpoint, answer.body.revert.id);
    expect(end.stage).toBe('withdrawal-blocked');
    expect(end.notifications.map((n) => n.kind)).toEqual(['withdrawal-blocked']);
    expect(await variantsOf(endpoint)).toEqual(['v1']);
    const kept = await pkg(v1.modelPackageArn!);
    expect(kept.ModelApprovalStatus).toBe('Approved');
    expect(kept.ApprovalDescription).toMatch(/withdrawal by oscar@test blocked: .*keeps serving/);
  });

  it('POST /withdraw by an approver of a serving version with an earlier one reverts to it', async () => {
    const req = emulatorRequest();
    const endpoint = req.deployment.productionEndpointName;
    await seedProduction(h, req.modelPackageGroup, endpoint);
    const v2 = await (await approvedRun(req)).result();
    const answer = await call<{ withdrawn: string; revert: { id: string } }>(
      'POST',
      `/model-versions/${v2.workflowId}/withdraw`,
      'approver',
      { comment: 'bias found in review' },
    );
    expect(answer.body.withdrawn).toBe('reverting');
    expect((await revertEnd(endpoint, answer.body.revert.id)).stage).toBe('reverted');
    expect(await variantsOf(endpoint)).toEqual(['v1']);
    expect((await pkg(v2.modelPackageArn!)).ModelApprovalStatus).toBe('Rejected');
  });

  it('a Studio rejection during the canary rolls it back as an operator rollback would', async () => {
    const req = emulatorRequest();
    const endpoint = req.deployment.productionEndpointName;
    await seedProduction(h, req.modelPackageGroup, endpoint);
    const handle = await approvedRun({ ...req, deployment: { ...req.deployment, bakeSeconds: 30 } });
    const inCanary = await waitForStage(handle, 'canary', 60_000);
    const answer = await call(
      'POST',
      '/events/sagemaker',
      'eventbridge',
      rejectedInStudio(inCanary, 'stop it'),
    );
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ withdrawn: 'rolled-back', by: 'bob@test' });
    const final = await handle.result();
    expect(final.stage).toBe('rolled-back');
    expect(final.rollback).toMatchObject({ cause: 'operator', by: 'bob@test' });
    expect(final.rollback?.reason).toMatch(/withdrawn: stop it/);
    expect(await variantsOf(endpoint)).toEqual(['v1']);
    expect((await pkg(final.modelPackageArn!)).ModelApprovalStatus).toBe('Rejected');
  });

  it('a rejection event for a version that never served is answered 200 ignored', async () => {
    const req = emulatorRequest({ environment: { EMULATOR_ERROR_RATE: '1' } });
    await seedProduction(h, req.modelPackageGroup, req.deployment.productionEndpointName);
    const failed = await (await approvedRun(req)).result();
    expect(failed.stage).toBe('validation-failed');
    const answer = await call<{ ignored: string }>(
      'POST',
      '/events/sagemaker',
      'eventbridge',
      rejectedInStudio(failed),
    );
    expect(answer.status).toBe(200);
    expect(answer.body.ignored).toMatch(/never served \(validation-failed\)/);
  });
});
