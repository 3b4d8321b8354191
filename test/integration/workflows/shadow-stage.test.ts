/**
 * The shadow stage on the real Temporal server against the in-memory SageMaker: the new version as a
 * shadow variant before the canary, judged by the watch; unhealthy → rejected with the endpoint back
 * on the stable variant alone; healthy → the canary; any failure in the stage compensated the same way.
 */
import { WorkflowFailedError } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { VariantSpec, WatchHealthInput } from '../../../src/shared/activity-contracts';
import {
  approvedCanary,
  command,
  lifecycleRequest,
  stateOf,
  waitFor,
  waitForStage,
  type Harness,
  type LifecycleHandle,
  startHarness,
  startLifecycle,
} from './lifecycle-harness';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => h?.stop());

const SHADOW = { shadow: { trafficPercent: 50, bakeSeconds: 1 } };

function shadowCanary(extra: Record<string, unknown> = {}) {
  const base = lifecycleRequest();
  return approvedCanary(h, { deployment: { ...base.deployment, ...SHADOW, ...extra } });
}

function servesStableAlone(endpoint: string, group: string) {
  const e = h.fake.endpoints.get(endpoint);
  expect(e?.variants).toMatchObject([{ variantName: 'v1', modelName: `${group}-v1-seed` }]);
  expect(e?.variants).toHaveLength(1);
  expect(e?.shadowVariants ?? []).toEqual([]);
}

const configsDeployed = (endpoint: string) =>
  (h.fake.callsTo('deployEndpointConfig') as { endpointName: string; endpointConfigName: string }[])
    .filter((c) => c.endpointName === endpoint)
    .map((c) => c.endpointConfigName);

async function failedRun(handle: LifecycleHandle) {
  const error = await handle.result().then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(error).toBeInstanceOf(WorkflowFailedError);
  return stateOf(handle);
}

describe.concurrent('shadow stage', () => {
  it('deploys the new version as a shadow of the stable one, judges it, then runs the canary', async () => {
    const { endpoint, handle } = await shadowCanary();
    const final = await handle.result();
    expect(final.stage).toBe('promoted');
    expect(final.shadow).toMatchObject({
      stableVariant: 'v1',
      shadowVariant: 'v2-shadow',
      trafficPercent: 50,
      instances: 1,
      verdict: { status: 'healthy' },
    });
    expect(final.transitions.map((t) => t.stage)).toEqual(
      expect.arrayContaining(['waiting-for-endpoint', 'shadow', 'deploying-canary', 'canary', 'promoted']),
    );
    const stages = final.transitions.map((t) => t.stage);
    expect(stages.indexOf('shadow')).toBeLessThan(stages.indexOf('deploying-canary'));
    // The shadow config: stable as the production variant, the new version as the shadow with weight 0.5.
    const shadowConfig = (
      h.fake.callsTo('createEndpointConfig') as {
        endpointConfigName: string;
        variants: VariantSpec[];
        shadowVariants?: VariantSpec[];
      }[]
    ).find((c) => c.endpointConfigName.startsWith(endpoint) && /-shadow-/.test(c.endpointConfigName))!;
    expect(shadowConfig.variants.map((v) => [v.variantName, v.initialWeight])).toEqual([['v1', 1]]);
    expect(shadowConfig.shadowVariants?.map((v) => [v.variantName, v.modelName, v.initialWeight])).toEqual([
      ['v2-shadow', expect.stringContaining(final.modelPackageGroup), 0.5],
    ]);
    // The watch judged the shadow against stable, as a step of its own.
    const watched = (h.fake.callsTo('watchHealth') as WatchHealthInput[]).filter(
      (w) => w.endpointName === endpoint,
    );
    expect(watched[0]).toMatchObject({
      canaryVariant: 'v2-shadow',
      stableVariant: 'v1',
      canaryWeight: 0,
      canarySteps: [0],
    });
    expect(watched.slice(1).map((w) => w.canaryWeight)).toEqual([10, 50, 100]);
    const deployed = configsDeployed(endpoint);
    expect(deployed[0]).toMatch(/-shadow-/);
    expect(deployed[1]).toMatch(/-canary-/);
    expect(h.fake.callsTo('deleteEndpointConfig')).toContain(shadowConfig.endpointConfigName);
  });

  it('rejects an unhealthy shadow with the evidence, back on the stable variant, no canary', async () => {
    const base = lifecycleRequest();
    h.fake.scriptVerdicts(base.deployment.productionEndpointName, ['unhealthy']);
    const { req, endpoint, stable, handle } = await approvedCanary(h, {
      deployment: { ...base.deployment, ...SHADOW },
      modelPackageGroup: base.modelPackageGroup,
      idempotencyKey: base.idempotencyKey,
    });
    const final = await handle.result();
    expect(final.stage).toBe('shadow-rejected');
    expect(final.rollback).toMatchObject({ cause: 'shadow', by: 'health-check' });
    expect(final.rollback?.reason).toMatch(/^shadow: canary 5xx rate/);
    expect(final.rollback?.evidence?.status).toBe('unhealthy');
    expect(final.shadow?.verdict?.status).toBe('unhealthy');
    expect(final.verdicts).toEqual([]);
    expect(final.canary?.stepIndex).toBe(-1);
    servesStableAlone(endpoint, req.modelPackageGroup);
    expect(configsDeployed(endpoint).some((c) => /-canary-/.test(c))).toBe(false);
    expect(h.fake.callsTo('setVariantWeights')).not.toContainEqual(
      expect.objectContaining({ endpointName: endpoint }),
    );
    const pkg = h.fake.packages.get(final.modelPackageArn!)!;
    expect(pkg.status).toBe('Rejected');
    expect(pkg.description).toMatch(/shadow: canary 5xx rate/);
    expect(h.fake.packages.get(stable.arn)!.serving).toBe(endpoint);
    expect(h.fake.notifications.find((n) => n.modelPackageArn === final.modelPackageArn)?.kind).toBe(
      'shadow-rejected',
    );
  });

  it('fails safe when the shadow saw too little traffic for a verdict', async () => {
    const base = lifecycleRequest();
    h.fake.scriptVerdicts(base.deployment.productionEndpointName, ['insufficient-data']);
    const { req, endpoint, handle } = await approvedCanary(h, {
      deployment: { ...base.deployment, ...SHADOW },
      modelPackageGroup: base.modelPackageGroup,
      idempotencyKey: base.idempotencyKey,
    });
    const final = await handle.result();
    expect(final.stage).toBe('shadow-rejected');
    expect(final.rollback?.reason).toMatch(/fail-safe/);
    servesStableAlone(endpoint, req.modelPackageGroup);
  });

  it('an operator rollback during the shadow bake rejects the version and removes the shadow', async () => {
    const base = lifecycleRequest();
    h.fake.scriptVerdicts(base.deployment.productionEndpointName, ['hold']);
    const { req, endpoint, handle } = await approvedCanary(h, {
      deployment: { ...base.deployment, ...SHADOW },
      modelPackageGroup: base.modelPackageGroup,
      idempotencyKey: base.idempotencyKey,
    });
    await waitFor(handle, (s) => !!s.shadow?.startedAt, 'the shadow bake');
    expect(h.fake.endpoints.get(endpoint)?.shadowVariants).toMatchObject([{ variantName: 'v2-shadow' }]);
    // promote does not fit the shadow stage: the canary has not run.
    await expect(command(handle, 'promote', 'ops')).rejects.toMatchObject({
      cause: { message: expect.stringMatching(/nothing to promote: the version is shadow/) },
    });
    await command(handle, 'rollback', 'ops', 'looks wrong');
    const final = await handle.result();
    expect(final.stage).toBe('rolled-back');
    expect(final.rollback).toMatchObject({ cause: 'operator', by: 'ops' });
    servesStableAlone(endpoint, req.modelPackageGroup);
  });

  it('skips the shadow on a first deployment (no production traffic to copy)', async () => {
    const req = lifecycleRequest();
    req.deployment = { ...req.deployment, ...SHADOW };
    const handle = await startLifecycle(h, req);
    await waitForStage(handle, 'awaiting-approval');
    await command(handle, 'approve', 'alice');
    const final = await handle.result();
    expect(final.stage).toBe('promoted');
    expect(final.shadow?.skipped).toMatch(/first deployment/);
    expect(final.transitions.map((t) => t.stage)).not.toContain('shadow');
  });
});

describe.concurrent('a failure in the shadow stage', () => {
  const faults: [string, Parameters<Harness['fake']['fail']>][] = [
    [
      'creating the shadow config',
      [
        'createEndpointConfig',
        { when: (i: { endpointConfigName: string }) => /-shadow-/.test(i.endpointConfigName) },
      ],
    ],
    [
      'deploying the shadow config',
      [
        'deployEndpointConfig',
        { when: (i: { endpointConfigName: string }) => /-shadow-/.test(i.endpointConfigName) },
      ],
    ],
    [
      'waiting for the shadow config',
      [
        'awaitEndpointInService',
        { when: (i: { endpointConfigName?: string }) => /-shadow-/.test(i.endpointConfigName ?? '') },
      ],
    ],
    ['the shadow health watch', ['watchHealth', { when: (i: WatchHealthInput) => i.canaryWeight === 0 }]],
  ];
  for (const [what, [name, fault]] of faults) {
    it(`${what}: the endpoint ends on the stable variant alone, package Rejected`, async () => {
      const base = lifecycleRequest();
      const endpoint = base.deployment.productionEndpointName;
      const remove = h.fake.fail(name, {
        ...fault,
        when: (i: never) => JSON.stringify(i).includes(endpoint) && fault!.when!(i),
        message: `${name}: injected`,
      });
      try {
        const { req, handle } = await approvedCanary(h, {
          deployment: { ...base.deployment, ...SHADOW },
          modelPackageGroup: base.modelPackageGroup,
          idempotencyKey: base.idempotencyKey,
        });
        const final = await failedRun(handle);
        expect(final.stage).toBe('rolled-back');
        expect(final.rollback).toMatchObject({ cause: 'failure' });
        expect(final.rollback?.reason).toMatch(/^shadow failed: .*injected/);
        servesStableAlone(endpoint, req.modelPackageGroup);
        expect(h.fake.packages.get(final.modelPackageArn!)!.status).toBe('Rejected');
      } finally {
        remove();
      }
    });
  }

  it('a leftover shadow of another version on the endpoint is refused before anything is touched', async () => {
    const base = lifecycleRequest();
    const endpoint = base.deployment.productionEndpointName;
    const stable = h.fake.seedProduction(endpoint, base.modelPackageGroup);
    h.fake.endpoints.get(endpoint)!.shadowVariants = [
      { variantName: 'v9-shadow', modelName: 'someone-else', weight: 1, instanceCount: 1 },
    ];
    const handle = await startLifecycle(h, { ...base, deployment: { ...base.deployment, ...SHADOW } });
    await waitForStage(handle, 'awaiting-approval');
    await command(handle, 'approve', 'alice');
    const final = await failedRun(handle);
    expect(final.stage).toBe('failed');
    expect(final.outcome).toMatch(/v9-shadow/);
    expect(configsDeployed(endpoint)).toEqual([]);
    expect(h.fake.packages.get(stable.arn)!.serving).toBe(endpoint);
  });
});
