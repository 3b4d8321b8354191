import {
  CreateEndpointCommand,
  CreateEndpointConfigCommand,
  CreateModelCommand,
  DeleteEndpointCommand,
  DeleteEndpointConfigCommand,
  DeleteModelCommand,
  DescribeEndpointCommand,
  DescribeEndpointConfigCommand,
  DescribeModelCommand,
  DescribeModelPackageCommand,
  ListTagsCommand,
  UpdateEndpointCommand,
  UpdateEndpointWeightsAndCapacitiesCommand,
  type DescribeEndpointCommandOutput,
} from '@aws-sdk/client-sagemaker';
import { beforeEach, describe, expect, it } from 'vitest';
import { createActivities } from '../../../activities';
import { ErrorTypes } from '../../../src/shared/activity-contracts';
import { alreadyExists, awsError, failureOf, mockedDeps, notFound, ROLE_ARN } from './helpers';

const PKG_V6 = 'arn:aws:sagemaker:us-east-1:1:model-package/churn/6';
const PKG_V7 = 'arn:aws:sagemaker:us-east-1:1:model-package/churn/7';
const OWNER = { lifecycleId: 'mvl-churn-train-7', modelPackageGroup: 'churn' };
const OWNER_TAGS = [
  { Key: 'mvl:managed-by', Value: 'model-version-lifecycle' },
  { Key: 'mvl:lifecycle', Value: 'mvl-churn-train-7' },
  { Key: 'mvl:group', Value: 'churn' },
];

function endpoint(
  overrides: Partial<DescribeEndpointCommandOutput> = {},
): Partial<DescribeEndpointCommandOutput> {
  return {
    EndpointName: 'prod',
    EndpointStatus: 'InService',
    EndpointConfigName: 'prod-canary',
    ProductionVariants: [
      { VariantName: 'stable', CurrentWeight: 90, CurrentInstanceCount: 1 },
      { VariantName: 'v7', CurrentWeight: 10, CurrentInstanceCount: 1 },
    ],
    ...overrides,
  };
}

describe('endpoint activities', () => {
  let ctx: ReturnType<typeof mockedDeps>;
  let activities: ReturnType<typeof createActivities>;
  beforeEach(() => {
    ctx = mockedDeps();
    activities = createActivities(ctx.deps);
  });

  describe('describeEndpoint', () => {
    it('is null when the endpoint does not exist', async () => {
      ctx.mocks.sagemaker.on(DescribeEndpointCommand).rejects(notFound('endpoint "prod"'));
      await expect(activities.describeEndpoint('prod')).resolves.toBeNull();
    });

    it('resolves each variant’s weight, model, package, approval and serving mark', async () => {
      ctx.mocks.sagemaker.on(DescribeEndpointCommand).resolves(endpoint());
      ctx.mocks.sagemaker.on(DescribeEndpointConfigCommand).resolves({
        ProductionVariants: [
          { VariantName: 'stable', ModelName: 'churn-v6' },
          { VariantName: 'v7', ModelName: 'churn-v7' },
        ],
      });
      ctx.mocks.sagemaker
        .on(DescribeModelCommand, { ModelName: 'churn-v6' })
        .resolves({ PrimaryContainer: { ModelPackageName: PKG_V6 } })
        .on(DescribeModelCommand, { ModelName: 'churn-v7' })
        .resolves({ Containers: [{ ModelPackageName: PKG_V7 }] });
      ctx.mocks.sagemaker
        .on(DescribeModelPackageCommand, { ModelPackageName: PKG_V6 })
        .resolves({
          ModelApprovalStatus: 'Approved',
          CustomerMetadataProperties: { ServingEndpoint: 'prod' },
        })
        // A leftover canary: approved, but never marked serving this endpoint.
        .on(DescribeModelPackageCommand, { ModelPackageName: PKG_V7 })
        .resolves({
          ModelApprovalStatus: 'Approved',
          CustomerMetadataProperties: { ServingEndpoint: 'other' },
        });

      await expect(activities.describeEndpoint('prod')).resolves.toEqual({
        endpointName: 'prod',
        status: 'InService',
        endpointConfigName: 'prod-canary',
        variants: [
          {
            variantName: 'stable',
            weight: 90,
            instanceCount: 1,
            modelName: 'churn-v6',
            modelPackageArn: PKG_V6,
            approvalStatus: 'Approved',
            markedServing: true,
          },
          {
            variantName: 'v7',
            weight: 10,
            instanceCount: 1,
            modelName: 'churn-v7',
            modelPackageArn: PKG_V7,
            approvalStatus: 'Approved',
            markedServing: false,
          },
        ],
      });
    });
  });

  describe('createModelFromPackage', () => {
    it('creates the model from the package with the execution role, tagged with its owner', async () => {
      ctx.mocks.sagemaker.on(CreateModelCommand).resolves({});
      await activities.createModelFromPackage({
        modelName: 'churn-v7',
        modelPackageArn: PKG_V7,
        owner: OWNER,
      });
      expect(ctx.mocks.sagemaker.commandCalls(CreateModelCommand)[0]!.args[0].input).toEqual({
        ModelName: 'churn-v7',
        ExecutionRoleArn: ROLE_ARN,
        PrimaryContainer: { ModelPackageName: PKG_V7 },
        Tags: OWNER_TAGS,
      });
    });

    it('an existing model from the same package is success', async () => {
      ctx.mocks.sagemaker.on(CreateModelCommand).rejects(alreadyExists('model "churn-v7"'));
      ctx.mocks.sagemaker
        .on(DescribeModelCommand)
        .resolves({ PrimaryContainer: { ModelPackageName: PKG_V7 } });
      await expect(
        activities.createModelFromPackage({ modelName: 'churn-v7', modelPackageArn: PKG_V7, owner: OWNER }),
      ).resolves.toBeUndefined();
    });

    it('an existing model from another package is a non-retryable clash', async () => {
      ctx.mocks.sagemaker.on(CreateModelCommand).rejects(alreadyExists('model "churn-v7"'));
      ctx.mocks.sagemaker
        .on(DescribeModelCommand)
        .resolves({ PrimaryContainer: { ModelPackageName: PKG_V6 } });
      const f = await failureOf(
        activities.createModelFromPackage({ modelName: 'churn-v7', modelPackageArn: PKG_V7, owner: OWNER }),
      );
      expect(f.nonRetryable).toBe(true);
      expect(f.message).toContain(PKG_V6);
    });
  });

  describe('createEndpointConfig', () => {
    const variants = [
      {
        variantName: 'stable',
        modelName: 'churn-v6',
        initialWeight: 90,
        instanceType: 'ml.m5.large',
        initialInstanceCount: 1,
      },
      {
        variantName: 'v7',
        modelName: 'churn-v7',
        initialWeight: 10,
        instanceType: 'ml.m5.large',
        initialInstanceCount: 2,
      },
    ];

    it('creates the config with every variant, tagged with its owner', async () => {
      ctx.mocks.sagemaker.on(CreateEndpointConfigCommand).resolves({});
      await activities.createEndpointConfig({ endpointConfigName: 'prod-canary', variants, owner: OWNER });
      expect(ctx.mocks.sagemaker.commandCalls(CreateEndpointConfigCommand)[0]!.args[0].input).toEqual({
        EndpointConfigName: 'prod-canary',
        ProductionVariants: [
          {
            VariantName: 'stable',
            ModelName: 'churn-v6',
            InitialVariantWeight: 90,
            InstanceType: 'ml.m5.large',
            InitialInstanceCount: 1,
          },
          {
            VariantName: 'v7',
            ModelName: 'churn-v7',
            InitialVariantWeight: 10,
            InstanceType: 'ml.m5.large',
            InitialInstanceCount: 2,
          },
        ],
        Tags: OWNER_TAGS,
      });
    });

    it('an existing config with the same variants is success', async () => {
      ctx.mocks.sagemaker
        .on(CreateEndpointConfigCommand)
        .rejects(alreadyExists('endpoint configuration "prod-canary"'));
      ctx.mocks.sagemaker.on(DescribeEndpointConfigCommand).resolves({
        ProductionVariants: [
          { VariantName: 'v7', ModelName: 'churn-v7' },
          { VariantName: 'stable', ModelName: 'churn-v6' },
        ],
      });
      await expect(
        activities.createEndpointConfig({ endpointConfigName: 'prod-canary', variants, owner: OWNER }),
      ).resolves.toBeUndefined();
    });
  });

  describe('deployEndpointConfig', () => {
    it('creates a missing endpoint, tagged with its owner', async () => {
      ctx.mocks.sagemaker.on(DescribeEndpointCommand).rejects(notFound('endpoint "prod"'));
      ctx.mocks.sagemaker.on(CreateEndpointCommand).resolves({});
      await expect(
        activities.deployEndpointConfig({ endpointName: 'prod', endpointConfigName: 'c1', owner: OWNER }),
      ).resolves.toBe('created');
      expect(ctx.mocks.sagemaker.commandCalls(CreateEndpointCommand)[0]!.args[0].input).toEqual({
        EndpointName: 'prod',
        EndpointConfigName: 'c1',
        Tags: OWNER_TAGS,
      });
    });

    it('exclusive (staging): refuses an existing endpoint that is not this lifecycle’s', async () => {
      ctx.mocks.sagemaker
        .on(DescribeEndpointCommand)
        .resolves(
          endpoint({ EndpointConfigName: 'old', EndpointArn: 'arn:aws:sagemaker:us-east-1:1:endpoint/prod' }),
        );
      ctx.mocks.sagemaker.on(ListTagsCommand).resolves({ Tags: [{ Key: 'team', Value: 'ml' }] });
      const f = await failureOf(
        activities.deployEndpointConfig({
          endpointName: 'prod',
          endpointConfigName: 'stg-c',
          owner: OWNER,
          exclusive: true,
        }),
      );
      expect(f.type).toBe(ErrorTypes.NotOwned);
      expect(ctx.mocks.sagemaker.commandCalls(UpdateEndpointCommand)).toHaveLength(0);
    });

    it('exclusive (staging): goes on with its own endpoint after a retry', async () => {
      ctx.mocks.sagemaker.on(DescribeEndpointCommand).resolves(
        endpoint({
          EndpointConfigName: 'stg-c',
          EndpointArn: 'arn:aws:sagemaker:us-east-1:1:endpoint/stg',
        }),
      );
      ctx.mocks.sagemaker.on(ListTagsCommand).resolves({ Tags: OWNER_TAGS });
      await expect(
        activities.deployEndpointConfig({
          endpointName: 'stg',
          endpointConfigName: 'stg-c',
          owner: OWNER,
          exclusive: true,
        }),
      ).resolves.toBe('unchanged');
    });

    it('updates an InService endpoint on another config', async () => {
      ctx.mocks.sagemaker.on(DescribeEndpointCommand).resolves(endpoint({ EndpointConfigName: 'old' }));
      ctx.mocks.sagemaker.on(UpdateEndpointCommand).resolves({});
      await expect(
        activities.deployEndpointConfig({
          endpointName: 'prod',
          endpointConfigName: 'prod-canary-2',
          owner: OWNER,
        }),
      ).resolves.toBe('updated');
      expect(ctx.mocks.sagemaker.commandCalls(UpdateEndpointCommand)[0]!.args[0].input).toEqual({
        EndpointName: 'prod',
        EndpointConfigName: 'prod-canary-2',
      });
    });

    it('does nothing when the endpoint is already on, or moving to, the config', async () => {
      ctx.mocks.sagemaker.on(DescribeEndpointCommand).resolves(endpoint());
      await expect(
        activities.deployEndpointConfig({
          endpointName: 'prod',
          endpointConfigName: 'prod-canary',
          owner: OWNER,
        }),
      ).resolves.toBe('unchanged');
      ctx.mocks.sagemaker.on(DescribeEndpointCommand).resolves(
        endpoint({
          EndpointStatus: 'Updating',
          EndpointConfigName: 'old',
          PendingDeploymentSummary: { EndpointConfigName: 'new' },
        }),
      );
      await expect(
        activities.deployEndpointConfig({ endpointName: 'prod', endpointConfigName: 'new', owner: OWNER }),
      ).resolves.toBe('unchanged');
      expect(ctx.mocks.sagemaker.commandCalls(UpdateEndpointCommand)).toHaveLength(0);
    });

    it('waits (retryable EndpointNotReady) while another update is in progress', async () => {
      ctx.mocks.sagemaker.on(DescribeEndpointCommand).resolves(endpoint({ EndpointStatus: 'Updating' }));
      const f = await failureOf(
        activities.deployEndpointConfig({ endpointName: 'prod', endpointConfigName: 'next', owner: OWNER }),
      );
      expect(f.type).toBe(ErrorTypes.EndpointNotReady);
      expect(f.nonRetryable).toBe(false);
    });

    it('turns SageMaker’s "in-progress" refusal into EndpointNotReady', async () => {
      ctx.mocks.sagemaker.on(DescribeEndpointCommand).resolves(endpoint({ EndpointConfigName: 'old' }));
      ctx.mocks.sagemaker
        .on(UpdateEndpointCommand)
        .rejects(awsError('ValidationException', 'Cannot update in-progress endpoint "arn:…/prod".'));
      const f = await failureOf(
        activities.deployEndpointConfig({ endpointName: 'prod', endpointConfigName: 'next', owner: OWNER }),
      );
      expect(f.type).toBe(ErrorTypes.EndpointNotReady);
    });
  });

  describe('awaitEndpointInService', () => {
    it.each(['Creating', 'Updating', 'SystemUpdating'])('%s → retryable EndpointNotReady', async (status) => {
      ctx.mocks.sagemaker
        .on(DescribeEndpointCommand)
        .resolves(endpoint({ EndpointStatus: status as 'Creating' }));
      const f = await failureOf(activities.awaitEndpointInService({ endpointName: 'prod' }));
      expect(f.type).toBe(ErrorTypes.EndpointNotReady);
      expect(f.nonRetryable).toBe(false);
    });

    it('Failed → non-retryable EndpointFailed with the failure reason', async () => {
      ctx.mocks.sagemaker
        .on(DescribeEndpointCommand)
        .resolves(endpoint({ EndpointStatus: 'Failed', FailureReason: 'Image could not be pulled' }));
      const f = await failureOf(activities.awaitEndpointInService({ endpointName: 'prod' }));
      expect(f.type).toBe(ErrorTypes.EndpointFailed);
      expect(f.nonRetryable).toBe(true);
      expect(f.message).toContain('Image could not be pulled');
    });

    it('InService on another config → still not ready', async () => {
      ctx.mocks.sagemaker.on(DescribeEndpointCommand).resolves(endpoint({ EndpointConfigName: 'old' }));
      const f = await failureOf(
        activities.awaitEndpointInService({ endpointName: 'prod', endpointConfigName: 'new' }),
      );
      expect(f.type).toBe(ErrorTypes.EndpointNotReady);
    });

    it('InService on the config → the snapshot', async () => {
      ctx.mocks.sagemaker.on(DescribeEndpointCommand).resolves(endpoint());
      ctx.mocks.sagemaker.on(DescribeEndpointConfigCommand).resolves({ ProductionVariants: [] });
      const snap = await activities.awaitEndpointInService({
        endpointName: 'prod',
        endpointConfigName: 'prod-canary',
      });
      expect(snap.status).toBe('InService');
      expect(snap.variants.map((v) => [v.variantName, v.weight])).toEqual([
        ['stable', 90],
        ['v7', 10],
      ]);
    });
  });

  describe('setVariantWeights', () => {
    it('updates the weights', async () => {
      ctx.mocks.sagemaker.on(DescribeEndpointCommand).resolves(endpoint());
      ctx.mocks.sagemaker.on(UpdateEndpointWeightsAndCapacitiesCommand).resolves({});
      await activities.setVariantWeights({ endpointName: 'prod', weights: { stable: 50, v7: 50 } });
      expect(
        ctx.mocks.sagemaker.commandCalls(UpdateEndpointWeightsAndCapacitiesCommand)[0]!.args[0].input,
      ).toEqual({
        EndpointName: 'prod',
        DesiredWeightsAndCapacities: [
          { VariantName: 'stable', DesiredWeight: 50 },
          { VariantName: 'v7', DesiredWeight: 50 },
        ],
      });
    });

    it('makes no call when the weights are already so (current or desired)', async () => {
      ctx.mocks.sagemaker.on(DescribeEndpointCommand).resolves(endpoint());
      await activities.setVariantWeights({ endpointName: 'prod', weights: { stable: 90, v7: 10 } });
      ctx.mocks.sagemaker.on(DescribeEndpointCommand).resolves(
        endpoint({
          EndpointStatus: 'Updating',
          ProductionVariants: [
            { VariantName: 'stable', CurrentWeight: 90, DesiredWeight: 0 },
            { VariantName: 'v7', CurrentWeight: 10, DesiredWeight: 100 },
          ],
        }),
      );
      await activities.setVariantWeights({ endpointName: 'prod', weights: { stable: 0, v7: 100 } });
      expect(ctx.mocks.sagemaker.commandCalls(UpdateEndpointWeightsAndCapacitiesCommand)).toHaveLength(0);
    });

    it('refuses an unknown variant', async () => {
      ctx.mocks.sagemaker.on(DescribeEndpointCommand).resolves(endpoint());
      const f = await failureOf(activities.setVariantWeights({ endpointName: 'prod', weights: { v9: 100 } }));
      expect(f.nonRetryable).toBe(true);
      expect(f.message).toContain('v9');
    });
  });

  describe('deletes', () => {
    const MODEL_ARN = 'arn:aws:sagemaker:us-east-1:123456789012:model/m';
    const CONFIG_ARN = 'arn:aws:sagemaker:us-east-1:123456789012:endpoint-config/stg';
    const ENDPOINT_ARN = 'arn:aws:sagemaker:us-east-1:123456789012:endpoint/stg';

    function existing(tags: { Key: string; Value: string }[]) {
      ctx.mocks.sagemaker.on(DescribeModelCommand).resolves({ ModelName: 'm', ModelArn: MODEL_ARN });
      ctx.mocks.sagemaker
        .on(DescribeEndpointConfigCommand)
        .resolves({ EndpointConfigName: 'stg', EndpointConfigArn: CONFIG_ARN });
      ctx.mocks.sagemaker
        .on(DescribeEndpointCommand)
        .resolves(endpoint({ EndpointName: 'stg', EndpointArn: ENDPOINT_ARN }));
      ctx.mocks.sagemaker.on(ListTagsCommand).resolves({ Tags: tags });
      ctx.mocks.sagemaker.on(DeleteEndpointCommand).resolves({});
      ctx.mocks.sagemaker.on(DeleteEndpointConfigCommand).resolves({});
      ctx.mocks.sagemaker.on(DeleteModelCommand).resolves({});
    }

    it('treat "not found" as success', async () => {
      ctx.mocks.sagemaker.on(DescribeEndpointCommand).rejects(notFound('endpoint "stg"'));
      ctx.mocks.sagemaker.on(DescribeEndpointConfigCommand).rejects(notFound('endpoint configuration "stg"'));
      ctx.mocks.sagemaker.on(DescribeModelCommand).rejects(notFound('model "m"'));
      await expect(activities.deleteEndpoint('stg')).resolves.toBeUndefined();
      await expect(activities.deleteEndpointConfig('stg')).resolves.toBeUndefined();
      await expect(activities.deleteModel('m')).resolves.toBeUndefined();
      expect(ctx.mocks.sagemaker.commandCalls(DeleteModelCommand)).toHaveLength(0);
    });

    it('delete what carries the product’s tags', async () => {
      existing(OWNER_TAGS);
      await activities.deleteEndpoint('stg');
      await activities.deleteEndpointConfig('stg');
      await activities.deleteModel('m');
      expect(
        ctx.mocks.sagemaker.commandCalls(ListTagsCommand).map((c) => c.args[0].input.ResourceArn),
      ).toEqual([ENDPOINT_ARN, CONFIG_ARN, MODEL_ARN]);
      expect(ctx.mocks.sagemaker.commandCalls(DeleteEndpointCommand)).toHaveLength(1);
      expect(ctx.mocks.sagemaker.commandCalls(DeleteEndpointConfigCommand)).toHaveLength(1);
      expect(ctx.mocks.sagemaker.commandCalls(DeleteModelCommand)).toHaveLength(1);
    });

    it('refuse, non-retryably, what the product did not make', async () => {
      existing([{ Key: 'team', Value: 'ml' }]);
      for (const attempt of [
        activities.deleteEndpoint('stg'),
        activities.deleteEndpointConfig('stg'),
        activities.deleteModel('m'),
      ]) {
        const f = await failureOf(attempt);
        expect(f.type).toBe(ErrorTypes.NotOwned);
        expect(f.nonRetryable).toBe(true);
      }
      expect(ctx.mocks.sagemaker.commandCalls(DeleteEndpointCommand)).toHaveLength(0);
      expect(ctx.mocks.sagemaker.commandCalls(DeleteEndpointConfigCommand)).toHaveLength(0);
      expect(ctx.mocks.sagemaker.commandCalls(DeleteModelCommand)).toHaveLength(0);
    });

    it('given an owner, refuse what another lifecycle or group made', async () => {
      existing(OWNER_TAGS);
      await expect(activities.deleteEndpointConfig('stg', OWNER)).resolves.toBeUndefined();
      const otherLifecycle = await failureOf(
        activities.deleteEndpoint('stg', { ...OWNER, lifecycleId: 'mvl-churn-train-8' }),
      );
      expect(otherLifecycle.type).toBe(ErrorTypes.NotOwned);
      expect(otherLifecycle.message).toContain('mvl-churn-train-7');
      const otherGroup = await failureOf(
        activities.deleteModel('m', { ...OWNER, modelPackageGroup: 'churn-vip' }),
      );
      expect(otherGroup.type).toBe(ErrorTypes.NotOwned);
      expect(ctx.mocks.sagemaker.commandCalls(DeleteEndpointCommand)).toHaveLength(0);
      expect(ctx.mocks.sagemaker.commandCalls(DeleteModelCommand)).toHaveLength(0);
      expect(ctx.mocks.sagemaker.commandCalls(DeleteEndpointConfigCommand)).toHaveLength(1);
    });

    it('rethrow other failures classified', async () => {
      existing(OWNER_TAGS);
      ctx.mocks.sagemaker.on(DeleteModelCommand).rejects(awsError('ThrottlingException', 'Rate exceeded'));
      const f = await failureOf(activities.deleteModel('m'));
      expect(f.nonRetryable).toBe(false);
    });
  });
});
