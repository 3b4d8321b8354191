/**
 * An endpoint as the workflow sees it: status, config, and per variant its weight, model, the model
 * package that model came from, that package's approval and whether it is marked serving this
 * endpoint (so "stable" can mean vetted, not merely the heaviest variant). Shared by the endpoint
 * activities and the lineage answer.
 */
import {
  DescribeEndpointCommand,
  DescribeEndpointConfigCommand,
  DescribeModelCommand,
  DescribeModelPackageCommand,
  type DescribeEndpointCommandOutput,
  type SageMakerClient,
} from '@aws-sdk/client-sagemaker';
import type { EndpointSnapshot, ServingVariant } from '../src/shared/activity-contracts';
import { awsOrNotFound } from './aws-errors';
import { MetadataKeys } from './registry-metadata';

export type RawEndpoint = DescribeEndpointCommandOutput;

/** DescribeEndpoint, null when there is no such endpoint. */
export function describeRawEndpoint(
  sagemaker: SageMakerClient,
  endpointName: string,
): Promise<RawEndpoint | null> {
  return awsOrNotFound('DescribeEndpoint', () =>
    sagemaker.send(new DescribeEndpointCommand({ EndpointName: endpointName })),
  );
}

/** The package a model was created from; undefined for models not made from a package or since deleted. */
async function modelPackageOf(sagemaker: SageMakerClient, modelName: string): Promise<string | undefined> {
  const model = await awsOrNotFound('DescribeModel', () =>
    sagemaker.send(new DescribeModelCommand({ ModelName: modelName })),
  );
  return model?.PrimaryContainer?.ModelPackageName ?? model?.Containers?.[0]?.ModelPackageName;
}

/** The package's approval, and whether its metadata says it serves `endpointName`. */
async function packageStanding(
  sagemaker: SageMakerClient,
  modelPackageArn: string,
  endpointName: string,
): Promise<{ approvalStatus?: string; markedServing: boolean }> {
  const pkg = await awsOrNotFound('DescribeModelPackage', () =>
    sagemaker.send(new DescribeModelPackageCommand({ ModelPackageName: modelPackageArn })),
  );
  const servingEndpoint = pkg?.CustomerMetadataProperties?.[MetadataKeys.servingEndpoint];
  return {
    ...(pkg?.ModelApprovalStatus ? { approvalStatus: pkg.ModelApprovalStatus } : {}),
    markedServing: !!endpointName && servingEndpoint === endpointName,
  };
}

export async function snapshotOf(sagemaker: SageMakerClient, raw: RawEndpoint): Promise<EndpointSnapshot> {
  const endpointConfigName = raw.EndpointConfigName ?? '';
  // A config may be deleted while its endpoint lives on: then the model names are unknown.
  const config = endpointConfigName
    ? await awsOrNotFound('DescribeEndpointConfig', () =>
        sagemaker.send(new DescribeEndpointConfigCommand({ EndpointConfigName: endpointConfigName })),
      )
    : null;
  const configured = new Map(
    [...(config?.ProductionVariants ?? []), ...(config?.ShadowProductionVariants ?? [])].map((v) => [
      v.VariantName,
      v,
    ]),
  );
  const shadowNames = new Set((config?.ShadowProductionVariants ?? []).map((v) => v.VariantName ?? ''));

  // Before the first deployment completes, DescribeEndpoint has no variants yet: use the config's.
  const summaries = (list: typeof raw.ProductionVariants) =>
    (list ?? []).map((v) => ({
      variantName: v.VariantName ?? '',
      weight: v.CurrentWeight ?? v.DesiredWeight ?? 0,
      instanceCount: v.CurrentInstanceCount ?? v.DesiredInstanceCount ?? 0,
    }));
  const fromConfig = (shadow: boolean) =>
    [...configured.values()]
      .filter((v) => shadowNames.has(v.VariantName ?? '') === shadow)
      .map((v) => ({
        variantName: v.VariantName ?? '',
        weight: v.InitialVariantWeight ?? 1,
        instanceCount: v.InitialInstanceCount ?? 0,
      }));
  const deployed = !!raw.ProductionVariants?.length;
  const live = deployed ? summaries(raw.ProductionVariants) : fromConfig(false);
  const liveShadows = deployed ? summaries(raw.ShadowProductionVariants) : fromConfig(true);

  const resolve = (list: typeof live): Promise<ServingVariant[]> =>
    Promise.all(
      list.map(async (v) => {
        const modelName = configured.get(v.variantName)?.ModelName ?? '';
        const modelPackageArn = modelName ? await modelPackageOf(sagemaker, modelName) : undefined;
        if (!modelPackageArn) return { ...v, modelName, markedServing: false };
        const standing = await packageStanding(sagemaker, modelPackageArn, raw.EndpointName ?? '');
        return { ...v, modelName, modelPackageArn, ...standing };
      }),
    );
  const [variants, shadowVariants] = await Promise.all([resolve(live), resolve(liveShadows)]);
  return {
    endpointName: raw.EndpointName ?? '',
    status: raw.EndpointStatus ?? 'Unknown',
    endpointConfigName,
    variants,
    ...(shadowVariants.length ? { shadowVariants } : {}),
  };
}

export async function describeEndpointSnapshot(
  sagemaker: SageMakerClient,
  endpointName: string,
): Promise<EndpointSnapshot | null> {
  const raw = await describeRawEndpoint(sagemaker, endpointName);
  return raw ? snapshotOf(sagemaker, raw) : null;
}
