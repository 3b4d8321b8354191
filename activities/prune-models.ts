/**
 * Retention of a group's models. A model may be deleted only when all of these hold:
 * - it carries this product's ownership tags for exactly this group (never `churn-vip`'s for `churn`,
 *   never one made by hand), and its package belongs to the group;
 * - it is not in `keep`, and no endpoint's current or pending config refers to it;
 * - its version is finished with: Rejected (failed validation, rolled back), or retired (Approved,
 *   served, since replaced: RetiredAt in the package metadata) and older than the `retain` most
 *   recently retired, and not the one each endpoint served last (RetiredFrom): a revert's way back.
 *   Anything else (awaiting approval, in staging or canary, serving, or a version
 *   whose history this product did not record) is kept.
 * When any endpoint's models cannot be resolved nothing is deleted.
 */
import {
  DeleteModelCommand,
  DescribeModelCommand,
  DescribeModelPackageCommand,
  paginateListModels,
  type SageMakerClient,
} from '@aws-sdk/client-sagemaker';
import type { PruneReport, PruneRetiredModelsInput } from '../src/shared/activity-contracts';
import { modelNameSearchHint } from '../src/shared/resource-names';
import { awsOrNotFound, awsPages } from './aws-errors';
import { modelsInUse } from './models-in-use';
import { listTags } from './ownership-guard';
import { isOwnedForGroup } from './ownership-tags';
import { MetadataKeys } from './registry-metadata';

interface OwnedModel {
  name: string;
  arn: string;
  createdAt: number;
}

/** The group's models by ownership tag; the name filter only narrows the listing. */
async function ownedModels(sagemaker: SageMakerClient, group: string): Promise<OwnedModel[]> {
  const owned: OwnedModel[] = [];
  const pages = paginateListModels(
    { client: sagemaker, pageSize: 100 },
    { NameContains: modelNameSearchHint(group) },
  );
  for await (const page of awsPages('ListModels', pages)) {
    for (const m of page.Models ?? []) {
      if (!m.ModelName || !m.ModelArn) continue;
      if (!isOwnedForGroup(await listTags(sagemaker, m.ModelArn), group)) continue;
      owned.push({ name: m.ModelName, arn: m.ModelArn, createdAt: m.CreationTime?.getTime() ?? 0 });
    }
  }
  return owned;
}

type Standing = { kind: 'rejected' } | { kind: 'retired'; at: string; from?: string } | { kind: 'live' };

/** Where the model's version stands, from its package; `live` whenever in doubt. */
async function standingOf(sagemaker: SageMakerClient, modelName: string, group: string): Promise<Standing> {
  const model = await awsOrNotFound('DescribeModel', () =>
    sagemaker.send(new DescribeModelCommand({ ModelName: modelName })),
  );
  const arn = model?.PrimaryContainer?.ModelPackageName ?? model?.Containers?.[0]?.ModelPackageName;
  if (!arn) return { kind: 'live' };
  const pkg = await awsOrNotFound('DescribeModelPackage', () =>
    sagemaker.send(new DescribeModelPackageCommand({ ModelPackageName: arn })),
  );
  if (!pkg || pkg.ModelPackageGroupName !== group) return { kind: 'live' };
  if (pkg.ModelApprovalStatus === 'Rejected') return { kind: 'rejected' };
  const meta = pkg.CustomerMetadataProperties ?? {};
  const retiredAt = meta[MetadataKeys.retiredAt];
  if (pkg.ModelApprovalStatus === 'Approved' && retiredAt && !meta[MetadataKeys.servingEndpoint]) {
    return { kind: 'retired', at: retiredAt, from: meta[MetadataKeys.retiredFrom] };
  }
  return { kind: 'live' };
}

export async function pruneRetiredModels(
  sagemaker: SageMakerClient,
  input: PruneRetiredModelsInput,
): Promise<PruneReport> {
  const group = input.modelPackageGroup;
  const inUse = await modelsInUse(sagemaker);
  if (!inUse.known) return { deleted: [], retained: [], refused: inUse.reason };

  const protectedNames = new Set([...input.keep, ...inUse.models]);
  const rejected: string[] = [];
  const retired: { name: string; at: string; createdAt: number; from?: string }[] = [];
  for (const m of await ownedModels(sagemaker, group)) {
    const standing = await standingOf(sagemaker, m.name, group);
    if (standing.kind === 'rejected') rejected.push(m.name);
    if (standing.kind === 'retired')
      retired.push({ name: m.name, at: standing.at, createdAt: m.createdAt, from: standing.from });
  }
  // Most recently retired first (ISO timestamps order as text); the `retain` first are a revert's choices.
  retired.sort((a, b) => b.at.localeCompare(a.at) || b.createdAt - a.createdAt);
  const retainCount = Math.max(0, input.retain);
  // Whatever the retention says, each endpoint keeps the version it served last: what a revert goes back to.
  const lastPerEndpoint = new Set<string>();
  const seenEndpoints = new Set<string>();
  for (const r of retired) {
    if (!r.from || seenEndpoints.has(r.from)) continue;
    seenEndpoints.add(r.from);
    lastPerEndpoint.add(r.name);
  }
  const kept = retired.filter((r, i) => i < retainCount || lastPerEndpoint.has(r.name));
  const retained = kept.map((r) => r.name);
  const doomed = [...retired.filter((r) => !kept.includes(r)).map((r) => r.name), ...rejected].filter(
    (name) => !protectedNames.has(name),
  );
  for (const name of doomed) {
    await awsOrNotFound('DeleteModel', () => sagemaker.send(new DeleteModelCommand({ ModelName: name })));
  }
  return { deleted: doomed, retained };
}
