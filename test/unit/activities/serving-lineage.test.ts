import {
  DescribeEndpointCommand,
  DescribeEndpointConfigCommand,
  DescribeModelCommand,
  DescribeModelPackageCommand,
} from '@aws-sdk/client-sagemaker';
import { beforeEach, describe, expect, it } from 'vitest';
import { createActivities, describeServingLineage } from '../../../activities';
import { mockedDeps, notFound } from './helpers';

const PKG = 'arn:aws:sagemaker:us-east-1:1:model-package/churn/7';

describe('describeServingLineage', () => {
  let ctx: ReturnType<typeof mockedDeps>;
  beforeEach(() => {
    ctx = mockedDeps();
  });

  it('is null when the endpoint does not exist', async () => {
    ctx.mocks.sagemaker.on(DescribeEndpointCommand).rejects(notFound('endpoint "prod"'));
    await expect(describeServingLineage(ctx.deps.sagemaker, 'prod')).resolves.toBeNull();
  });

  it('follows each variant to its package: version, approval, lineage, metrics, serving since', async () => {
    ctx.mocks.sagemaker.on(DescribeEndpointCommand).resolves({
      EndpointName: 'prod',
      EndpointStatus: 'InService',
      EndpointConfigName: 'prod-v7',
      ProductionVariants: [{ VariantName: 'v7', CurrentWeight: 1, CurrentInstanceCount: 2 }],
    });
    ctx.mocks.sagemaker
      .on(DescribeEndpointConfigCommand)
      .resolves({ ProductionVariants: [{ VariantName: 'v7', ModelName: 'churn-v7' }] });
    ctx.mocks.sagemaker.on(DescribeModelCommand).resolves({ PrimaryContainer: { ModelPackageName: PKG } });
    ctx.mocks.sagemaker.on(DescribeModelPackageCommand).resolves({
      ModelPackageArn: PKG,
      ModelPackageVersion: 7,
      ModelApprovalStatus: 'Approved',
      ApprovalDescription: 'approved by alice: auc 0.91 vs 0.89',
      CustomerMetadataProperties: {
        registeredBy: 'pipeline@ci',
        decidedBy: 'alice',
        'lineage:datasetUri': 's3://data/churn/2024-06-01/',
        'lineage:datasetVersion': '2024-06-01',
        'lineage:codeCommit': 'abc1234',
        'lineage:trainingJobName': 'train-1',
        'hp:eta': '0.1',
        'metric:auc': '0.91',
        ServingEndpoint: 'prod',
        ServingSince: '2024-06-02T10:00:00.000Z',
      },
    });

    const lineage = await createActivities(ctx.deps).describeServingLineage('prod');
    expect(lineage).toEqual({
      endpointName: 'prod',
      status: 'InService',
      endpointConfigName: 'prod-v7',
      variants: [
        {
          variantName: 'v7',
          weight: 1,
          modelName: 'churn-v7',
          modelPackageArn: PKG,
          modelVersion: 7,
          approvalStatus: 'Approved',
          approvalDescription: 'approved by alice: auc 0.91 vs 0.89',
          approvedBy: 'alice',
          registeredBy: 'pipeline@ci',
          lineage: {
            datasetUri: 's3://data/churn/2024-06-01/',
            datasetVersion: '2024-06-01',
            codeCommit: 'abc1234',
            trainingJobName: 'train-1',
            hyperparameters: { eta: 0.1 },
          },
          metrics: { auc: 0.91 },
          servingSince: '2024-06-02T10:00:00.000Z',
        },
      ],
    });
  });

  it('a model not made from a package still appears, without lineage', async () => {
    ctx.mocks.sagemaker.on(DescribeEndpointCommand).resolves({
      EndpointName: 'prod',
      EndpointStatus: 'InService',
      EndpointConfigName: 'legacy',
      ProductionVariants: [{ VariantName: 'AllTraffic', CurrentWeight: 1 }],
    });
    ctx.mocks.sagemaker
      .on(DescribeEndpointConfigCommand)
      .resolves({ ProductionVariants: [{ VariantName: 'AllTraffic', ModelName: 'hand-made' }] });
    ctx.mocks.sagemaker.on(DescribeModelCommand).resolves({ PrimaryContainer: { Image: 'img' } });
    const lineage = await describeServingLineage(ctx.deps.sagemaker, 'prod');
    expect(lineage?.variants).toEqual([{ variantName: 'AllTraffic', weight: 1, modelName: 'hand-made' }]);
    expect(ctx.mocks.sagemaker.commandCalls(DescribeModelPackageCommand)).toHaveLength(0);
  });
});
