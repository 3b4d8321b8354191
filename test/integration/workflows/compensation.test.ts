/**
 * Safety under failure, on the real Temporal server against the in-memory SageMaker with injected
 * faults: any failure once production may have changed ends with the endpoint on the stable variant
 * alone, or in needs-attention holding the lock; commands are honoured between every two calls;
 * notifications never change an outcome; a cancelled version is withdrawn in the registry.
 */
import { WorkflowFailedError } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LifecycleRequest } from '../../../src/shared/lifecycle-input';
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
  type LifecycleHandle,
} from './lifecycle-harness';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => h?.stop());

/** The run's failure, and its state (the state query still answers on a failed run). */
async function failedRun(handle: LifecycleHandle) {
  const error = await handle.result().then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(error).toBeInstanceOf(WorkflowFailedError);
  return stateOf(handle);
}

function servesStableAlone(endpoint: string, group: string) {
  expect(h.fake.endpoints.get(endpoint)?.variants).toMatchObject([
    { variantName: 'v1', modelName: `${group}-v1-seed` },
  ]);
  expect(h.fake.endpoints.get(endpoint)?.variants).toHaveLength(1);
}

describe.concurrent('a non-retryable AWS error during the rollout', () => {
  const steps: [string, Parameters<Harness['fake']['fail']>, string][] = [
    [
      'deploying the canary config',
      [
        'deployEndpointConfig',
        { when: (i: { endpointConfigName: string }) => /-canary-/.test(i.endpointConfigName) },
      ],
      'deploying-canary',
    ],
    [
      'the 10 % weight change',
      ['setVariantWeights', { when: (i: { weights: Record<string, number> }) => i.weights.v2 === 10 }],
      'canary',
    ],
    [
      'the 50 % weight change',
      ['setVariantWeights', { when: (i: { weights: Record<string, number> }) => i.weights.v2 === 50 }],
      'canary',
    ],
    [
      'the 100 % weight change',
      ['setVariantWeights', { when: (i: { weights: Record<string, number> }) => i.weights.v2 === 100 }],
      'canary',
    ],
    [
      'promotion',
      [
        'deployEndpointConfig',
        {
          when: (i: { endpointConfigName: string }) =>
            !/-(canary|rollback)-/.test(i.endpointConfigName) && !/stg/.test(i.endpointConfigName),
        },
      ],
      'promoting',
    ],
    ['marking the promoted version as serving', ['markServing', { times: 1 }], 'promoting'],
  ];

  it.each(steps)(
    'at %s rolls production back to the stable variant alone',
    async (_what, [name, fault], stage) => {
      const req = lifecycleRequest();
      const only = fault?.when;
      // Scope the fault to this test's endpoint or package: the tests run concurrently.
      const remove = h.fake.fail(name, {
        ...fault,
        when: (input: { endpointName?: string; endpointConfigName?: string; modelPackageArn?: string }) =>
          (input.endpointName === req.deployment.productionEndpointName ||
            input.endpointConfigName?.startsWith(req.deployment.productionEndpointName) === true ||
            input.modelPackageArn?.includes(`/${req.modelPackageGroup}/2`) === true) &&
          (!only || (only as (i: unknown) => boolean)(input)),
      });
      try {
        const { endpoint, stable, handle } = await approvedCanary(h, req);
        const final = await failedRun(handle);
        expect(final.stage).toBe('rolled-back');
        expect(final.rollback).toMatchObject({ cause: 'failure', by: 'workflow' });
        expect(final.rollback?.reason).toMatch(new RegExp(`^${stage} failed: .*injected failure`));
        servesStableAlone(endpoint, req.modelPackageGroup);
        expect(h.fake.packages.get(final.modelPackageArn!)?.status).toBe('Rejected');
        expect(h.fake.packages.get(stable.arn)?.serving).toBe(endpoint);
        expect(h.fake.packages.get(final.modelPackageArn!)?.serving).toBeUndefined();
      } finally {
        remove();
      }
    },
  );
});

describe.concurrent('a rollback that cannot complete', () => {
  it('keeps the lock in needs-attention until an operator retries it', async () => {
    const { req, endpoint, handle } = await approvedCanary(h);
    h.fake.scriptVerdicts(endpoint, ['healthy', 'unhealthy']);
    const remove = h.fake.fail('setVariantWeights', {
      when: (i: { endpointName: string; weights: Record<string, number> }) =>
        i.endpointName === endpoint && i.weights.v1 === 100,
      message: 'AccessDeniedException: not authorized to perform UpdateEndpointWeightsAndCapacities',
    });
    const stuck = await waitForStage(handle, 'needs-attention');
    expect(stuck.attention?.problem).toMatch(/rollback could not complete: .*AccessDenied/);
    expect(h.fake.endpoints.get(endpoint)?.variants).toHaveLength(2);
    await expect
      .poll(() => h.fake.notifications.map((n) => `${n.workflowId} ${n.kind}`))
      .toContain(`${stuck.workflowId} needs-attention`);

    // The endpoint stays locked: a second version queues behind the one that needs attention.
    const next = await startLifecycle(
      h,
      lifecycleRequest({
        modelPackageGroup: req.modelPackageGroup,
        deployment: { productionEndpointName: endpoint },
      }),
    );
    await waitForStage(next, 'awaiting-approval');
    await next.signal(approveSignal, { by: 'alice' });
    await waitForStage(next, 'waiting-for-endpoint');
    await new Promise((r) => setTimeout(r, 1500));
    expect((await stateOf(next)).stage).toBe('waiting-for-endpoint');

    await expect(command(handle, 'promote', 'oscar')).rejects.toMatchObject({
      cause: { message: expect.stringMatching(/nothing to promote/) },
    });
    remove();
    h.fake.scriptVerdicts(endpoint, ['healthy']);
    await command(handle, 'retry-rollback', 'oscar', 'IAM policy fixed');
    const final = await handle.result();
    expect(final.stage).toBe('rolled-back');
    servesStableAlone(endpoint, req.modelPackageGroup);
    expect(final.commands).toContainEqual(
      expect.objectContaining({ action: 'retry-rollback', by: 'oscar', accepted: true }),
    );
    // Only now does the next version get the endpoint.
    expect((await next.result()).stage).toBe('promoted');
  });

  it('is released by an operator with a reason after a manual fix, and the lock is freed', async () => {
    const { endpoint, handle } = await approvedCanary(h);
    h.fake.scriptVerdicts(endpoint, ['unhealthy']);
    const remove = h.fake.fail('setVariantWeights', {
      when: (i: { endpointName: string; weights: Record<string, number> }) =>
        i.endpointName === endpoint && i.weights.v1 === 100,
    });
    await waitForStage(handle, 'needs-attention');
    remove();
    await expect(command(handle, 'release', 'oscar')).resolves.toMatchObject({
      accepted: false,
      refusal: /needs a reason/,
    });
    await command(handle, 'release', 'oscar', 'weights set back by hand in the console');
    const final = await handle.result();
    expect(final.stage).toBe('released');
    expect(final.outcome).toMatch(/released by oscar .*by hand/);
  });
});

describe.concurrent('commands at every point', () => {
  it('a pause during the last bake holds before promotion until resumed', async () => {
    const { endpoint, handle } = await approvedCanary(h);
    h.fake.scriptVerdicts(endpoint, ['healthy', 'healthy', 'slow-healthy']);
    await waitFor(handle, (s) => s.canary?.canaryWeight === 100, 'last step');
    await command(handle, 'pause', 'oscar');
    await new Promise((r) => setTimeout(r, 3500)); // the 2 s bake ends meanwhile
    const held = await stateOf(handle);
    expect(held.stage).toBe('canary');
    expect(held.verdicts).toHaveLength(3);
    expect(h.fake.endpoints.get(endpoint)?.variants).toHaveLength(2);
    await command(handle, 'resume', 'oscar');
    expect((await handle.result()).stage).toBe('promoted');
  });

  it('a pause longer than its limit rolls back', async () => {
    const { req, endpoint, handle } = await approvedCanary(h, {
      deployment: { maxPauseSeconds: 2 },
    } as Partial<LifecycleRequest>);
    await waitFor(handle, (s) => s.stage === 'canary', 'canary');
    await command(handle, 'pause', 'oscar');
    const final = await handle.result();
    expect(final.stage).toBe('rolled-back');
    expect(final.rollback).toMatchObject({ cause: 'pause-limit' });
    servesStableAlone(endpoint, req.modelPackageGroup);
  });

  it('a rollback during a weight change that is still waiting is acted on before any further weight', async () => {
    const req = lifecycleRequest();
    const endpoint = req.deployment.productionEndpointName;
    // SageMaker keeps answering "endpoint busy" to the 50 % change: the activity retries meanwhile.
    const remove = h.fake.fail('setVariantWeights', {
      retryable: true,
      when: (i: { endpointName: string; weights: Record<string, number> }) =>
        i.endpointName === endpoint && i.weights.v2 === 50,
    });
    try {
      const { handle } = await approvedCanary(h, req);
      await waitFor(
        handle,
        () => h.fake.failures.some((f) => (f.input as { endpointName: string }).endpointName === endpoint),
        'the 50 % change to be retrying',
      );
      await command(handle, 'rollback', 'oscar', 'dashboards look wrong');
      const final = await handle.result();
      expect(final.stage).toBe('rolled-back');
      expect(final.rollback).toMatchObject({ cause: 'operator', by: 'oscar' });
      expect(weightsSet(h.fake, endpoint).filter((w) => w.v2 === 100)).toHaveLength(0);
      servesStableAlone(endpoint, req.modelPackageGroup);
    } finally {
      remove();
    }
  });
});

describe.concurrent('notifications and withdrawal', () => {
  it('a webhook that keeps failing is recorded and never changes the outcome', async () => {
    const req = lifecycleRequest();
    const remove = h.fake.fail('notify', {
      retryable: true,
      when: (n: { workflowId: string }) => n.workflowId.includes(req.idempotencyKey),
      message: 'webhook at hooks.example answered HTTP 503',
    });
    try {
      const { handle } = await approvedCanary(h, req);
      const final = await handle.result();
      expect(final.stage).toBe('promoted');
      expect(final.notifications).toEqual([
        expect.objectContaining({ kind: 'promoted', delivered: false, error: expect.stringMatching(/503/) }),
      ]);
    } finally {
      remove();
    }
  });

  it('a request AWS refuses before production is touched ends refused-by-aws in AWS words', async () => {
    const req = lifecycleRequest();
    const remove = h.fake.fail('registerModelVersion', {
      when: (i: { modelPackageGroup: string }) => i.modelPackageGroup === req.modelPackageGroup,
      message: 'CreateModelPackage: 1 validation error detected: Value at ModelPackageDescription failed',
    });
    try {
      const handle = await startLifecycle(h, req);
      const final = await failedRun(handle);
      expect(final.stage).toBe('refused-by-aws');
      expect(final.outcome).toMatch(/registering: .*1 validation error detected/);
      expect(final.refusal?.message).toMatch(/ModelPackageDescription/);
    } finally {
      remove();
    }
  });

  it('a cancel while awaiting approval marks the package Rejected as withdrawn', async () => {
    const handle = await startLifecycle(h, lifecycleRequest());
    await waitForStage(handle, 'awaiting-approval');
    await handle.cancel();
    await handle.result().catch(() => undefined);
    const final = await stateOf(handle);
    expect(final.stage).toBe('cancelled');
    const pkg = h.fake.packages.get(final.modelPackageArn!);
    expect(pkg?.status).toBe('Rejected');
    expect(pkg?.description).toMatch(/^withdrawn: cancelled while awaiting-approval/);
  });

  it('an endpoint left on two variants is never taken as stable: the next version stops before touching it', async () => {
    const req = lifecycleRequest();
    const endpoint = req.deployment.productionEndpointName;
    h.fake.seedProduction(endpoint, req.modelPackageGroup);
    // A leftover canary of an unapproved model next to v1.
    h.fake.models.set('leftover-model', 'arn:aws:sagemaker:us-east-1:000000000000:model-package/other/9');
    h.fake.endpoints.get(endpoint)!.variants.push({
      variantName: 'v9',
      modelName: 'leftover-model',
      weight: 50,
      instanceCount: 1,
    });
    const before = JSON.stringify(h.fake.endpoints.get(endpoint));
    const handle = await startLifecycle(h, req);
    await waitForStage(handle, 'awaiting-approval');
    await handle.signal(approveSignal, { by: 'alice' });
    const final = await failedRun(handle);
    expect(final.stage).toBe('failed');
    expect(final.outcome).toMatch(/does not serve exactly one approved version/);
    expect(JSON.stringify(h.fake.endpoints.get(endpoint))).toBe(before);
  });
});
