/**
 * "Which version, trained on which data and commit, serves endpoint X, and who approved it": each
 * variant's model → model package → approval and the metadata written at registration. The API calls
 * `describeServingLineage` directly as well as through the activity.
 */
import { DescribeModelPackageCommand, type SageMakerClient } from '@aws-sdk/client-sagemaker';
import type {
  LifecycleActivities,
  ServingLineage,
  ServingVariant,
  ServingVersionLineage,
} from '../src/shared/activity-contracts';
import { awsOrNotFound } from './aws-errors';
import { describeEndpointSnapshot } from './endpoint-snapshot';
import { parseVersionMetadata } from './registry-metadata';

async function variantLineage(
  sagemaker: SageMakerClient,
  variant: ServingVariant,
): Promise<ServingVersionLineage> {
  const base: ServingVersionLineage = {
    variantName: variant.variantName,
    weight: variant.weight,
    modelName: variant.modelName,
  };
  const arn = variant.modelPackageArn;
  if (!arn) return base;
  const pkg = await awsOrNotFound('DescribeModelPackage', () =>
    sagemaker.send(new DescribeModelPackageCommand({ ModelPackageName: arn })),
  );
  if (!pkg) return { ...base, modelPackageArn: arn };
  const meta = parseVersionMetadata(pkg.CustomerMetadataProperties);
  const approved = pkg.ModelApprovalStatus === 'Approved';
  const lineage: ServingVersionLineage = {
    ...base,
    modelPackageArn: arn,
    modelVersion: pkg.ModelPackageVersion,
    approvalStatus: pkg.ModelApprovalStatus,
    approvalDescription: pkg.ApprovalDescription,
    approvedBy: approved ? meta.decidedBy : undefined,
    registeredBy: meta.registeredBy,
    lineage: meta.lineage,
    metrics: meta.metrics,
    servingSince: meta.servingSince,
  };
  // Drop absent fields so the answer (and any history it lands in) stays compact.
  return Object.fromEntries(
    Object.entries(lineage).filter(([, v]) => v !== undefined),
  ) as ServingVersionLineage;
}

export async function describeServingLineage(
  sagemaker: SageMakerClient,
  endpointName: string,
): Promise<ServingLineage | null> {
  const endpoint = await describeEndpointSnapshot(sagemaker, endpointName);
  if (!endpoint) return null;
  return {
    endpointName: endpoint.endpointName || endpointName,
    status: endpoint.status,
    endpointConfigName: endpoint.endpointConfigName,
    variants: await Promise.all(endpoint.variants.map((v) => variantLineage(sagemaker, v))),
  };
}

export function createServingLineageActivities(deps: {
  sagemaker: SageMakerClient;
}): Pick<LifecycleActivities, 'describeServingLineage'> {
  return { describeServingLineage: (endpointName) => describeServingLineage(deps.sagemaker, endpointName) };
}
