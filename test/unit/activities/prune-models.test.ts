/** pruneRetiredModels decides by ownership tags, endpoint use and the version's standing, never by name. */
import {
  DeleteModelCommand,
  DescribeEndpointCommand,
  DescribeEndpointConfigCommand,
  DescribeModelCommand,
  DescribeModelPackageCommand,
  ListEndpointsCommand,
  ListModelsCommand,
  ListTagsCommand,
  type ModelApprovalStatus,
} from '@aws-sdk/client-sagemaker';
import { beforeEach, describe, expect, it } from 'vitest';
import { createActivities } from '../../../activities';
import { mockedDeps, notFound } from './helpers';

type Standing = 'retired' | 'rejected' | 'approved' | 'pending' | 'serving';

interface ModelRow {
  name: string;
  /** The group its ownership tags name; undefined: not tagged by the product. */
  taggedGroup?: string;
  standing: Standing;
  retiredAt?: string;
}

const arnOf = (name: string) => `arn:aws:sagemaker:us-east-1:123456789012:model/${name}`;
const pkgOf = (name: string) => `arn:aws:sagemaker:us-east-1:123456789012:model-package/${name}`;

const STATUS: Record<Standing, ModelApprovalStatus> = {
  retired: 'Approved',
  approved: 'Approved',
  serving: 'Approved',
  rejected: 'Rejected',
  pending: 'PendingManualApproval',
};

describe('pruneRetiredModels', () => {
  let ctx: ReturnType<typeof mockedDeps>;
  beforeEach(() => {
    ctx = mockedDeps();
  });

  /** Endpoints by name: [current config, pending config?]; configs by name: model names. */
  function world(
    models: ModelRow[],
    endpoints: Record<string, [string, string?]>,
    configs: Record<string, string[]>,
  ) {
    const sm = ctx.mocks.sagemaker;
    sm.on(ListEndpointsCommand).resolves({
      Endpoints: Object.keys(endpoints).map((EndpointName) => ({
        EndpointName,
        EndpointArn: EndpointName,
        CreationTime: new Date(),
        LastModifiedTime: new Date(),
        EndpointStatus: 'InService',
      })),
    });
    for (const [name, [current, pending]] of Object.entries(endpoints)) {
      sm.on(DescribeEndpointCommand, { EndpointName: name }).resolves({
        EndpointName: name,
        EndpointConfigName: current,
        EndpointStatus: pending ? 'Updating' : 'InService',
        ...(pending ? { PendingDeploymentSummary: { EndpointConfigName: pending } } : {}),
      });
    }
    sm.on(DescribeEndpointConfigCommand).rejects(notFound('endpoint configuration "x"'));
    for (const [name, modelNames] of Object.entries(configs)) {
      sm.on(DescribeEndpointConfigCommand, { EndpointConfigName: name }).resolves({
        EndpointConfigName: name,
        ProductionVariants: modelNames.map((ModelName, i) => ({ VariantName: `v${i}`, ModelName })),
      });
    }
    sm.on(ListModelsCommand).resolves({
      Models: models.map((m) => ({ ModelName: m.name, ModelArn: arnOf(m.name), CreationTime: new Date() })),
    });
    for (const m of models) {
      sm.on(ListTagsCommand, { ResourceArn: arnOf(m.name) }).resolves({
        Tags: m.taggedGroup
          ? [
              { Key: 'mvl:managed-by', Value: 'model-version-lifecycle' },
              { Key: 'mvl:lifecycle', Value: `wf-${m.name}` },
              { Key: 'mvl:group', Value: m.taggedGroup },
            ]
          : [{ Key: 'team', Value: 'ml' }],
      });
      sm.on(DescribeModelCommand, { ModelName: m.name }).resolves({
        ModelName: m.name,
        PrimaryContainer: { ModelPackageName: pkgOf(m.name) },
      });
      const meta: Record<string, string> = {};
      if (m.standing === 'retired') Object.assign(meta, { RetiredFrom: 'prod', RetiredAt: m.retiredAt! });
      if (m.standing === 'serving') meta.ServingEndpoint = 'prod';
      sm.on(DescribeModelPackageCommand, { ModelPackageName: pkgOf(m.name) }).resolves({
        ModelPackageGroupName: m.taggedGroup ?? 'churn',
        ModelApprovalStatus: STATUS[m.standing],
        CustomerMetadataProperties: meta,
      });
    }
    sm.on(DeleteModelCommand).resolves({});
  }

  const deletedNames = () =>
    ctx.mocks.sagemaker.commandCalls(DeleteModelCommand).map((c) => c.args[0].input.ModelName);

  const CHURN: ModelRow[] = [
    { name: 'churn-v1', taggedGroup: 'churn', standing: 'retired', retiredAt: '2024-01-01T00:00:00.000Z' },
    { name: 'churn-v2', taggedGroup: 'churn', standing: 'retired', retiredAt: '2024-02-01T00:00:00.000Z' },
    // Serving another endpoint (its config refers to it), though retired from prod.
    { name: 'churn-v3', taggedGroup: 'churn', standing: 'retired', retiredAt: '2024-03-01T00:00:00.000Z' },
    { name: 'churn-v4', taggedGroup: 'churn', standing: 'rejected' },
    { name: 'churn-v5', taggedGroup: 'churn', standing: 'serving' },
    // In staging: approved, never served yet, not yet on any endpoint.
    { name: 'churn-v6', taggedGroup: 'churn', standing: 'approved' },
    { name: 'churn-v7', taggedGroup: 'churn', standing: 'pending' },
    { name: 'churn-v8', taggedGroup: 'churn', standing: 'retired', retiredAt: '2024-08-01T00:00:00.000Z' },
    // Being reverted to: the endpoint's pending deployment refers to it.
    { name: 'churn-v0', taggedGroup: 'churn', standing: 'retired', retiredAt: '2023-12-01T00:00:00.000Z' },
    { name: 'churn-vip-v1', taggedGroup: 'churn-vip', standing: 'rejected' },
    {
      name: 'churn-vip-v2',
      taggedGroup: 'churn-vip',
      standing: 'retired',
      retiredAt: '2024-01-01T00:00:00Z',
    },
    { name: 'churn-manual', standing: 'rejected' },
  ];
  const ENDPOINTS: Record<string, [string, string?]> = {
    prod: ['prod-v5', 'prod-revert-v0'],
    other: ['other-v3'],
  };
  const CONFIGS = { 'prod-v5': ['churn-v5'], 'prod-revert-v0': ['churn-v0'], 'other-v3': ['churn-v3'] };

  it('deletes only the group’s own finished models beyond the retention, none in use or in flight', async () => {
    world(CHURN, ENDPOINTS, CONFIGS);
    const report = await createActivities(ctx.deps).pruneRetiredModels({
      modelPackageGroup: 'churn',
      keep: ['churn-v5'],
      retain: 1,
    });
    expect(report.deleted.sort()).toEqual(['churn-v1', 'churn-v2', 'churn-v4']);
    expect(deletedNames().sort()).toEqual(['churn-v1', 'churn-v2', 'churn-v4']);
    expect(report.retained).toEqual(['churn-v8']);
    expect(report.refused).toBeUndefined();
  });

  it('retains the `retain` most recently retired, whatever their creation order', async () => {
    world(CHURN, ENDPOINTS, CONFIGS);
    const report = await createActivities(ctx.deps).pruneRetiredModels({
      modelPackageGroup: 'churn',
      keep: [],
      retain: 3,
    });
    expect(report.retained).toEqual(['churn-v8', 'churn-v3', 'churn-v2']);
    expect(report.deleted.sort()).toEqual(['churn-v1', 'churn-v4']);
  });

  it('never deletes a model in `keep`', async () => {
    world(CHURN, ENDPOINTS, CONFIGS);
    const report = await createActivities(ctx.deps).pruneRetiredModels({
      modelPackageGroup: 'churn',
      keep: ['churn-v1', 'churn-v4'],
      retain: 1,
    });
    expect(report.deleted).toEqual(['churn-v2']);
  });

  it('prunes churn-vip by its own tags, leaving churn alone', async () => {
    world(CHURN, ENDPOINTS, CONFIGS);
    const report = await createActivities(ctx.deps).pruneRetiredModels({
      modelPackageGroup: 'churn-vip',
      keep: [],
      retain: 0,
    });
    // Even at retain 0, churn-vip-v2 is what prod served last of churn-vip: a revert's way back.
    expect(report.deleted.sort()).toEqual(['churn-vip-v1']);
    expect(report.retained).toEqual(['churn-vip-v2']);
  });

  it('deletes nothing, and says why, when an endpoint’s config is gone and its models unknown', async () => {
    world(CHURN, { ...ENDPOINTS, mystery: ['deleted-config'] }, CONFIGS);
    const report = await createActivities(ctx.deps).pruneRetiredModels({
      modelPackageGroup: 'churn',
      keep: [],
      retain: 0,
    });
    expect(report.deleted).toEqual([]);
    expect(report.refused).toContain('mystery');
    expect(deletedNames()).toEqual([]);
  });
});
