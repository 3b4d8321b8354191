/**
 * Pruning end to end: a real lifecycle of group `churn` promotes on the emulator among neighbours it
 * must not touch (group `churn-vip`, a churn version in staging, a churn model serving another
 * endpoint, a churn model nobody tagged) and prunes only churn's own finished models beyond the
 * retention. The neighbours are made through the real activities, tags and all.
 */
import {
  CreateModelCommand,
  CreateModelPackageCommand,
  CreateModelPackageGroupCommand,
  ListModelsCommand,
  ListTagsCommand,
  type ModelApprovalStatus,
} from '@aws-sdk/client-sagemaker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createActivities } from '../../../activities';
import { EMULATOR_EXECUTION_ROLE_ARN } from '../../../src/config';
import type { LifecycleActivities } from '../../../src/shared/activity-contracts';
import { approveSignal } from '../../../src/shared/messages';
import { startLifecycle, waitForStage } from '../workflows/lifecycle-harness';
import {
  emulatorRequest,
  seedProduction,
  startEmulatorHarness,
  type EmulatorHarness,
} from './emulator-harness';

let h: EmulatorHarness;
let act: LifecycleActivities;
beforeAll(async () => {
  h = await startEmulatorHarness();
  act = createActivities({ ...h.aws, executionRoleArn: EMULATOR_EXECUTION_ROLE_ARN });
});
afterAll(async () => h?.stop());

async function registerVersion(group: string, status: ModelApprovalStatus): Promise<string> {
  const { ModelPackageArn } = await h.aws.sagemaker.send(
    new CreateModelPackageCommand({
      ModelPackageGroupName: group,
      ModelApprovalStatus: status,
      InferenceSpecification: {
        Containers: [{ Image: 'churn:1', Environment: { EMULATOR_LATENCY_MS: '40' } }],
        SupportedContentTypes: ['application/json'],
        SupportedResponseMIMETypes: ['application/json'],
      },
    }),
  );
  return ModelPackageArn!;
}

/** A model as the product makes one: from the package, tagged for its lifecycle and group. */
async function productModel(group: string, modelName: string, modelPackageArn: string) {
  await act.createModelFromPackage({
    modelName,
    modelPackageArn,
    owner: { lifecycleId: `earlier-${modelName}`, modelPackageGroup: group },
  });
}

async function serve(group: string, endpointName: string, modelName: string) {
  const owner = { lifecycleId: `earlier-${endpointName}`, modelPackageGroup: group };
  await act.createEndpointConfig({
    endpointConfigName: `${endpointName}-c`,
    variants: [
      {
        variantName: 'v1',
        modelName,
        initialWeight: 1,
        instanceType: 'ml.m5.large',
        initialInstanceCount: 1,
      },
    ],
    owner,
  });
  await act.deployEndpointConfig({ endpointName, endpointConfigName: `${endpointName}-c`, owner });
}

async function modelNames(): Promise<string[]> {
  const out = await h.aws.sagemaker.send(new ListModelsCommand({ MaxResults: 100 }));
  return (out.Models ?? []).map((m) => m.ModelName!).sort();
}

describe('pruning on the AWS emulator', () => {
  it('a churn promotion prunes only churn’s own finished models beyond the retention', async () => {
    const endpoint = 'churn-prod';
    const seedArn = await seedProduction(h, 'churn', endpoint);

    // Three versions that served churn-prod before the seed, in this order; the first of them now
    // serves another endpoint.
    const elsewhere = await registerVersion('churn', 'Approved');
    const oldest = await registerVersion('churn', 'Approved');
    const older = await registerVersion('churn', 'Approved');
    await productModel('churn', 'churn-serving-elsewhere', elsewhere);
    await productModel('churn', 'churn-retired-oldest', oldest);
    await productModel('churn', 'churn-retired-older', older);
    const history: [string, string][] = [
      [elsewhere, '2023-06-01'],
      [oldest, '2023-07-01'],
      [older, '2024-02-01'],
      [seedArn, '2024-03-01'],
    ];
    for (const [i, [arn, day]] of history.entries()) {
      const replaced = history[i - 1]?.[0];
      await act.markServing({
        modelPackageArn: arn,
        endpointName: endpoint,
        since: `${day}T00:00:00.000Z`,
        ...(replaced ? { replacedModelPackageArn: replaced } : {}),
      });
    }
    await serve('churn', 'churn-other', 'churn-serving-elsewhere');
    // A rejected churn version: finished, nothing needs its model.
    await productModel('churn', 'churn-rejected', await registerVersion('churn', 'Rejected'));
    // A churn version in staging: approved, its staging endpoint coming up.
    const staging = await registerVersion('churn', 'Approved');
    await productModel('churn', 'churn-in-staging', staging);
    await serve('churn', 'churn-stg-v9', 'churn-in-staging');
    // Approved, its model made, its staging endpoint not yet created.
    await productModel('churn', 'churn-about-to-stage', await registerVersion('churn', 'Approved'));
    // A churn model someone made by hand: not the product's to delete.
    await h.aws.sagemaker.send(
      new CreateModelCommand({
        ModelName: 'churn-manual',
        ExecutionRoleArn: EMULATOR_EXECUTION_ROLE_ARN,
        PrimaryContainer: { ModelPackageName: await registerVersion('churn', 'Rejected') },
      }),
    );
    // The neighbouring group, whose name starts with `churn`.
    await h.aws.sagemaker.send(new CreateModelPackageGroupCommand({ ModelPackageGroupName: 'churn-vip' }));
    await productModel('churn-vip', 'churn-vip-rejected', await registerVersion('churn-vip', 'Rejected'));
    const vipOld = await registerVersion('churn-vip', 'Approved');
    await productModel('churn-vip', 'churn-vip-retired', vipOld);
    await act.markServing({
      modelPackageArn: vipOld,
      endpointName: 'vip-prod',
      since: '2024-01-01T00:00:00.000Z',
    });
    await act.markServing({
      modelPackageArn: await registerVersion('churn-vip', 'Approved'),
      endpointName: 'vip-prod',
      since: '2024-02-01T00:00:00.000Z',
      replacedModelPackageArn: vipOld,
    });
    const before = await modelNames();

    const req = emulatorRequest({ group: 'churn', endpoint });
    const handle = await startLifecycle(h, { ...req, retainPreviousVersions: 1 });
    await waitForStage(handle, 'awaiting-approval');
    await handle.signal(approveSignal, { by: 'alice@ml' });
    const final = await handle.result();
    expect(final.stage).toBe('promoted');

    // The new version's model carries the product's tags for its lifecycle and group.
    const after = await modelNames();
    const created = after.filter((n) => !before.includes(n));
    expect(created).toHaveLength(1);
    const { ModelArn } = (
      await h.aws.sagemaker.send(new ListModelsCommand({ NameContains: created[0], MaxResults: 100 }))
    ).Models![0]!;
    const tags = (await h.aws.sagemaker.send(new ListTagsCommand({ ResourceArn: ModelArn }))).Tags;
    expect(tags).toEqual(
      expect.arrayContaining([
        { Key: 'mvl:managed-by', Value: 'model-version-lifecycle' },
        { Key: 'mvl:lifecycle', Value: final.workflowId },
        { Key: 'mvl:group', Value: 'churn' },
      ]),
    );

    // Deleted: the rejected churn model, and the oldest retired beyond the one retained.
    expect(before.filter((n) => !after.includes(n)).sort()).toEqual([
      'churn-rejected',
      'churn-retired-oldest',
    ]);
    expect(after).toEqual(
      expect.arrayContaining([
        'churn-retired-older',
        'churn-serving-elsewhere',
        'churn-in-staging',
        'churn-about-to-stage',
        'churn-manual',
        'churn-vip-rejected',
        'churn-vip-retired',
        'churn-v1-seed',
      ]),
    );
  });
});
