/**
 * Model Registry activities: register a version, read its metrics, write the approval decision and
 * the "serving production" mark.
 */
import { createHash } from 'node:crypto';
import {
  CreateModelPackageCommand,
  CreateModelPackageGroupCommand,
  DescribeModelPackageCommand,
  UpdateModelPackageCommand,
  type SageMakerClient,
  type Tag,
} from '@aws-sdk/client-sagemaker';
import type { LifecycleActivities, RegisterVersionInput } from '../src/shared/activity-contracts';
import type { VersionMetrics } from '../src/shared/lifecycle-state';
import { aws, classifyAwsError, isAlreadyExists } from './aws-errors';
import type { ActivityDeps } from './deps';
import { MetadataKeys, parseVersionMetadata, registrationMetadata } from './registry-metadata';

/** SageMaker's limit on ApprovalDescription. */
export const MAX_APPROVAL_DESCRIPTION = 1024;

/**
 * CreateModelPackage's idempotency token (1-36 of [a-zA-Z0-9-]): the same workflow always sends the
 * same token, so a retry after a lost response gets the package it already created.
 */
export function packageClientToken(workflowId: string): string {
  return createHash('sha256').update(workflowId).digest('hex').slice(0, 32);
}

function toTags(tags: Record<string, string>): Tag[] {
  return Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

async function ensurePackageGroup(sagemaker: SageMakerClient, input: RegisterVersionInput): Promise<void> {
  try {
    await sagemaker.send(
      new CreateModelPackageGroupCommand({
        ModelPackageGroupName: input.modelPackageGroup,
        Tags: toTags(input.tags),
      }),
    );
  } catch (err) {
    if (!isAlreadyExists(err)) throw classifyAwsError('CreateModelPackageGroup', err);
  }
}

async function describePackage(sagemaker: SageMakerClient, modelPackageArn: string) {
  return aws('DescribeModelPackage', () =>
    sagemaker.send(new DescribeModelPackageCommand({ ModelPackageName: modelPackageArn })),
  );
}

export function createModelRegistryActivities(
  deps: ActivityDeps,
): Pick<
  LifecycleActivities,
  'registerModelVersion' | 'describeVersionMetrics' | 'recordApprovalDecision' | 'markServing'
> {
  const { sagemaker } = deps;
  return {
    async registerModelVersion(input) {
      // Checked before any call, so an oversized input fails without leaving a half-made group.
      const metadata = registrationMetadata(input);
      await ensurePackageGroup(sagemaker, input);
      const created = await aws('CreateModelPackage', () =>
        sagemaker.send(
          new CreateModelPackageCommand({
            ModelPackageGroupName: input.modelPackageGroup,
            ModelPackageDescription: input.description || undefined,
            ModelApprovalStatus: 'PendingManualApproval',
            ClientToken: packageClientToken(input.workflowId),
            InferenceSpecification: {
              Containers: [
                {
                  Image: input.inferenceImage,
                  ModelDataUrl: input.artifactUri,
                  Environment: input.environment,
                },
              ],
              SupportedContentTypes: input.contentTypes,
              SupportedResponseMIMETypes: ['application/json'],
            },
            MetadataProperties: {
              GeneratedBy: input.lineage.trainingJobName,
              CommitId: input.lineage.codeCommit,
            },
            CustomerMetadataProperties: metadata,
            Tags: toTags(input.tags),
          }),
        ),
      );
      const modelPackageArn = created.ModelPackageArn;
      if (!modelPackageArn) throw new Error('CreateModelPackage returned no ModelPackageArn');
      const described = await describePackage(sagemaker, modelPackageArn);
      return { modelPackageArn, modelVersion: described.ModelPackageVersion ?? 0 };
    },

    async describeVersionMetrics(modelPackageArn): Promise<VersionMetrics> {
      const described = await describePackage(sagemaker, modelPackageArn);
      return {
        modelPackageArn,
        modelVersion: described.ModelPackageVersion ?? 0,
        metrics: parseVersionMetadata(described.CustomerMetadataProperties).metrics,
      };
    },

    async recordApprovalDecision(input) {
      await aws('UpdateModelPackage', () =>
        sagemaker.send(
          new UpdateModelPackageCommand({
            ModelPackageArn: input.modelPackageArn,
            ModelApprovalStatus: input.status,
            ApprovalDescription: truncate(input.description, MAX_APPROVAL_DESCRIPTION),
            CustomerMetadataProperties: { [MetadataKeys.decidedBy]: input.decidedBy },
          }),
        ),
      );
    },

    async markServing(input) {
      await aws('UpdateModelPackage', () =>
        sagemaker.send(
          new UpdateModelPackageCommand({
            ModelPackageArn: input.modelPackageArn,
            CustomerMetadataProperties: {
              [MetadataKeys.servingEndpoint]: input.endpointName,
              [MetadataKeys.servingSince]: input.since,
            },
            // A version reverted to is serving again, not retired.
            CustomerMetadataPropertiesToRemove: [MetadataKeys.retiredFrom, MetadataKeys.retiredAt],
          }),
        ),
      );
      const replaced = input.replacedModelPackageArn;
      if (!replaced || replaced === input.modelPackageArn) return;
      await aws('UpdateModelPackage', () =>
        sagemaker.send(
          new UpdateModelPackageCommand({
            ModelPackageArn: replaced,
            // Retired, not forgotten: pruning keeps the most recently retired for a revert.
            CustomerMetadataProperties: {
              [MetadataKeys.retiredFrom]: input.endpointName,
              [MetadataKeys.retiredAt]: input.since,
            },
            CustomerMetadataPropertiesToRemove: [MetadataKeys.servingEndpoint, MetadataKeys.servingSince],
          }),
        ),
      );
    },
  };
}
