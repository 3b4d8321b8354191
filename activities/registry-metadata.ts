/**
 * The Model Registry's CustomerMetadataProperties as this product writes and reads them: metrics,
 * lineage, hyperparameters and who did what, as flat string pairs within SageMaker's limits.
 */
import type { Lineage } from '../src/shared/lifecycle-input';
import { validationFailure } from './aws-errors';

/** SageMaker's limits on CustomerMetadataProperties. */
export const METADATA_LIMITS = { maxEntries: 50, maxKeyLength: 128, maxValueLength: 256 } as const;

export const MetadataKeys = {
  metricPrefix: 'metric:',
  hyperparameterPrefix: 'hp:',
  datasetUri: 'lineage:datasetUri',
  datasetVersion: 'lineage:datasetVersion',
  codeCommit: 'lineage:codeCommit',
  trainingJobName: 'lineage:trainingJobName',
  registeredBy: 'registeredBy',
  workflowId: 'workflowId',
  decidedBy: 'decidedBy',
  servingEndpoint: 'ServingEndpoint',
  servingSince: 'ServingSince',
  /** Written when a promotion replaces the version: it served, and may be reverted to. */
  retiredFrom: 'RetiredFrom',
  retiredAt: 'RetiredAt',
} as const;

export interface RegistrationMetadata {
  workflowId: string;
  registeredBy: string;
  metrics: Record<string, number>;
  lineage: Lineage;
}

/** Every pair for a new package; a clear non-retryable error when SageMaker's limits would refuse it. */
export function registrationMetadata(input: RegistrationMetadata): Record<string, string> {
  const { lineage } = input;
  const entries: [string, string][] = [
    [MetadataKeys.registeredBy, input.registeredBy],
    [MetadataKeys.workflowId, input.workflowId],
    [MetadataKeys.datasetUri, lineage.datasetUri],
    [MetadataKeys.datasetVersion, lineage.datasetVersion],
    [MetadataKeys.codeCommit, lineage.codeCommit],
    [MetadataKeys.trainingJobName, lineage.trainingJobName],
    ...Object.entries(input.metrics).map(([k, v]): [string, string] => [
      MetadataKeys.metricPrefix + k,
      String(v),
    ]),
    ...Object.entries(lineage.hyperparameters ?? {}).map(([k, v]): [string, string] => [
      MetadataKeys.hyperparameterPrefix + k,
      String(v),
    ]),
  ];
  return checkedMetadata(entries);
}

export function checkedMetadata(entries: [string, string][]): Record<string, string> {
  const { maxEntries, maxKeyLength, maxValueLength } = METADATA_LIMITS;
  if (entries.length > maxEntries) {
    throw validationFailure(
      `model package metadata has ${entries.length} entries, SageMaker allows ${maxEntries}: ` +
        `reduce the number of metrics and hyperparameters`,
    );
  }
  for (const [key, value] of entries) {
    if (key.length > maxKeyLength) {
      throw validationFailure(
        `model package metadata key "${key.slice(0, 40)}…" is longer than ${maxKeyLength} characters`,
      );
    }
    if (value.length === 0 || value.length > maxValueLength) {
      throw validationFailure(
        `model package metadata "${key}" must be 1-${maxValueLength} characters, got ${value.length}`,
      );
    }
  }
  return Object.fromEntries(entries);
}

export interface VersionMetadata {
  metrics: Record<string, number>;
  lineage: Partial<Lineage>;
  registeredBy?: string;
  decidedBy?: string;
  workflowId?: string;
  servingEndpoint?: string;
  servingSince?: string;
  retiredFrom?: string;
  retiredAt?: string;
}

/** Hyperparameters were written with String(): give canonical numbers and booleans their type back. */
function hyperparameterValue(text: string): string | number | boolean {
  if (text === 'true' || text === 'false') return text === 'true';
  const n = Number(text);
  return text.trim() !== '' && Number.isFinite(n) && String(n) === text ? n : text;
}

function withPrefix(props: Record<string, string>, prefix: string): [string, string][] {
  return Object.entries(props)
    .filter(([k]) => k.startsWith(prefix))
    .map(([k, v]) => [k.slice(prefix.length), v]);
}

export function parseVersionMetadata(props: Record<string, string> = {}): VersionMetadata {
  const metrics = Object.fromEntries(
    withPrefix(props, MetadataKeys.metricPrefix)
      .map(([k, v]): [string, number] => [k, Number(v)])
      .filter(([, v]) => Number.isFinite(v)),
  );
  const hyperparameters = Object.fromEntries(
    withPrefix(props, MetadataKeys.hyperparameterPrefix).map(([k, v]) => [k, hyperparameterValue(v)]),
  );
  const lineage: Partial<Lineage> = {
    datasetUri: props[MetadataKeys.datasetUri],
    datasetVersion: props[MetadataKeys.datasetVersion],
    codeCommit: props[MetadataKeys.codeCommit],
    trainingJobName: props[MetadataKeys.trainingJobName],
    hyperparameters,
  };
  return {
    metrics,
    lineage: Object.fromEntries(Object.entries(lineage).filter(([, v]) => v !== undefined)),
    registeredBy: props[MetadataKeys.registeredBy],
    decidedBy: props[MetadataKeys.decidedBy],
    workflowId: props[MetadataKeys.workflowId],
    servingEndpoint: props[MetadataKeys.servingEndpoint],
    servingSince: props[MetadataKeys.servingSince],
    retiredFrom: props[MetadataKeys.retiredFrom],
    retiredAt: props[MetadataKeys.retiredAt],
  };
}
