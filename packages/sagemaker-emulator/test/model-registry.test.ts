/** Contract: the Model Registry operations, through the real SageMaker client. */
import {
  CreateModelPackageCommand,
  CreateModelPackageGroupCommand,
  DescribeModelPackageCommand,
  DescribeModelPackageGroupCommand,
  ListModelPackageGroupsCommand,
  ListModelPackagesCommand,
  UpdateModelPackageCommand,
  type CreateModelPackageCommandInput,
} from '@aws-sdk/client-sagemaker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorOf, startFixture, type EmulatorFixture } from './emulator-fixture';

let f: EmulatorFixture;
beforeAll(async () => {
  f = await startFixture();
});
afterAll(async () => f?.close());

const send = <T>(command: { input: unknown }) => f.aws.sagemaker.send(command as never) as Promise<T>;

function packageInput(group: string, extra: Partial<CreateModelPackageCommandInput> = {}) {
  return new CreateModelPackageCommand({
    ModelPackageGroupName: group,
    InferenceSpecification: {
      Containers: [
        { Image: 'img:1', ModelDataUrl: 's3://m/model.tar.gz', Environment: { EMULATOR_LATENCY_MS: '30' } },
      ],
      SupportedContentTypes: ['application/json'],
      SupportedResponseMIMETypes: ['application/json'],
    },
    ...extra,
  });
}

describe('model package groups', () => {
  it('creates, describes and lists groups; a second create is a ValidationException', async () => {
    const out = await f.aws.sagemaker.send(
      new CreateModelPackageGroupCommand({ ModelPackageGroupName: 'grp-a' }),
    );
    expect(out.ModelPackageGroupArn).toBe(
      'arn:aws:sagemaker:us-east-1:123456789012:model-package-group/grp-a',
    );
    const described = await f.aws.sagemaker.send(
      new DescribeModelPackageGroupCommand({ ModelPackageGroupName: 'grp-a' }),
    );
    expect(described).toMatchObject({ ModelPackageGroupName: 'grp-a', ModelPackageGroupStatus: 'Completed' });
    expect(described.CreationTime).toBeInstanceOf(Date);

    const again = await errorOf(
      f.aws.sagemaker.send(new CreateModelPackageGroupCommand({ ModelPackageGroupName: 'grp-a' })),
    );
    expect(again.name).toBe('ValidationException');
    expect(again.message).toMatch(/already exists/);
    expect(again.$fault).toBe('client');

    const listed = await f.aws.sagemaker.send(new ListModelPackageGroupsCommand({ NameContains: 'grp-' }));
    expect(listed.ModelPackageGroupSummaryList?.map((g) => g.ModelPackageGroupName)).toContain('grp-a');
  });

  it('refuses a name SageMaker would refuse, naming the field', async () => {
    const err = await errorOf(
      f.aws.sagemaker.send(new CreateModelPackageGroupCommand({ ModelPackageGroupName: 'bad_name' })),
    );
    expect(err.name).toBe('ValidationException');
    expect(err.message).toMatch(/at 'modelPackageGroupName' failed to satisfy constraint/);
  });
});

describe('model packages', () => {
  beforeAll(async () => {
    await f.aws.sagemaker.send(new CreateModelPackageGroupCommand({ ModelPackageGroupName: 'grp-p' }));
  });

  it('numbers versions per group and returns the same package for the same ClientToken', async () => {
    const v1 = await f.aws.sagemaker.send(packageInput('grp-p', { ClientToken: 'token-1' }));
    const v2 = await f.aws.sagemaker.send(packageInput('grp-p'));
    const retry = await f.aws.sagemaker.send(packageInput('grp-p', { ClientToken: 'token-1' }));
    expect(v1.ModelPackageArn).toBe('arn:aws:sagemaker:us-east-1:123456789012:model-package/grp-p/1');
    expect(v2.ModelPackageArn).toMatch(/model-package\/grp-p\/2$/);
    expect(retry.ModelPackageArn).toBe(v1.ModelPackageArn);
  });

  it('describes a package with the fields the product reads', async () => {
    const { ModelPackageArn } = await f.aws.sagemaker.send(
      packageInput('grp-p', {
        ModelPackageDescription: 'churn v3',
        CustomerMetadataProperties: { 'metric:auc': '0.91', registeredBy: 'pipeline@ml' },
        MetadataProperties: { GeneratedBy: 'train-3', CommitId: 'abc' },
      }),
    );
    const d = await f.aws.sagemaker.send(
      new DescribeModelPackageCommand({ ModelPackageName: ModelPackageArn }),
    );
    expect(d).toMatchObject({
      ModelPackageArn,
      ModelPackageGroupName: 'grp-p',
      ModelPackageDescription: 'churn v3',
      ModelApprovalStatus: 'PendingManualApproval',
      ModelPackageStatus: 'Completed',
      CustomerMetadataProperties: { 'metric:auc': '0.91', registeredBy: 'pipeline@ml' },
      MetadataProperties: { GeneratedBy: 'train-3', CommitId: 'abc' },
    });
    expect(d.ModelPackageVersion).toBeGreaterThanOrEqual(1);
    expect(d.CreationTime).toBeInstanceOf(Date);
    expect(d.InferenceSpecification?.Containers?.[0]?.Environment).toEqual({ EMULATOR_LATENCY_MS: '30' });
  });

  it('updates approval and merges and removes metadata', async () => {
    const { ModelPackageArn } = await f.aws.sagemaker.send(
      packageInput('grp-p', { CustomerMetadataProperties: { a: '1', b: '2' } }),
    );
    await f.aws.sagemaker.send(
      new UpdateModelPackageCommand({
        ModelPackageArn,
        ModelApprovalStatus: 'Approved',
        ApprovalDescription: 'looks good',
        CustomerMetadataProperties: { c: '3', a: 'one' },
        CustomerMetadataPropertiesToRemove: ['b'],
      }),
    );
    const d = await f.aws.sagemaker.send(
      new DescribeModelPackageCommand({ ModelPackageName: ModelPackageArn }),
    );
    expect(d.ModelApprovalStatus).toBe('Approved');
    expect(d.ApprovalDescription).toBe('looks good');
    expect(d.CustomerMetadataProperties).toEqual({ a: 'one', c: '3' });
  });

  it('refuses an unknown approval status and metadata over SageMaker limits', async () => {
    const { ModelPackageArn } = await f.aws.sagemaker.send(packageInput('grp-p'));
    const status = await errorOf(
      send(new UpdateModelPackageCommand({ ModelPackageArn, ModelApprovalStatus: 'Maybe' as never })),
    );
    expect(status.name).toBe('ValidationException');
    expect(status.message).toMatch(
      /'modelApprovalStatus'.*enum value set: \[Approved, Rejected, PendingManualApproval\]/,
    );
    const tooLong = await errorOf(
      f.aws.sagemaker.send(
        new UpdateModelPackageCommand({
          ModelPackageArn,
          CustomerMetadataProperties: { k: 'x'.repeat(257) },
        }),
      ),
    );
    expect(tooLong.message).toMatch(/customerMetadataProperties/);
  });

  it('says an unknown package does not exist', async () => {
    const err = await errorOf(
      f.aws.sagemaker.send(
        new DescribeModelPackageCommand({
          ModelPackageName: 'arn:aws:sagemaker:us-east-1:123456789012:model-package/grp-p/999',
        }),
      ),
    );
    expect(err.name).toBe('ValidationException');
    expect(err.message).toMatch(/does not exist/);
  });

  it('lists with filters, sort order and pagination', async () => {
    await f.aws.sagemaker.send(new CreateModelPackageGroupCommand({ ModelPackageGroupName: 'grp-l' }));
    for (let i = 0; i < 5; i++) {
      await f.aws.sagemaker.send(
        packageInput('grp-l', { ModelApprovalStatus: i % 2 ? 'Approved' : 'PendingManualApproval' }),
      );
      f.clock.advance(1000);
    }
    const approved = await f.aws.sagemaker.send(
      new ListModelPackagesCommand({ ModelPackageGroupName: 'grp-l', ModelApprovalStatus: 'Approved' }),
    );
    expect(approved.ModelPackageSummaryList?.map((p) => p.ModelPackageVersion)).toEqual([2, 4]);
    const byArn = await f.aws.sagemaker.send(
      new ListModelPackagesCommand({
        ModelPackageGroupName: 'arn:aws:sagemaker:us-east-1:123456789012:model-package-group/grp-l',
        ModelApprovalStatus: 'Approved',
      }),
    );
    expect(byArn.ModelPackageSummaryList?.map((p) => p.ModelPackageVersion)).toEqual([2, 4]);

    const versions: number[] = [];
    let NextToken: string | undefined;
    let pages = 0;
    do {
      const page = await f.aws.sagemaker.send(
        new ListModelPackagesCommand({
          ModelPackageGroupName: 'grp-l',
          SortBy: 'CreationTime',
          SortOrder: 'Descending',
          MaxResults: 2,
          NextToken,
        }),
      );
      versions.push(...(page.ModelPackageSummaryList ?? []).map((p) => p.ModelPackageVersion!));
      expect(page.ModelPackageSummaryList?.[0]?.CreationTime).toBeInstanceOf(Date);
      NextToken = page.NextToken;
      pages++;
    } while (NextToken);
    expect(versions).toEqual([5, 4, 3, 2, 1]);
    expect(pages).toBe(3);

    const forged = await errorOf(
      f.aws.sagemaker.send(
        new ListModelPackagesCommand({ ModelPackageGroupName: 'grp-l', NextToken: 'not-a-token' }),
      ),
    );
    expect(forged.name).toBe('ValidationException');
  });
});
