/** Contract: models, endpoint configs, endpoints and weights, through the real SageMaker client. */
import {
  CreateEndpointCommand,
  CreateEndpointConfigCommand,
  CreateModelCommand,
  CreateModelPackageCommand,
  CreateModelPackageGroupCommand,
  DeleteEndpointCommand,
  DeleteEndpointConfigCommand,
  DeleteModelCommand,
  DescribeEndpointCommand,
  DescribeEndpointConfigCommand,
  DescribeModelCommand,
  ListEndpointConfigsCommand,
  ListEndpointsCommand,
  ListModelsCommand,
  UpdateEndpointCommand,
  UpdateEndpointWeightsAndCapacitiesCommand,
} from '@aws-sdk/client-sagemaker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CREATE_DELAY_MS,
  errorOf,
  startFixture,
  UPDATE_DELAY_MS,
  type EmulatorFixture,
} from './emulator-fixture';

let f: EmulatorFixture;
beforeAll(async () => {
  f = await startFixture();
});
afterAll(async () => f?.close());

const sm = () => f.aws.sagemaker;

async function model(name: string, env: Record<string, string> = {}) {
  return sm().send(
    new CreateModelCommand({
      ModelName: name,
      ExecutionRoleArn: 'arn:aws:iam::123456789012:role/sm',
      PrimaryContainer: { Image: 'img:1', Environment: env },
    }),
  );
}

async function config(name: string, variants: [variant: string, model: string, weight: number][]) {
  return sm().send(
    new CreateEndpointConfigCommand({
      EndpointConfigName: name,
      ProductionVariants: variants.map(([VariantName, ModelName, InitialVariantWeight]) => ({
        VariantName,
        ModelName,
        InitialVariantWeight,
        InitialInstanceCount: 1,
        InstanceType: 'ml.m5.large',
      })),
    }),
  );
}

const describeEndpoint = (name: string) => sm().send(new DescribeEndpointCommand({ EndpointName: name }));

describe('models', () => {
  it('creates a model from a package, with the package reference kept', async () => {
    await sm().send(new CreateModelPackageGroupCommand({ ModelPackageGroupName: 'm-grp' }));
    const { ModelPackageArn } = await sm().send(
      new CreateModelPackageCommand({
        ModelPackageGroupName: 'm-grp',
        InferenceSpecification: {
          Containers: [{ Image: 'img:2', Environment: { EMULATOR_ERROR_RATE: '0.1' } }],
          SupportedContentTypes: ['application/json'],
          SupportedResponseMIMETypes: ['application/json'],
        },
      }),
    );
    const out = await sm().send(
      new CreateModelCommand({
        ModelName: 'from-pkg',
        PrimaryContainer: { ModelPackageName: ModelPackageArn },
      }),
    );
    expect(out.ModelArn).toBe('arn:aws:sagemaker:us-east-1:123456789012:model/from-pkg');
    const d = await sm().send(new DescribeModelCommand({ ModelName: 'from-pkg' }));
    expect(d.PrimaryContainer?.ModelPackageName).toBe(ModelPackageArn);
    expect(d.CreationTime).toBeInstanceOf(Date);
  });

  it('refuses a duplicate, and a bad EMULATOR_* value naming the variable', async () => {
    await model('dup');
    const dup = await errorOf(model('dup'));
    expect(dup.name).toBe('ValidationException');
    expect(dup.message).toBe(
      'Cannot create already existing model "arn:aws:sagemaker:us-east-1:123456789012:model/dup".',
    );
    const bad = await errorOf(model('bad-env', { EMULATOR_ERROR_RATE: 'lots' }));
    expect(bad.message).toMatch(/EMULATOR_ERROR_RATE must be a number between 0 and 1, got 'lots'/);
  });

  it('lists newest first with NameContains and pages, and forgets deleted models', async () => {
    for (const n of ['list-a', 'list-b', 'list-c']) {
      await model(n);
      f.clock.advance(10);
    }
    const first = await sm().send(
      new ListModelsCommand({
        NameContains: 'list-',
        SortBy: 'CreationTime',
        SortOrder: 'Descending',
        MaxResults: 2,
      }),
    );
    expect(first.Models?.map((m) => m.ModelName)).toEqual(['list-c', 'list-b']);
    const second = await sm().send(
      new ListModelsCommand({
        NameContains: 'list-',
        SortBy: 'CreationTime',
        SortOrder: 'Descending',
        MaxResults: 2,
        NextToken: first.NextToken,
      }),
    );
    expect(second.Models?.map((m) => m.ModelName)).toEqual(['list-a']);
    expect(second.NextToken).toBeUndefined();

    await sm().send(new DeleteModelCommand({ ModelName: 'list-b' }));
    const gone = await errorOf(sm().send(new DescribeModelCommand({ ModelName: 'list-b' })));
    expect(gone.message).toMatch(/^Could not find model "arn:.*:model\/list-b"\.$/);
  });
});

describe('endpoint configs', () => {
  it('creates and describes a config; refuses unknown models; deletes', async () => {
    await model('cfg-model');
    await config('cfg-1', [['a', 'cfg-model', 1]]);
    const d = await sm().send(new DescribeEndpointConfigCommand({ EndpointConfigName: 'cfg-1' }));
    expect(d.ProductionVariants).toEqual([
      {
        VariantName: 'a',
        ModelName: 'cfg-model',
        InitialVariantWeight: 1,
        InitialInstanceCount: 1,
        InstanceType: 'ml.m5.large',
      },
    ]);
    const unknown = await errorOf(config('cfg-2', [['a', 'no-such-model', 1]]));
    expect(unknown.message).toMatch(/Could not find model/);
    await config('cfg-1b', [['a', 'cfg-model', 1]]);
    const listed = await sm().send(
      new ListEndpointConfigsCommand({ NameContains: 'cfg-1', SortBy: 'Name', SortOrder: 'Ascending' }),
    );
    expect(listed.EndpointConfigs?.map((c) => c.EndpointConfigName)).toEqual(['cfg-1', 'cfg-1b']);
    const dup = await errorOf(config('cfg-1', [['a', 'cfg-model', 1]]));
    expect(dup.message).toMatch(/Cannot create already existing endpoint configuration/);
    await sm().send(new DeleteEndpointConfigCommand({ EndpointConfigName: 'cfg-1' }));
    const gone = await errorOf(sm().send(new DescribeEndpointConfigCommand({ EndpointConfigName: 'cfg-1' })));
    expect(gone.message).toMatch(/Could not find endpoint configuration/);
  });
});

describe('endpoints', () => {
  beforeAll(async () => {
    await model('ep-m1');
    await model('ep-m2');
    await config('ep-c1', [['v1', 'ep-m1', 1]]);
    await config('ep-c2', [
      ['v1', 'ep-m1', 90],
      ['v2', 'ep-m2', 10],
    ]);
  });

  it('goes Creating → InService after the create delay, with its variants only then', async () => {
    const out = await sm().send(
      new CreateEndpointCommand({ EndpointName: 'ep-life', EndpointConfigName: 'ep-c1' }),
    );
    expect(out.EndpointArn).toBe('arn:aws:sagemaker:us-east-1:123456789012:endpoint/ep-life');
    const creating = await describeEndpoint('ep-life');
    expect(creating).toMatchObject({ EndpointStatus: 'Creating', EndpointConfigName: 'ep-c1' });
    expect(creating.ProductionVariants).toBeUndefined();
    f.clock.advance(CREATE_DELAY_MS);
    const live = await describeEndpoint('ep-life');
    expect(live.EndpointStatus).toBe('InService');
    expect(live.ProductionVariants).toMatchObject([
      { VariantName: 'v1', CurrentWeight: 1, DesiredWeight: 1, CurrentInstanceCount: 1 },
    ]);
    const dup = await errorOf(
      sm().send(new CreateEndpointCommand({ EndpointName: 'ep-life', EndpointConfigName: 'ep-c1' })),
    );
    expect(dup.message).toMatch(/Cannot create already existing endpoint/);
  });

  it('updates to a new config: Updating with a pending deployment, busy refusals, then InService on it', async () => {
    await sm().send(new CreateEndpointCommand({ EndpointName: 'ep-upd', EndpointConfigName: 'ep-c1' }));
    const busyCreating = await errorOf(
      sm().send(new UpdateEndpointCommand({ EndpointName: 'ep-upd', EndpointConfigName: 'ep-c2' })),
    );
    expect(busyCreating.message).toMatch(/^Cannot update in-progress endpoint/);
    f.clock.advance(CREATE_DELAY_MS);

    await sm().send(new UpdateEndpointCommand({ EndpointName: 'ep-upd', EndpointConfigName: 'ep-c2' }));
    const updating = await describeEndpoint('ep-upd');
    expect(updating.EndpointStatus).toBe('Updating');
    expect(updating.EndpointConfigName).toBe('ep-c1');
    expect(updating.PendingDeploymentSummary?.EndpointConfigName).toBe('ep-c2');
    expect(updating.ProductionVariants?.map((v) => v.VariantName)).toEqual(['v1']);
    const again = await errorOf(
      sm().send(new UpdateEndpointCommand({ EndpointName: 'ep-upd', EndpointConfigName: 'ep-c1' })),
    );
    expect(again.name).toBe('ValidationException');
    expect(again.message).toMatch(/in-progress/);
    const del = await errorOf(sm().send(new DeleteEndpointCommand({ EndpointName: 'ep-upd' })));
    expect(del.message).toMatch(/in-progress/);

    f.clock.advance(UPDATE_DELAY_MS);
    const done = await describeEndpoint('ep-upd');
    expect(done.EndpointStatus).toBe('InService');
    expect(done.EndpointConfigName).toBe('ep-c2');
    expect(done.PendingDeploymentSummary).toBeUndefined();
    expect(done.ProductionVariants?.map((v) => [v.VariantName, v.CurrentWeight])).toEqual([
      ['v1', 90],
      ['v2', 10],
    ]);
  });

  it('changes weights: DesiredWeight at once, CurrentWeight when the update completes', async () => {
    await sm().send(new CreateEndpointCommand({ EndpointName: 'ep-w', EndpointConfigName: 'ep-c2' }));
    f.clock.advance(CREATE_DELAY_MS);
    await sm().send(
      new UpdateEndpointWeightsAndCapacitiesCommand({
        EndpointName: 'ep-w',
        DesiredWeightsAndCapacities: [
          { VariantName: 'v1', DesiredWeight: 50 },
          { VariantName: 'v2', DesiredWeight: 50 },
        ],
      }),
    );
    const pending = await describeEndpoint('ep-w');
    expect(pending.EndpointStatus).toBe('Updating');
    expect(pending.ProductionVariants?.map((v) => [v.CurrentWeight, v.DesiredWeight])).toEqual([
      [90, 50],
      [10, 50],
    ]);
    f.clock.advance(UPDATE_DELAY_MS);
    const applied = await describeEndpoint('ep-w');
    expect(applied.EndpointStatus).toBe('InService');
    expect(applied.ProductionVariants?.map((v) => v.CurrentWeight)).toEqual([50, 50]);

    const unknown = await errorOf(
      sm().send(
        new UpdateEndpointWeightsAndCapacitiesCommand({
          EndpointName: 'ep-w',
          DesiredWeightsAndCapacities: [{ VariantName: 'v9', DesiredWeight: 1 }],
        }),
      ),
    );
    expect(unknown.message).toMatch(/v9.*not present in the endpoint/);
  });

  it('lists by status and name, newest first', async () => {
    await sm().send(new CreateEndpointCommand({ EndpointName: 'ep-list-new', EndpointConfigName: 'ep-c1' }));
    const creating = await sm().send(
      new ListEndpointsCommand({ StatusEquals: 'Creating', NameContains: 'ep-list' }),
    );
    expect(creating.Endpoints?.map((e) => e.EndpointName)).toEqual(['ep-list-new']);
    const all = await sm().send(new ListEndpointsCommand({ NameContains: 'ep-', MaxResults: 100 }));
    const names = all.Endpoints?.map((e) => e.EndpointName) ?? [];
    expect(names[0]).toBe('ep-list-new');
    expect(names).toEqual(expect.arrayContaining(['ep-life', 'ep-upd', 'ep-w']));
    expect(all.Endpoints?.[0]?.CreationTime).toBeInstanceOf(Date);
    f.clock.advance(CREATE_DELAY_MS);
  });

  it('deletes an endpoint; describing it then says it cannot be found', async () => {
    await sm().send(new DeleteEndpointCommand({ EndpointName: 'ep-life' }));
    const gone = await errorOf(describeEndpoint('ep-life'));
    expect(gone.name).toBe('ValidationException');
    expect(gone.message).toBe(
      'Could not find endpoint "arn:aws:sagemaker:us-east-1:123456789012:endpoint/ep-life".',
    );
  });

  it('fails a deployment whose model cannot start: Failed on create, rolled back on update', async () => {
    await model('ep-broken', { EMULATOR_FAIL_DEPLOYMENT: 'true' });
    await config('ep-broken-c', [['v1', 'ep-broken', 1]]);
    await sm().send(
      new CreateEndpointCommand({ EndpointName: 'ep-fails', EndpointConfigName: 'ep-broken-c' }),
    );
    f.clock.advance(CREATE_DELAY_MS);
    const failed = await describeEndpoint('ep-fails');
    expect(failed.EndpointStatus).toBe('Failed');
    expect(failed.FailureReason).toMatch(/did not pass the ping health check/);

    await sm().send(new CreateEndpointCommand({ EndpointName: 'ep-rollback', EndpointConfigName: 'ep-c1' }));
    f.clock.advance(CREATE_DELAY_MS);
    await sm().send(
      new UpdateEndpointCommand({ EndpointName: 'ep-rollback', EndpointConfigName: 'ep-broken-c' }),
    );
    f.clock.advance(UPDATE_DELAY_MS);
    const rolledBack = await describeEndpoint('ep-rollback');
    expect(rolledBack.EndpointStatus).toBe('InService');
    expect(rolledBack.EndpointConfigName).toBe('ep-c1');
    expect(rolledBack.FailureReason).toMatch(/ping health check/);
  });
});
