/**
 * Search attributes the lifecycle sets, so the Temporal UI can list e.g. all versions awaiting
 * approval: `LifecycleStage = "awaiting-approval"`. The dev server registers them at start.
 */
import { defineSearchAttributeKey } from '@temporalio/common';

export const ModelPackageGroupKey = defineSearchAttributeKey('ModelPackageGroup', 'KEYWORD');
export const ModelVersionKey = defineSearchAttributeKey('ModelVersion', 'INT');
export const LifecycleStageKey = defineSearchAttributeKey('LifecycleStage', 'KEYWORD');
export const EndpointNameKey = defineSearchAttributeKey('EndpointName', 'KEYWORD');

export const LIFECYCLE_SEARCH_ATTRIBUTES = [
  ModelPackageGroupKey,
  ModelVersionKey,
  LifecycleStageKey,
  EndpointNameKey,
];

/** `--search-attribute` arguments for `temporal server start-dev`. */
export function devServerSearchAttributeArgs(): string[] {
  const cliType = { KEYWORD: 'Keyword', INT: 'Int' } as const;
  return LIFECYCLE_SEARCH_ATTRIBUTES.flatMap((k) => ['--search-attribute', `${k.name}=${cliType[k.type]}`]);
}
