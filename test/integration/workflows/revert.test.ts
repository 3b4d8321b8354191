/**
 * The revert workflow's failure paths on the in-memory SageMaker: an endpoint call that fails after
 * its retries ends with the endpoint on ONE variant (or in needs-attention holding the lock), never
 * on two; a revert that finds the endpoint moved on does nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { endpointLockWorkflowId, lockHolderQuery, releaseSignal } from '../../../src/shared/messages';
import type { RevertRequest } from '../../../src/shared/revert';
import { startHarness, type Harness } from './lifecycle-harness';
import {
  failWeightsTowardV1,
  promotedV2 as promotedV2On,
  startRevert as startRevertOn,
  waitForRevert,
} from './revert-harness';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => h?.stop());

const promotedV2 = () => promotedV2On(h);
const startRevert = (endpointName: string, overrides: Partial<RevertRequest> = {}) =>
  startRevertOn(h, endpointName, overrides);

const variantsOf = (endpoint: string) =>
  h.fake.endpoints.get(endpoint)!.variants.map((v) => [v.variantName, v.weight]);

describe.concurrent('revert workflow', () => {
  it('reverts in one step and moves the marks: v1 serving, v2 Rejected with who and why', async () => {
    const { endpoint, v1, v2 } = await promotedV2();
    const end = await (await startRevert(endpoint)).result();
    expect(end.stage).toBe('reverted');
    expect(variantsOf(endpoint)).toEqual([['v1', 1]]);
    expect(h.fake.packages.get(v1.arn)).toMatchObject({ status: 'Approved', serving: endpoint });
    expect(h.fake.packages.get(v2.modelPackageArn!)).toMatchObject({
      status: 'Rejected',
      retiredFrom: endpoint,
    });
    expect(h.fake.packages.get(v2.modelPackageArn!)!.description).toMatch(/reverted by oscar .*v2 degraded/);
    expect(h.fake.notifications.filter((n) => n.endpointName === endpoint).map((n) => n.kind)).toContain(
      'reverted',
    );
  });

  it('a deploy that fails after its retries leaves the endpoint on the version reverted from, alone', async () => {
    const { endpoint, v2 } = await promotedV2();
    h.fake.fail('deployEndpointConfig', {
      when: (i: { endpointName: string; endpointConfigName: string }) =>
        i.endpointName === endpoint &&
        i.endpointConfigName.includes('-revert-') &&
        !i.endpointConfigName.includes('restore'),
      message: 'UpdateEndpoint: AccessDenied',
    });
    const end = await (await startRevert(endpoint)).result();
    expect(end.stage).toBe('failed');
    expect(end.outcome).toMatch(/AccessDenied/);
    expect(variantsOf(endpoint)).toEqual([['v2', 1]]);
    expect(h.fake.packages.get(v2.modelPackageArn!)!.status).toBe('Approved');
    expect(h.fake.notifications.filter((n) => n.endpointName === endpoint).map((n) => n.kind)).toContain(
      'revert-failed',
    );
  });

  it('--canary: a weight change failing at the second step converges back to one variant', async () => {
    const { endpoint } = await promotedV2();
    let calls = 0;
    h.fake.fail('setVariantWeights', {
      when: (i: { endpointName: string; weights: Record<string, number> }) =>
        i.endpointName === endpoint && (i.weights.v1 ?? 0) > 0 && ++calls >= 2,
      times: 1,
      message: 'UpdateEndpointWeightsAndCapacities: ValidationException',
    });
    const end = await (await startRevert(endpoint, { canary: true, canarySteps: [10, 50, 100] })).result();
    expect(end.stage).toBe('failed');
    expect(end.verdicts).toHaveLength(1);
    // Never two variants: back on v2 alone, through the weights first.
    expect(variantsOf(endpoint)).toEqual([['v2', 1]]);
  });

  it('when even the convergence fails it waits in needs-attention holding the lock, until released', async () => {
    const { endpoint } = await promotedV2();
    const clear = failWeightsTowardV1(h, endpoint);
    const handle = await startRevert(endpoint, { canary: true, canarySteps: [10, 100] });
    const waiting = await waitForRevert(handle, (s) => s.stage === 'needs-attention');
    expect(waiting.attention?.problem).toMatch(/one version: .*AccessDenied/);
    const lock = await h.temporal.client.workflow
      .getHandle(endpointLockWorkflowId(endpoint))
      .query(lockHolderQuery);
    expect(lock.holder).toBe(handle.workflowId);
    clear();
    await handle.signal(releaseSignal, { by: 'oscar', reason: 'set the weights by hand' });
    const end = await handle.result();
    expect(end.stage).toBe('released');
    const after = await h.temporal.client.workflow
      .getHandle(endpointLockWorkflowId(endpoint))
      .query(lockHolderQuery);
    expect(after.holder).toBeNull();
  });

  it('an automatic revert of a version that no longer serves does nothing (superseded)', async () => {
    const { endpoint, v1 } = await promotedV2();
    const end = await (
      await startRevert(endpoint, { cause: 'post-promotion-watch', expectedFromArn: v1.arn })
    ).result();
    expect(end.stage).toBe('superseded');
    expect(variantsOf(endpoint)).toEqual([['v2', 1]]);
  });

  it('refuses, touching nothing, when there is nothing to go back to', async () => {
    const { endpoint } = await promotedV2();
    const end = await (await startRevert(endpoint, { toVersion: 7 })).result();
    expect(end.stage).toBe('refused');
    expect(end.outcome).toMatch(/nothing of .* to revert to/);
    expect(variantsOf(endpoint)).toEqual([['v2', 1]]);
  });
});
