/**
 * The tags that say "this product made this resource, for this lifecycle and group". Every model,
 * endpoint config and endpoint the activities create carries them, and pruning or clean-up touches
 * only what carries them for the right group: a name prefix cannot tell `churn` from `churn-vip`,
 * nor a resource someone made by hand from ours.
 */
import type { Tag } from '@aws-sdk/client-sagemaker';
import type { ResourceOwner } from '../src/shared/activity-contracts';

/** `aws:` is reserved by AWS; a product prefix keeps ours apart from the team's own tags. */
export const OwnershipTagKeys = {
  managedBy: 'mvl:managed-by',
  lifecycle: 'mvl:lifecycle',
  group: 'mvl:group',
} as const;

export const MANAGED_BY = 'model-version-lifecycle';

/** SageMaker's Tag limits: key 1-128, value 0-256 characters, both of this character set. */
const TAG_VALUE_MAX = 256;
const TAG_CHARS = /[^\p{L}\p{Z}\p{N}_.:/=+\-@]/gu;

/** A value SageMaker accepts; workflow IDs from the API always fit, IDs from other starters may not. */
export function tagValue(text: string): string {
  return text.replace(TAG_CHARS, '_').slice(0, TAG_VALUE_MAX);
}

export function ownershipTags(owner: ResourceOwner): Tag[] {
  return [
    { Key: OwnershipTagKeys.managedBy, Value: MANAGED_BY },
    { Key: OwnershipTagKeys.lifecycle, Value: tagValue(owner.lifecycleId) },
    { Key: OwnershipTagKeys.group, Value: tagValue(owner.modelPackageGroup) },
  ];
}

export function tagMap(tags: Tag[] | undefined): Record<string, string> {
  return Object.fromEntries((tags ?? []).map((t) => [t.Key ?? '', t.Value ?? '']));
}

/** Made by this product for `group` (any lifecycle of it). */
export function isOwnedForGroup(tags: Record<string, string>, group: string): boolean {
  return tags[OwnershipTagKeys.managedBy] === MANAGED_BY && tags[OwnershipTagKeys.group] === tagValue(group);
}

export function isManagedByProduct(tags: Record<string, string>): boolean {
  return tags[OwnershipTagKeys.managedBy] === MANAGED_BY;
}
