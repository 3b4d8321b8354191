/**
 * Reading a resource's tags, and the check every clean-up delete makes first: a name derived from
 * the workflow ID can still land on someone else's resource (a staging endpoint name given in the
 * request, a resource made by hand), and deleting what the product did not make could take down
 * what serves. Such a delete fails non-retryably with the reason, rather than pass silently; so
 * does deploying a staging config onto an existing endpoint that is not the lifecycle's own.
 */
import { paginateListTags, type SageMakerClient } from '@aws-sdk/client-sagemaker';
import { ApplicationFailure } from '@temporalio/activity';
import { ErrorTypes, type ResourceOwner } from '../src/shared/activity-contracts';
import { awsPages, isNotFound } from './aws-errors';
import { isManagedByProduct, OwnershipTagKeys, tagMap, tagValue } from './ownership-tags';

/** The resource's tags as a map; empty when it has none or is gone. */
export async function listTags(sagemaker: SageMakerClient, arn: string): Promise<Record<string, string>> {
  const tags: Record<string, string> = {};
  try {
    const pages = paginateListTags({ client: sagemaker, pageSize: 50 }, { ResourceArn: arn });
    for await (const page of awsPages('ListTags', pages)) Object.assign(tags, tagMap(page.Tags));
  } catch (err) {
    if (isNotFound(err)) return {}; // gone: it has no tags to show
    throw err;
  }
  return tags;
}

/**
 * Throws NotOwned unless the product made it, and (when `owner` is given) for that very lifecycle.
 * `action` completes "refusing to …", e.g. "delete endpoint stg-v3".
 */
export async function assertProductOwned(
  sagemaker: SageMakerClient,
  action: string,
  arn: string | undefined,
  owner?: ResourceOwner,
): Promise<void> {
  const tags = arn ? await listTags(sagemaker, arn) : {};
  if (!isManagedByProduct(tags)) {
    throw ApplicationFailure.nonRetryable(
      `refusing to ${action}: it does not carry this product's tag ${OwnershipTagKeys.managedBy}, ` +
        `so the product did not create it; delete it by hand if it is really unused`,
      ErrorTypes.NotOwned,
    );
  }
  if (!owner) return;
  const lifecycle = tags[OwnershipTagKeys.lifecycle];
  const group = tags[OwnershipTagKeys.group];
  if (lifecycle !== tagValue(owner.lifecycleId) || group !== tagValue(owner.modelPackageGroup)) {
    throw ApplicationFailure.nonRetryable(
      `refusing to ${action}: it belongs to lifecycle ${lifecycle ?? '?'} of group ${group ?? '?'}, ` +
        `not to ${owner.lifecycleId} of ${owner.modelPackageGroup}`,
      ErrorTypes.NotOwned,
    );
  }
}
