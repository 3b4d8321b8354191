/**
 * Where a revert goes: the endpoint's one serving version (from) and the approved version to go back
 * to (to), whose model must still exist (pruning keeps the most recently retired ones for exactly
 * this; a pruned one is refused, never silently re-created). Read-only, so the API calls it directly
 * to answer 404/409 before anything starts, and the revert workflow calls it again once it holds the
 * endpoint lock, when the answer counts.
 */
import {
  DescribeEndpointConfigCommand,
  DescribeModelCommand,
  DescribeModelPackageCommand,
  paginateListModelPackages,
  paginateListModels,
  type DescribeModelPackageCommandOutput,
  type SageMakerClient,
} from '@aws-sdk/client-sagemaker';
import { ApplicationFailure } from '@temporalio/activity';
import {
  ErrorTypes,
  type LifecycleActivities,
  type PlanRevertInput,
  type RevertPlan,
} from '../src/shared/activity-contracts';
import { modelNameSearchHint } from '../src/shared/resource-names';
import { aws, awsOrNotFound, awsPages } from './aws-errors';
import { describeEndpointSnapshot } from './endpoint-snapshot';
import { MetadataKeys } from './registry-metadata';

const noTarget = (message: string) => ApplicationFailure.nonRetryable(message, ErrorTypes.NoRevertTarget);

/** The group's model (any, product-made or not) created from this package, if one still exists. */
async function modelOf(sagemaker: SageMakerClient, group: string, modelPackageArn: string) {
  const pages = paginateListModels(
    { client: sagemaker, pageSize: 100 },
    { NameContains: modelNameSearchHint(group) },
  );
  for await (const page of awsPages('ListModels', pages)) {
    for (const m of page.Models ?? []) {
      const model = await awsOrNotFound('DescribeModel', () =>
        sagemaker.send(new DescribeModelCommand({ ModelName: m.ModelName })),
      );
      const pkg = model?.PrimaryContainer?.ModelPackageName ?? model?.Containers?.[0]?.ModelPackageName;
      if (model?.ModelName && pkg === modelPackageArn) return model.ModelName;
    }
  }
  return undefined;
}

async function packagesOf(sagemaker: SageMakerClient, group: string) {
  const arns: string[] = [];
  const pages = paginateListModelPackages(
    { client: sagemaker, pageSize: 100 },
    { ModelPackageGroupName: group },
  );
  for await (const page of awsPages('ListModelPackages', pages)) {
    for (const p of page.ModelPackageSummaryList ?? []) if (p.ModelPackageArn) arns.push(p.ModelPackageArn);
  }
  const described: DescribeModelPackageCommandOutput[] = [];
  for (const arn of arns) {
    const pkg = await awsOrNotFound('DescribeModelPackage', () =>
      sagemaker.send(new DescribeModelPackageCommand({ ModelPackageName: arn })),
    );
    if (pkg) described.push(pkg);
  }
  return described;
}

export async function planRevert(sagemaker: SageMakerClient, input: PlanRevertInput): Promise<RevertPlan> {
  const { endpointName } = input;
  const endpoint = await describeEndpointSnapshot(sagemaker, endpointName);
  if (!endpoint) throw noTarget(`no endpoint named "${endpointName}"`);
  const [serving, ...others] = endpoint.variants;
  if (!serving || others.length > 0 || !serving.modelPackageArn) {
    const seen = endpoint.variants.map((v) => `${v.variantName} (${v.modelName}, weight ${v.weight})`);
    throw ApplicationFailure.nonRetryable(
      `endpoint ${endpointName} does not serve exactly one registered version (${seen.join('; ') || 'no variants'}): ` +
        'a deployment is under way or left it so; finish that first',
      ErrorTypes.NoStableVersion,
    );
  }
  const current = await aws('DescribeModelPackage', () =>
    sagemaker.send(new DescribeModelPackageCommand({ ModelPackageName: serving.modelPackageArn })),
  );
  const group = current.ModelPackageGroupName!;
  const config = await aws('DescribeEndpointConfig', () =>
    sagemaker.send(new DescribeEndpointConfigCommand({ EndpointConfigName: endpoint.endpointConfigName })),
  );
  const instanceType =
    config.ProductionVariants?.find((v) => v.VariantName === serving.variantName)?.InstanceType ??
    'ml.m5.large';

  const packages = await packagesOf(sagemaker, group);
  let target: DescribeModelPackageCommandOutput | undefined;
  if (input.toVersion !== undefined) {
    target = packages.find((p) => p.ModelPackageVersion === input.toVersion);
    const label = `v${input.toVersion} of ${group}`;
    if (!target) throw noTarget(`${label} does not exist`);
    if (target.ModelPackageArn === serving.modelPackageArn)
      throw noTarget(`${label} serves ${endpointName} now`);
    if (target.ModelApprovalStatus !== 'Approved')
      throw noTarget(
        `${label} is ${target.ModelApprovalStatus}, not Approved: only an approved version is reverted to`,
      );
  } else {
    // The version this endpoint served before: approved, retired from it most recently.
    target = packages
      .filter(
        (p) =>
          p.ModelApprovalStatus === 'Approved' &&
          p.ModelPackageArn !== serving.modelPackageArn &&
          p.CustomerMetadataProperties?.[MetadataKeys.retiredFrom] === endpointName,
      )
      .sort((a, b) =>
        (b.CustomerMetadataProperties?.[MetadataKeys.retiredAt] ?? '').localeCompare(
          a.CustomerMetadataProperties?.[MetadataKeys.retiredAt] ?? '',
        ),
      )[0];
    if (!target)
      throw noTarget(
        `no approved version of ${group} served ${endpointName} before v${current.ModelPackageVersion}`,
      );
  }
  const modelName = await modelOf(sagemaker, group, target.ModelPackageArn!);
  if (!modelName)
    throw noTarget(
      `the model of v${target.ModelPackageVersion} of ${group} was pruned (retainPreviousVersions keeps fewer versions)`,
    );
  return {
    endpointName,
    modelPackageGroup: group,
    instanceType,
    from: {
      modelPackageArn: serving.modelPackageArn,
      modelVersion: current.ModelPackageVersion ?? 0,
      modelName: serving.modelName,
      variantName: serving.variantName,
      instanceCount: serving.instanceCount,
    },
    to: {
      modelPackageArn: target.ModelPackageArn!,
      modelVersion: target.ModelPackageVersion ?? 0,
      modelName,
    },
  };
}

export function createRevertPlanActivities(deps: {
  sagemaker: SageMakerClient;
}): Pick<LifecycleActivities, 'planRevert'> {
  return { planRevert: (input) => planRevert(deps.sagemaker, input) };
}
