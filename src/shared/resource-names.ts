/**
 * SageMaker resource names derived from the workflow ID and step, so a retried activity finds the
 * resource it created before a crash. Deterministic and pure: workflow code computes them.
 */

const MAX_NAME = 63;

/** FNV-1a, 32 bit, as 7 base-36 chars: enough to tell workflows apart within one endpoint. */
export function shortHash(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h.toString(36).padStart(7, '0');
}

/** `<base>-<suffix>`, shortening `base` so the whole fits SageMaker's 63 characters. */
function fit(base: string, suffix: string): string {
  const room = MAX_NAME - suffix.length - 1;
  const trimmed = base.length > room ? base.slice(0, room).replace(/-+$/, '') : base;
  return `${trimmed}-${suffix}`;
}

export interface ResourceNames {
  modelName: string;
  stagingEndpointName: string;
  stagingConfigName: string;
  /** Two variants: stable + canary. */
  canaryConfigName: string;
  /** Single variant with the new version: the promoted state. */
  promotedConfigName: string;
  /** Single variant with the stable version: where a rollback lands. */
  rollbackConfigName: string;
  canaryVariantName: string;
  /** Stable + the new version as a shadow variant: the shadow stage. */
  shadowConfigName: string;
  shadowVariantName: string;
}

export function resourceNames(args: {
  workflowId: string;
  modelPackageGroup: string;
  modelVersion: number;
  productionEndpointName: string;
  stagingEndpointPrefix?: string;
}): ResourceNames {
  const h = shortHash(args.workflowId);
  const v = `v${args.modelVersion}`;
  const stagingPrefix = args.stagingEndpointPrefix ?? fit(args.productionEndpointName, 'stg');
  return {
    modelName: fit(args.modelPackageGroup, `${v}-${h}`),
    stagingEndpointName: fit(stagingPrefix, v),
    stagingConfigName: fit(stagingPrefix, `${v}-${h}`),
    canaryConfigName: fit(args.productionEndpointName, `${v}-canary-${h}`),
    promotedConfigName: fit(args.productionEndpointName, `${v}-${h}`),
    rollbackConfigName: fit(args.productionEndpointName, `${v}-rollback-${h}`),
    canaryVariantName: `${v}`,
    shadowConfigName: fit(args.productionEndpointName, `${v}-shadow-${h}`),
    shadowVariantName: `${v}-shadow`,
  };
}

/** The configs a revert (workflow `workflowId`) creates on `endpointName` to reach `toVersion`. */
export function revertResourceNames(args: { workflowId: string; endpointName: string; toVersion: number }) {
  const h = shortHash(args.workflowId);
  const v = `v${args.toVersion}`;
  return {
    /** The version reverted to alone: where a revert lands. */
    revertedConfigName: fit(args.endpointName, `${v}-revert-${h}`),
    /** --canary: the serving version next to the one reverted to. */
    canaryConfigName: fit(args.endpointName, `${v}-revert-canary-${h}`),
    /** A failed shift: back on the version reverted from alone. */
    restoreConfigName: fit(args.endpointName, `${v}-revert-restore-${h}`),
    /** The variant of the version reverted to. */
    variantName: v,
  };
}

/**
 * Text every model name of the group contains, to narrow ListModels before the ownership tags
 * decide: `fit` keeps at least this much of the group (versions below 10^13). It matches other
 * groups too (`churn` in `churn-vip-…`), so it must never be the test of ownership.
 */
export function modelNameSearchHint(modelPackageGroup: string): string {
  return modelPackageGroup.slice(0, 40).replace(/-+$/, '');
}
