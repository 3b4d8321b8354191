/** Contract: Tags on create, AddTags, ListTags and DeleteTags, through the real SageMaker client. */
import {
  AddTagsCommand,
  CreateEndpointCommand,
  CreateEndpointConfigCommand,
  CreateModelCommand,
  DeleteModelCommand,
  DeleteTagsCommand,
  ListTagsCommand,
} from '@aws-sdk/client-sagemaker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorOf, startFixture, type EmulatorFixture } from './emulator-fixture';

let f: EmulatorFixture;
beforeAll(async () => {
  f = await startFixture();
});
afterAll(async () => f?.close());

const sm = () => f.aws.sagemaker;
const OWNED = [
  { Key: 'mvl:managed-by', Value: 'model-version-lifecycle' },
  { Key: 'mvl:group', Value: 'churn' },
];

async function model(name: string, Tags?: { Key: string; Value: string }[]) {
  const out = await sm().send(
    new CreateModelCommand({
      ModelName: name,
      ExecutionRoleArn: 'arn:aws:iam::123456789012:role/sm',
      PrimaryContainer: { Image: 'img:1' },
      ...(Tags ? { Tags } : {}),
    }),
  );
  return out.ModelArn!;
}

const tagsOf = async (arn: string) => (await sm().send(new ListTagsCommand({ ResourceArn: arn }))).Tags;

describe('tags', () => {
  it('keeps the Tags given to CreateModel, CreateEndpointConfig and CreateEndpoint', async () => {
    const modelArn = await model('tagged-m', OWNED);
    const { EndpointConfigArn } = await sm().send(
      new CreateEndpointConfigCommand({
        EndpointConfigName: 'tagged-c',
        ProductionVariants: [
          { VariantName: 'v1', ModelName: 'tagged-m', InitialInstanceCount: 1, InstanceType: 'ml.m5.large' },
        ],
        Tags: [{ Key: 'mvl:lifecycle', Value: 'wf-1' }],
      }),
    );
    const { EndpointArn } = await sm().send(
      new CreateEndpointCommand({
        EndpointName: 'tagged-e',
        EndpointConfigName: 'tagged-c',
        Tags: [{ Key: 'team', Value: 'ml' }],
      }),
    );
    expect(await tagsOf(modelArn)).toEqual(OWNED);
    expect(await tagsOf(EndpointConfigArn!)).toEqual([{ Key: 'mvl:lifecycle', Value: 'wf-1' }]);
    expect(await tagsOf(EndpointArn!)).toEqual([{ Key: 'team', Value: 'ml' }]);
  });

  it('lists no tags for an untagged resource', async () => {
    expect(await tagsOf(await model('untagged-m'))).toEqual([]);
  });

  it('AddTags merges by key and DeleteTags removes keys', async () => {
    const arn = await model('add-m', OWNED);
    const added = await sm().send(
      new AddTagsCommand({
        ResourceArn: arn,
        Tags: [
          { Key: 'mvl:group', Value: 'churn-vip' },
          { Key: 'owner', Value: 'alice@ml' },
        ],
      }),
    );
    expect(added.Tags).toHaveLength(2);
    expect(await tagsOf(arn)).toEqual([
      { Key: 'mvl:managed-by', Value: 'model-version-lifecycle' },
      { Key: 'mvl:group', Value: 'churn-vip' },
      { Key: 'owner', Value: 'alice@ml' },
    ]);
    await sm().send(new DeleteTagsCommand({ ResourceArn: arn, TagKeys: ['mvl:group', 'absent'] }));
    expect((await tagsOf(arn))?.map((t) => t.Key)).toEqual(['mvl:managed-by', 'owner']);
  });

  it('a deleted resource’s tags go with it: ListTags is then a ValidationException', async () => {
    const arn = await model('gone-m', OWNED);
    await sm().send(new DeleteModelCommand({ ModelName: 'gone-m' }));
    const err = await errorOf(sm().send(new ListTagsCommand({ ResourceArn: arn })));
    expect(err.name).toBe('ValidationException');
    expect(err.message).toContain(arn);
  });

  it('refuses what SageMaker refuses: reserved keys, bad characters, too many tags, a malformed ARN', async () => {
    const reserved = await errorOf(model('bad-1', [{ Key: 'aws:owner', Value: 'x' }]));
    expect(reserved.name).toBe('ValidationException');
    const chars = await errorOf(model('bad-2', [{ Key: 'owner', Value: 'a;b' }]));
    expect(chars.message).toMatch(/tags\.member\.value.*regular expression/i);
    const tooMany = Array.from({ length: 51 }, (_, i) => ({ Key: `k${i}`, Value: 'v' }));
    expect((await errorOf(model('bad-3', tooMany))).message).toMatch(/less than or equal to 50/);
    const arn = await model('full-m', tooMany.slice(0, 50));
    const over = await errorOf(
      sm().send(new AddTagsCommand({ ResourceArn: arn, Tags: [{ Key: 'one-more', Value: 'v' }] })),
    );
    expect(over.message).toMatch(/at most 50 tags/);
    const badArn = await errorOf(sm().send(new ListTagsCommand({ ResourceArn: 'not-an-arn' })));
    expect(badArn.message).toMatch(/resourceArn/);
    const smallPage = await errorOf(sm().send(new ListTagsCommand({ ResourceArn: arn, MaxResults: 10 })));
    expect(smallPage.message).toMatch(/greater than or equal to 50/);
  });
});
