/**
 * Model package groups and versioned model packages: version numbers per group, ClientToken
 * idempotency, approval status, and CustomerMetadataProperties with SageMaker's limits.
 */
import { constraint, validation } from '../aws-error';
import { sageMakerArn, type EmulatorContext } from '../context';
import { checkName, compact, epochSeconds, paginate, sortBy, type Input, type Json } from '../wire';
import { tagsOf, type Tag, type Taggable } from './tags';

const APPROVAL_STATUSES = ['Approved', 'Rejected', 'PendingManualApproval'] as const;
const METADATA = { maxEntries: 50, maxKeyLength: 128, maxValueLength: 256 };

export interface ModelPackageGroup {
  name: string;
  arn: string;
  description?: string;
  createdAt: number;
  tags: Tag[];
}

export interface ModelPackage {
  arn: string;
  groupName: string;
  version: number;
  description?: string;
  createdAt: number;
  modifiedAt: number;
  approvalStatus: (typeof APPROVAL_STATUSES)[number];
  approvalDescription?: string;
  inferenceSpecification?: Json;
  metadataProperties?: Json;
  customerMetadata: Record<string, string>;
  clientToken?: string;
  tags: Tag[];
}

export interface RegistryData {
  groups: Record<string, ModelPackageGroup>;
  packages: Record<string, ModelPackage>;
}

export function emptyRegistry(): RegistryData {
  return { groups: {}, packages: {} };
}

function checkMetadata(entries: Record<string, string>): void {
  const keys = Object.keys(entries);
  if (keys.length > METADATA.maxEntries) {
    throw constraint(
      'CustomerMetadataProperties',
      `${keys.length} entries`,
      `Map must have length less than or equal to ${METADATA.maxEntries}`,
    );
  }
  for (const [key, value] of Object.entries(entries)) {
    if (key.length < 1 || key.length > METADATA.maxKeyLength) {
      throw constraint(
        'CustomerMetadataProperties',
        key,
        `Map keys must have length between 1 and ${METADATA.maxKeyLength}`,
      );
    }
    if (typeof value !== 'string' || value.length < 1 || value.length > METADATA.maxValueLength) {
      throw constraint(
        'CustomerMetadataProperties',
        value,
        `Map values must have length between 1 and ${METADATA.maxValueLength}`,
      );
    }
  }
}

/** What DescribeModelPackageGroup answers, and each entry of ListModelPackageGroups. */
function groupSummary(g: ModelPackageGroup): Json {
  return compact({
    ModelPackageGroupName: g.name,
    ModelPackageGroupArn: g.arn,
    ModelPackageGroupDescription: g.description,
    CreationTime: epochSeconds(g.createdAt),
    ModelPackageGroupStatus: 'Completed',
  });
}

/** An entry of ListModelPackages; DescribeModelPackage answers these fields and more. */
function packageSummary(p: ModelPackage): Json {
  return compact({
    ModelPackageName: p.groupName,
    ModelPackageGroupName: p.groupName,
    ModelPackageVersion: p.version,
    ModelPackageArn: p.arn,
    ModelPackageDescription: p.description,
    CreationTime: epochSeconds(p.createdAt),
    ModelPackageStatus: 'Completed',
    ModelApprovalStatus: p.approvalStatus,
  });
}

export class ModelRegistry {
  constructor(
    private readonly ctx: EmulatorContext,
    private readonly data: RegistryData,
  ) {}

  private groupArn(name: string): string {
    return sageMakerArn(this.ctx, 'model-package-group', name);
  }

  private group(name: string): ModelPackageGroup {
    const group = this.data.groups[name];
    if (!group) throw validation(`ModelPackageGroup ${name} does not exist.`);
    return group;
  }

  /** By ARN, or by group name for the group's ARN form used in some calls. */
  findPackage(nameOrArn: string): ModelPackage | undefined {
    return this.data.packages[nameOrArn.toLowerCase()];
  }

  package(nameOrArn: string): ModelPackage {
    const pkg = this.findPackage(nameOrArn);
    if (!pkg) throw validation(`ModelPackage ${nameOrArn} does not exist.`);
    return pkg;
  }

  /** The group or package with this (lower-cased) ARN, for the tag operations. */
  findTaggable(arn: string): Taggable | undefined {
    return this.data.packages[arn] ?? Object.values(this.data.groups).find((g) => g.arn === arn);
  }

  createGroup(input: Input): Json {
    const name = checkName('ModelPackageGroupName', input.requiredStr('ModelPackageGroupName'));
    const arn = this.groupArn(name);
    if (this.data.groups[name]) throw validation(`Model Package Group already exists: ${arn}`);
    this.data.groups[name] = {
      name,
      arn,
      description: input.str('ModelPackageGroupDescription'),
      createdAt: this.ctx.now(),
      tags: tagsOf(input),
    };
    return { ModelPackageGroupArn: arn };
  }

  describeGroup(input: Input): Json {
    return groupSummary(this.group(input.requiredStr('ModelPackageGroupName')));
  }

  listGroups(input: Input): Json {
    const contains = input.str('NameContains');
    const sortField = input.oneOf('SortBy', ['Name', 'CreationTime'] as const) ?? 'CreationTime';
    const order = input.oneOf('SortOrder', ['Ascending', 'Descending'] as const) ?? 'Ascending';
    const matching = Object.values(this.data.groups).filter((g) => !contains || g.name.includes(contains));
    const sorted = sortBy(matching, (g) => (sortField === 'Name' ? g.name : g.createdAt), order);
    const page = paginate(sorted, input, { defaultMax: 10, limit: 100, tokenKind: 'groups' });
    return compact({
      ModelPackageGroupSummaryList: page.items.map((g) => groupSummary(g)),
      NextToken: page.nextToken,
    });
  }

  createPackage(input: Input): Json {
    const groupName = input.str('ModelPackageGroupName');
    if (!groupName) {
      // Unversioned packages (ModelPackageName) belong to Marketplace flows the product does not use.
      throw validation(
        'The emulator supports versioned model packages only: ModelPackageGroupName is required',
      );
    }
    const group = this.group(groupName);
    const token = input.str('ClientToken');
    if (token) {
      const earlier = Object.values(this.data.packages).find((p) => p.clientToken === token);
      if (earlier) return { ModelPackageArn: earlier.arn };
    }
    const status = input.oneOf('ModelApprovalStatus', APPROVAL_STATUSES) ?? 'PendingManualApproval';
    const metadata = input.map('CustomerMetadataProperties');
    checkMetadata(metadata);
    const version = Object.values(this.data.packages).filter((p) => p.groupName === group.name).length + 1;
    const arn = sageMakerArn(this.ctx, 'model-package', `${group.name}/${version}`);
    const now = this.ctx.now();
    this.data.packages[arn.toLowerCase()] = {
      arn,
      groupName: group.name,
      version,
      description: input.str('ModelPackageDescription'),
      createdAt: now,
      modifiedAt: now,
      approvalStatus: status,
      inferenceSpecification: input.object('InferenceSpecification'),
      metadataProperties: input.object('MetadataProperties'),
      customerMetadata: metadata,
      clientToken: token,
      tags: tagsOf(input),
    };
    return { ModelPackageArn: arn };
  }

  describePackage(input: Input): Json {
    const pkg = this.package(input.requiredStr('ModelPackageName'));
    return compact({
      ...packageSummary(pkg),
      LastModifiedTime: epochSeconds(pkg.modifiedAt),
      InferenceSpecification: pkg.inferenceSpecification,
      MetadataProperties: pkg.metadataProperties,
      ModelPackageStatusDetails: { ValidationStatuses: [], ImageScanStatuses: [] },
      CertifyForMarketplace: false,
      ApprovalDescription: pkg.approvalDescription,
      CustomerMetadataProperties: Object.keys(pkg.customerMetadata).length ? pkg.customerMetadata : undefined,
    });
  }

  listPackages(input: Input): Json {
    // The group by name or by ARN, as SageMaker accepts either.
    const groupName = input.str('ModelPackageGroupName');
    const status = input.oneOf('ModelApprovalStatus', APPROVAL_STATUSES);
    const contains = input.str('NameContains');
    const type = input.oneOf('ModelPackageType', ['Versioned', 'Unversioned', 'Both'] as const) ?? 'Both';
    const after = input.time('CreationTimeAfter');
    const before = input.time('CreationTimeBefore');
    const sortField = input.oneOf('SortBy', ['Name', 'CreationTime'] as const) ?? 'CreationTime';
    const order = input.oneOf('SortOrder', ['Ascending', 'Descending'] as const) ?? 'Ascending';
    const matching = Object.values(this.data.packages).filter(
      (p) =>
        type !== 'Unversioned' &&
        (!groupName || groupName === p.groupName || groupName.toLowerCase() === this.groupArn(p.groupName)) &&
        (!status || p.approvalStatus === status) &&
        (!contains || p.groupName.includes(contains)) &&
        (after === undefined || p.createdAt > after) &&
        (before === undefined || p.createdAt < before),
    );
    // Name order of versioned packages is group name, then version.
    const sorted = sortBy(
      matching,
      (p) =>
        sortField === 'Name'
          ? `${p.groupName}/${String(p.version).padStart(9, '0')}`
          : p.createdAt * 1e4 + p.version,
      order,
    );
    const page = paginate(sorted, input, { defaultMax: 10, limit: 100, tokenKind: 'packages' });
    return compact({
      ModelPackageSummaryList: page.items.map((p) => packageSummary(p)),
      NextToken: page.nextToken,
    });
  }

  updatePackage(input: Input): Json {
    const pkg = this.package(input.requiredStr('ModelPackageArn'));
    const status = input.oneOf('ModelApprovalStatus', APPROVAL_STATUSES);
    const description = input.str('ApprovalDescription');
    if (description !== undefined && description.length > 1024) {
      throw constraint(
        'ApprovalDescription',
        `${description.length} characters`,
        'Member must have length less than or equal to 1024',
      );
    }
    const toRemove = input.list<string>('CustomerMetadataPropertiesToRemove');
    const merged = { ...pkg.customerMetadata, ...input.map('CustomerMetadataProperties') };
    for (const key of toRemove) delete merged[key];
    checkMetadata(merged);
    if (status) pkg.approvalStatus = status;
    if (description !== undefined) pkg.approvalDescription = description;
    pkg.customerMetadata = merged;
    pkg.modifiedAt = this.ctx.now();
    return { ModelPackageArn: pkg.arn };
  }

  /** The container environment a model made from this package starts with. */
  packageEnvironment(nameOrArn: string): Record<string, string> {
    const pkg = this.package(nameOrArn);
    const containers = (pkg.inferenceSpecification?.Containers ?? []) as {
      Environment?: Record<string, string>;
    }[];
    return { ...(containers[0]?.Environment ?? {}) };
  }
}
