/**
 * SageMaker's documented limits and patterns that a start request reaches, in one place, so the
 * API refuses at the door what CreateModelPackage, CreateModel or CreateEndpointConfig would refuse
 * minutes later. Sources (SageMaker API reference): CreateModelPackage, ModelPackageContainerDefinition,
 * MetadataProperties, Tag, CreateEndpointConfig / ProductionVariant, UpdateModelPackage; ECR's
 * repository-name rule; CloudWatch's period rule. Pure: safe to import from workflow code.
 */

/** EntityName: groups, endpoints, endpoint configs, models. */
export const ENTITY_NAME = { max: 63, pattern: /^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$/ } as const;

/** ModelPackageDescription: 0-1024 printable characters (letters, marks, spaces, symbols, digits, punctuation). */
export const DESCRIPTION = { max: 1024, pattern: /^[\p{L}\p{M}\p{Z}\p{S}\p{N}\p{P}]*$/u } as const;

/** Tag keys 1-128, values 0-256, letters, digits, spaces and `_.:/=+-@`; 50 tags per resource. */
export const TAG = {
  maxTags: 50,
  maxKeyLength: 128,
  maxValueLength: 256,
  pattern: /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u,
  /** Keys AWS keeps for itself (any case). */
  reservedPrefix: /^aws:/i,
} as const;

/** Tags the product adds to what it creates (lifecycle, group and the like); the rest is the caller's. */
export const PRODUCT_TAG_ALLOWANCE = 10;

/** CustomerMetadataProperties: 1-50 entries, keys 1-128, values 1-256, same characters as tags. */
export const CUSTOMER_METADATA = {
  maxEntries: 50,
  maxKeyLength: 128,
  maxValueLength: 256,
  pattern: /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u,
} as const;

/**
 * Metadata entries the lifecycle itself writes on a package over its life: registeredBy, workflowId,
 * four lineage fields, decidedBy, ServingEndpoint, ServingSince. Metrics and hyperparameters share the rest.
 */
export const PRODUCT_METADATA_ENTRIES = 9;
export const METRIC_KEY_PREFIX = 'metric:';
export const HYPERPARAMETER_KEY_PREFIX = 'hp:';

/** ModelPackageContainerDefinition.Environment: "up to 16 entries", keys `[a-zA-Z_][a-zA-Z0-9_]*`, 1024 each. */
export const CONTAINER_ENVIRONMENT = {
  maxEntries: 16,
  maxKeyLength: 1024,
  maxValueLength: 1024,
  keyPattern: /^[a-zA-Z_][a-zA-Z0-9_]*$/,
} as const;

/**
 * Image: at most 255 characters, an ECR path `registry/repository[:tag]` or `registry/repository[@digest]`
 * (model packages take their inference image from ECR). Repository names are lowercase path segments.
 */
export const IMAGE = {
  max: 255,
  pattern:
    /^\d{12}\.dkr\.ecr\.[a-z0-9-]+\.amazonaws\.com(\.cn)?\/(?:[a-z0-9]+(?:[._-][a-z0-9]+)*\/)*[a-z0-9]+(?:[._-][a-z0-9]+)*(?::[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}|@sha256:[a-f0-9]{64})?$/,
} as const;

/** ModelDataUrl: at most 1024 characters; here an `s3://bucket/key` with an S3 bucket name (3-63). */
export const MODEL_DATA_URL = {
  max: 1024,
  pattern: /^s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]\/\S+$/,
} as const;

/** MetadataProperties.CommitId and GeneratedBy: at most 1024 (the metadata copy keeps them to 256). */
export const METADATA_PROPERTY_MAX = 1024;

/** SupportedContentTypes entries: at most 256 characters. */
export const CONTENT_TYPE = { max: 256, pattern: /^[\w.+-]+\/[\w.+-]+(\s*;.*)?$/ } as const;

/** InvokeEndpoint: a model must answer within 60 s. */
export const INVOKE_TIMEOUT_MS = 60_000;

/** ProductionVariant.InstanceType: `ml.<family>.<size>`. */
export const INSTANCE_TYPE = { pattern: /^ml\.[a-z0-9-]+\.[a-z0-9]+$/ } as const;

/** CloudWatch: periods of 1, 5, 10, 20 or 30 s (high resolution) or a multiple of 60. */
export const isCloudWatchPeriod = (seconds: number): boolean =>
  [1, 5, 10, 20, 30].includes(seconds) || seconds % 60 === 0;

/** DescribeAlarms: at most 100 alarm names of 1-255 characters. */
export const ALARM_NAMES = { maxNames: 100, maxLength: 255 } as const;

/** UpdateModelPackage.ApprovalDescription: at most 1024 characters. */
export const APPROVAL_DESCRIPTION_MAX = 1024;
