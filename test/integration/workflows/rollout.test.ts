/** Staging, canary, rollback and promotion on the real Temporal server, against the in-memory SageMaker. */
import { WorkflowFailedError } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { approveSignal } from '../../../src/shared/messages';
import {
  command,
  lifecycleRequest,
  approvedCanary,
  startHarness,
  startLifecycle,
  stateOf,
  waitFor,
  waitForStage,
  weightsSet,
  type Harness,
} from './lifecycle-harness';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => h?.stop());

describe.concurrent('canary rollout', () => {
  it('promotes through 10, 50, 100 and leaves the new version alone on the endpoint', async () => {
    const { endpoint, stable, handle } = await approvedCanary(h);
    const final = await handle.result();
    expect(final.stage).toBe('promoted');
    expect(weightsSet(h.fake, endpoint)).toEqual([
      { v1: 90, v2: 10 },
      { v1: 50, v2: 50 },
      { v1: 0, v2: 100 },
    ]);
    expect(final.verdicts.map((v) => [v.canaryWeight, v.status])).toEqual([
      [10, 'healthy'],
      [50, 'healthy'],
      [100, 'healthy'],
    ]);
    expect(h.fake.endpoints.get(endpoint)?.variants.map((v) => v.variantName)).toEqual(['v2']);
    expect(h.fake.packages.get(final.modelPackageArn!)?.serving).toBe(endpoint);
    expect(h.fake.packages.get(stable.arn)?.serving).toBeUndefined();
    expect(final.approval?.comparison.production).toMatchObject({ modelVersion: 1, metrics: { auc: 0.8 } });
    // What the health checks can see, stated before the rollout: in the state, its warning a warning.
    expect(final.detectability?.perStep.map((s) => s.canaryWeight)).toEqual([10, 50, 100]);
    expect(final.detectability?.requestsPerSecond).toBe(5);
    expect(final.warnings.map((w) => w.text)).toContain(
      'detectability: at 5 req/s a 1 s bake cannot show a doubled error rate',
    );
    // staging was cleaned up
    expect(h.fake.endpoints.has(final.stagingEndpointName!)).toBe(false);
  });

  it('the canary capacity follows its weight and promotion keeps the stable capacity', async () => {
    const req = lifecycleRequest();
    const endpoint = req.deployment.productionEndpointName;
    h.fake.seedProduction(endpoint, req.modelPackageGroup, { auc: 0.8 }, 4);
    const handle = await startLifecycle(h, req);
    await waitForStage(handle, 'awaiting-approval');
    await handle.signal(approveSignal, { by: 'alice' });
    const final = await handle.result();
    expect(final.stage).toBe('promoted');
    const counts = (
      h.fake.callsTo('setVariantWeights') as { endpointName: string; instanceCounts?: object }[]
    )
      .filter((c) => c.endpointName === endpoint)
      .map((c) => c.instanceCounts);
    expect(counts).toEqual([{ v2: 1 }, { v2: 2 }, { v2: 4 }]);
    expect(h.fake.endpoints.get(endpoint)?.variants).toMatchObject([{ variantName: 'v2', instanceCount: 4 }]);
    expect(final.canary?.instances).toEqual({ canary: 4 });
  });

  it.each([0, 1, 2])('rolls back when the canary turns unhealthy at step %i', async (step) => {
    const { req, endpoint, stable, handle } = await approvedCanary(h);
    h.fake.scriptVerdicts(endpoint, [...Array<'healthy'>(step).fill('healthy'), 'unhealthy']);
    const final = await handle.result();
    expect(final.stage).toBe('rolled-back');
    expect(final.verdicts).toHaveLength(step + 1);
    expect(final.rollback).toMatchObject({ by: 'health-check' });
    expect(final.rollback?.evidence?.status).toBe('unhealthy');
    // weights back to stable first, then the stable-only config
    expect(weightsSet(h.fake, endpoint).at(-1)).toEqual({ v1: 100, v2: 0 });
    expect(h.fake.endpoints.get(endpoint)?.variants).toMatchObject([
      { variantName: 'v1', modelName: `${req.modelPackageGroup}-v1-seed` },
    ]);
    expect(h.fake.packages.get(final.modelPackageArn!)?.status).toBe('Rejected');
    expect(h.fake.packages.get(final.modelPackageArn!)?.description).toMatch(/5xx rate/);
    expect(h.fake.packages.get(stable.arn)?.serving).toBe(endpoint);
    expect(h.fake.notifications.find((n) => n.workflowId === final.workflowId)).toMatchObject({
      kind: 'rolled-back',
    });
  });

  it('fails safe to a rollback when a bake never sees enough traffic', async () => {
    const { endpoint, handle } = await approvedCanary(h);
    h.fake.scriptVerdicts(endpoint, ['insufficient-data']);
    const final = await handle.result();
    expect(final.stage).toBe('rolled-back');
    expect(final.rollback?.reason).toMatch(/not enough traffic/);
  });

  it('a manual rollback interrupts the bake and is recorded with who', async () => {
    const { endpoint, handle } = await approvedCanary(h);
    h.fake.scriptVerdicts(endpoint, ['hold']);
    await waitFor(handle, (s) => s.stage === 'canary' && s.canary?.stepIndex === 0, 'first bake');
    expect(await command(handle, 'rollback', 'oscar', 'p99 spike on dashboards')).toMatchObject({
      accepted: true,
    });
    const final = await handle.result();
    expect(final.stage).toBe('rolled-back');
    expect(final.rollback).toMatchObject({ by: 'oscar', reason: 'p99 spike on dashboards' });
    expect(h.fake.endpoints.get(endpoint)?.variants.map((v) => v.variantName)).toEqual(['v1']);
  });

  it('pause holds the canary after its bake; resume goes on', async () => {
    const { endpoint, handle } = await approvedCanary(h);
    h.fake.scriptVerdicts(endpoint, ['slow-healthy', 'healthy']);
    await waitFor(handle, (s) => s.stage === 'canary' && s.canary?.stepIndex === 0, 'first bake');
    await command(handle, 'pause', 'oscar');
    await new Promise((r) => setTimeout(r, 3500));
    const paused = await stateOf(handle);
    expect(paused.canary).toMatchObject({ stepIndex: 0, paused: true });
    expect(weightsSet(h.fake, endpoint)).toHaveLength(1);
    await command(handle, 'resume', 'oscar');
    expect((await handle.result()).stage).toBe('promoted');
    expect(weightsSet(h.fake, endpoint)).toHaveLength(3);
  });

  it('promote skips the remaining steps', async () => {
    const { endpoint, handle } = await approvedCanary(h);
    h.fake.scriptVerdicts(endpoint, ['hold']);
    await waitFor(handle, (s) => s.stage === 'canary' && s.canary?.stepIndex === 0, 'first bake');
    await command(handle, 'promote', 'oscar');
    const final = await handle.result();
    expect(final.stage).toBe('promoted');
    expect(weightsSet(h.fake, endpoint)).toHaveLength(1);
    expect(h.fake.endpoints.get(endpoint)?.variants.map((v) => v.variantName)).toEqual(['v2']);
  });

  it('a cancel during the canary rolls back to stable before the workflow ends', async () => {
    const { endpoint, handle } = await approvedCanary(h);
    h.fake.scriptVerdicts(endpoint, ['hold']);
    await waitFor(handle, (s) => s.stage === 'canary' && s.canary?.stepIndex === 0, 'first bake');
    await handle.cancel();
    await expect(handle.result()).rejects.toBeInstanceOf(WorkflowFailedError);
    const final = await stateOf(handle);
    expect(final.stage).toBe('cancelled');
    expect(h.fake.endpoints.get(endpoint)?.variants.map((v) => v.variantName)).toEqual(['v1']);
  });

  it('validation failure rejects the package and cleans staging up', async () => {
    const req = lifecycleRequest();
    h.fake.failValidation(`${req.deployment.productionEndpointName}-stg`, 'answer is not JSON');
    const handle = await startLifecycle(h, req);
    await waitForStage(handle, 'awaiting-approval');
    await handle.signal(approveSignal, { by: 'alice' });
    const final = await handle.result();
    expect(final.stage).toBe('validation-failed');
    expect(final.validation?.passed).toBe(false);
    expect(h.fake.endpoints.has(final.stagingEndpointName!)).toBe(false);
    expect(h.fake.endpoints.has(req.deployment.productionEndpointName)).toBe(false);
    expect(h.fake.packages.get(final.modelPackageArn!)).toMatchObject({ status: 'Rejected' });
  });

  it('a first deployment creates the endpoint with the new version and watches it at 100 %', async () => {
    const req = lifecycleRequest();
    const handle = await startLifecycle(h, req);
    await waitForStage(handle, 'awaiting-approval');
    await handle.signal(approveSignal, { by: 'alice' });
    const final = await handle.result();
    expect(final.stage).toBe('promoted');
    expect(final.canary).toMatchObject({ firstDeployment: true, steps: [100] });
    expect(final.verdicts).toHaveLength(1);
    expect(final.verdicts[0]?.stable).toBeUndefined();
    expect(
      h.fake.endpoints.get(req.deployment.productionEndpointName)?.variants.map((v) => v.variantName),
    ).toEqual(['v1']);
  });

  it('an unhealthy first deployment is removed rather than left serving', async () => {
    const req = lifecycleRequest();
    h.fake.scriptVerdicts(req.deployment.productionEndpointName, ['unhealthy']);
    const handle = await startLifecycle(h, req);
    await waitForStage(handle, 'awaiting-approval');
    await handle.signal(approveSignal, { by: 'alice' });
    const final = await handle.result();
    expect(final.stage).toBe('rolled-back');
    expect(h.fake.endpoints.has(req.deployment.productionEndpointName)).toBe(false);
  });

  it('two versions for one endpoint queue: the second waits for the first to finish', async () => {
    const first = await approvedCanary(h);
    h.fake.scriptVerdicts(first.endpoint, ['hold', 'healthy']);
    await waitFor(first.handle, (s) => s.stage === 'canary', 'first canary');
    const secondReq = lifecycleRequest({
      modelPackageGroup: first.req.modelPackageGroup,
      deployment: { productionEndpointName: first.endpoint, bakeSeconds: 1 },
    });
    const second = await startLifecycle(h, secondReq);
    await waitForStage(second, 'awaiting-approval');
    await second.signal(approveSignal, { by: 'alice' });
    await waitForStage(second, 'waiting-for-endpoint');
    await new Promise((r) => setTimeout(r, 1500));
    expect((await stateOf(second)).stage).toBe('waiting-for-endpoint');
    await command(first.handle, 'promote', 'oscar');
    expect((await first.handle.result()).stage).toBe('promoted');
    const final = await second.result();
    expect(final.stage).toBe('promoted');
    expect(final.canary?.stableVariant).toBe('v2');
    expect(h.fake.endpoints.get(first.endpoint)?.variants.map((v) => v.variantName)).toEqual(['v3']);
  });
});
