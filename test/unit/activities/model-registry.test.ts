import {
  CreateModelPackageCommand,
  CreateModelPackageGroupCommand,
  DescribeModelPackageCommand,
  UpdateModelPackageCommand,
} from '@aws-sdk/client-sagemaker';
import { beforeEach, describe, expect, it } from 'vitest';
import { createActivities } from '../../../activities';
import { packageClientToken } from '../../../activities/model-registry';
import { parseVersionMetadata } from '../../../activities/registry-metadata';
import { ErrorTypes, type RegisterVersionInput } from '../../../src/shared/activity-contracts';
import { awsError, failureOf, mockedDeps } from './helpers';

const ARN = 'arn:aws:sagemaker:us-east-1:123456789012:model-package/churn/7';

function registration(overrides: Partial<RegisterVersionInput> = {}): RegisterVersionInput {
  return {
    workflowId: 'mv-churn-train-2024-06-01',
    modelPackageGroup: 'churn',
    description: 'weekly retrain',
    artifactUri: 's3://models/churn/model.tar.gz',
    inferenceImage: '123456789012.dkr.ecr.us-east-1.amazonaws.com/xgb:1',
    environment: { SAGEMAKER_PROGRAM: 'serve.py' },
    metrics: { auc: 0.91, logloss: 0.23 },
    lineage: {
      datasetUri: 's3://data/churn/2024-06-01/',
      datasetVersion: '2024-06-01',
      codeCommit: 'abc1234',
      trainingJobName: 'train-2024-06-01',
      hyperparameters: { eta: 0.1, max_depth: 6, objective: 'binary:logistic', early_stop: true },
    },
    tags: { team: 'growth' },
    registeredBy: 'pipeline@ci',
    contentTypes: ['application/json'],
    ...overrides,
  };
}

describe('model registry activities', () => {
  let ctx: ReturnType<typeof mockedDeps>;
  beforeEach(() => {
    ctx = mockedDeps();
    ctx.mocks.sagemaker.on(CreateModelPackageGroupCommand).resolves({ ModelPackageGroupArn: 'g' });
    ctx.mocks.sagemaker.on(CreateModelPackageCommand).resolves({ ModelPackageArn: ARN });
    ctx.mocks.sagemaker
      .on(DescribeModelPackageCommand)
      .resolves({ ModelPackageArn: ARN, ModelPackageVersion: 7 });
  });

  it('registers the group with tags and the package as PendingManualApproval with spec, lineage and metrics', async () => {
    const result = await createActivities(ctx.deps).registerModelVersion(registration());
    expect(result).toEqual({ modelPackageArn: ARN, modelVersion: 7 });

    const group = ctx.mocks.sagemaker.commandCalls(CreateModelPackageGroupCommand)[0]!.args[0].input;
    expect(group).toEqual({ ModelPackageGroupName: 'churn', Tags: [{ Key: 'team', Value: 'growth' }] });

    const pkg = ctx.mocks.sagemaker.commandCalls(CreateModelPackageCommand)[0]!.args[0].input;
    expect(pkg).toMatchObject({
      ModelPackageGroupName: 'churn',
      ModelPackageDescription: 'weekly retrain',
      ModelApprovalStatus: 'PendingManualApproval',
      InferenceSpecification: {
        Containers: [
          {
            Image: '123456789012.dkr.ecr.us-east-1.amazonaws.com/xgb:1',
            ModelDataUrl: 's3://models/churn/model.tar.gz',
            Environment: { SAGEMAKER_PROGRAM: 'serve.py' },
          },
        ],
        SupportedContentTypes: ['application/json'],
        SupportedResponseMIMETypes: ['application/json'],
      },
      MetadataProperties: { GeneratedBy: 'train-2024-06-01', CommitId: 'abc1234' },
      Tags: [{ Key: 'team', Value: 'growth' }],
    });
    expect(pkg.ClientToken).toMatch(/^[a-zA-Z0-9-]{1,36}$/);
    expect(pkg.CustomerMetadataProperties).toEqual({
      registeredBy: 'pipeline@ci',
      workflowId: 'mv-churn-train-2024-06-01',
      'lineage:datasetUri': 's3://data/churn/2024-06-01/',
      'lineage:datasetVersion': '2024-06-01',
      'lineage:codeCommit': 'abc1234',
      'lineage:trainingJobName': 'train-2024-06-01',
      'metric:auc': '0.91',
      'metric:logloss': '0.23',
      'hp:eta': '0.1',
      'hp:max_depth': '6',
      'hp:objective': 'binary:logistic',
      'hp:early_stop': 'true',
    });
    expect(ctx.mocks.sagemaker.commandCalls(DescribeModelPackageCommand)[0]!.args[0].input).toEqual({
      ModelPackageName: ARN,
    });
  });

  it('an existing group is fine', async () => {
    ctx.mocks.sagemaker
      .on(CreateModelPackageGroupCommand)
      .rejects(awsError('ValidationException', 'Model Package Group already exists: arn:...:churn'));
    await expect(createActivities(ctx.deps).registerModelVersion(registration())).resolves.toEqual({
      modelPackageArn: ARN,
      modelVersion: 7,
    });
  });

  it('sends the same ClientToken for the same workflow, a different one for another', async () => {
    const activities = createActivities(ctx.deps);
    await activities.registerModelVersion(registration());
    await activities.registerModelVersion(registration());
    await activities.registerModelVersion(registration({ workflowId: 'mv-churn-other' }));
    const tokens = ctx.mocks.sagemaker
      .commandCalls(CreateModelPackageCommand)
      .map((c) => c.args[0].input.ClientToken);
    expect(tokens[0]).toBe(tokens[1]);
    expect(tokens[2]).not.toBe(tokens[0]);
    expect(tokens[0]).toBe(packageClientToken('mv-churn-train-2024-06-01'));
  });

  it('refuses metadata beyond SageMaker limits before calling AWS, naming the problem', async () => {
    const metrics = Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`m${i}`, i]));
    const tooMany = await failureOf(
      createActivities(ctx.deps).registerModelVersion(registration({ metrics })),
    );
    expect(tooMany.nonRetryable).toBe(true);
    expect(tooMany.type).toBe(ErrorTypes.Validation);
    expect(tooMany.message).toMatch(/entries, SageMaker allows 50/);

    const longValue = registration();
    longValue.lineage.datasetUri = `s3://data/${'x'.repeat(300)}`;
    const tooLong = await failureOf(createActivities(ctx.deps).registerModelVersion(longValue));
    expect(tooLong.message).toMatch(/"lineage:datasetUri" must be 1-256 characters, got 310/);
    expect(ctx.mocks.sagemaker.commandCalls(CreateModelPackageCommand)).toHaveLength(0);
  });

  it('a CreateModelPackage ValidationException fails fast with AWS message', async () => {
    ctx.mocks.sagemaker
      .on(CreateModelPackageCommand)
      .rejects(awsError('ValidationException', 'Image URI is not valid'));
    const f = await failureOf(createActivities(ctx.deps).registerModelVersion(registration()));
    expect(f.nonRetryable).toBe(true);
    expect(f.message).toBe('CreateModelPackage: Image URI is not valid');
  });

  it('reads a version’s metrics back from its metadata', async () => {
    ctx.mocks.sagemaker.on(DescribeModelPackageCommand).resolves({
      ModelPackageArn: ARN,
      ModelPackageVersion: 7,
      CustomerMetadataProperties: { 'metric:auc': '0.91', 'lineage:codeCommit': 'abc', 'metric:bad': 'n/a' },
    });
    await expect(createActivities(ctx.deps).describeVersionMetrics(ARN)).resolves.toEqual({
      modelPackageArn: ARN,
      modelVersion: 7,
      metrics: { auc: 0.91 },
    });
  });

  it('round-trips hyperparameter types through the metadata', () => {
    const parsed = parseVersionMetadata({ 'hp:eta': '0.1', 'hp:flag': 'false', 'hp:code': '007' });
    expect(parsed.lineage.hyperparameters).toEqual({ eta: 0.1, flag: false, code: '007' });
  });

  it('records the approval decision with status, a bounded description and who decided', async () => {
    ctx.mocks.sagemaker.on(UpdateModelPackageCommand).resolves({ ModelPackageArn: ARN });
    await createActivities(ctx.deps).recordApprovalDecision({
      modelPackageArn: ARN,
      status: 'Rejected',
      description: 'x'.repeat(2000),
      decidedBy: 'alice@example.com',
    });
    const input = ctx.mocks.sagemaker.commandCalls(UpdateModelPackageCommand)[0]!.args[0].input;
    expect(input).toMatchObject({
      ModelPackageArn: ARN,
      ModelApprovalStatus: 'Rejected',
      CustomerMetadataProperties: { decidedBy: 'alice@example.com' },
    });
    expect(input.ApprovalDescription).toHaveLength(1024);
  });

  it('marks the new package as serving and the replaced one as retired from the endpoint', async () => {
    ctx.mocks.sagemaker.on(UpdateModelPackageCommand).resolves({});
    const old = 'arn:aws:sagemaker:us-east-1:123456789012:model-package/churn/6';
    await createActivities(ctx.deps).markServing({
      modelPackageArn: ARN,
      endpointName: 'churn-prod',
      since: '2024-06-02T10:00:00.000Z',
      replacedModelPackageArn: old,
    });
    const [mark, unmark] = ctx.mocks.sagemaker
      .commandCalls(UpdateModelPackageCommand)
      .map((c) => c.args[0].input);
    expect(mark).toEqual({
      ModelPackageArn: ARN,
      CustomerMetadataProperties: { ServingEndpoint: 'churn-prod', ServingSince: '2024-06-02T10:00:00.000Z' },
      CustomerMetadataPropertiesToRemove: ['RetiredFrom', 'RetiredAt'],
    });
    expect(unmark).toEqual({
      ModelPackageArn: old,
      CustomerMetadataProperties: { RetiredFrom: 'churn-prod', RetiredAt: '2024-06-02T10:00:00.000Z' },
      CustomerMetadataPropertiesToRemove: ['ServingEndpoint', 'ServingSince'],
    });
  });

  it('does not unmark when there is no predecessor', async () => {
    ctx.mocks.sagemaker.on(UpdateModelPackageCommand).resolves({});
    await createActivities(ctx.deps).markServing({ modelPackageArn: ARN, endpointName: 'e', since: 'now' });
    expect(ctx.mocks.sagemaker.commandCalls(UpdateModelPackageCommand)).toHaveLength(1);
  });
});
