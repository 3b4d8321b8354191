/**
 * Endpoint activities: models, endpoint configs, endpoints and traffic weights. Each is idempotent:
 * a retry finds what an earlier attempt made and goes on; deleting what is gone is success. What
 * they create carries the ownership tags (ownership-tags.ts) that pruning and clean-up go by.
 */
import {
  CreateEndpointCommand,
  CreateEndpointConfigCommand,
  CreateModelCommand,
  DeleteEndpointCommand,
  DeleteEndpointConfigCommand,
  DeleteModelCommand,
  DescribeEndpointConfigCommand,
  DescribeModelCommand,
  UpdateEndpointCommand,
  UpdateEndpointWeightsAndCapacitiesCommand,
  type ProductionVariantInstanceType,
  type SageMakerClient,
} from '@aws-sdk/client-sagemaker';
import { ApplicationFailure } from '@temporalio/activity';
import {
  ErrorTypes,
  type LifecycleActivities,
  type ResourceOwner,
  type VariantSpec,
} from '../src/shared/activity-contracts';
import {
  aws,
  awsOrNotFound,
  classifyAwsError,
  endpointNotReady,
  isAlreadyExists,
  isEndpointBusy,
  isNotFound,
  validationFailure,
} from './aws-errors';
import type { ActivityDeps } from './deps';
import {
  describeEndpointSnapshot,
  describeRawEndpoint,
  snapshotOf,
  type RawEndpoint,
} from './endpoint-snapshot';
import { assertProductOwned } from './ownership-guard';
import { ownershipTags } from './ownership-tags';
import { pruneRetiredModels } from './prune-models';

/** Statuses from which SageMaker will reach InService (or Failed) by itself. */
const TRANSITIONAL = new Set(['Creating', 'Updating', 'SystemUpdating', 'RollingBack']);

function endpointFailed(raw: RawEndpoint, what: string): ApplicationFailure {
  return ApplicationFailure.nonRetryable(
    `endpoint ${raw.EndpointName} ${what}: ${raw.FailureReason ?? 'no failure reason given'}`,
    ErrorTypes.EndpointFailed,
  );
}

function endpointMissing(endpointName: string): ApplicationFailure {
  return ApplicationFailure.nonRetryable(`endpoint ${endpointName} does not exist`, ErrorTypes.NotFound);
}

/** Runs a call that SageMaker refuses while the endpoint is busy; that refusal becomes a retryable wait. */
async function whenEndpointIdle<T>(
  operation: string,
  endpointName: string,
  call: () => Promise<T>,
): Promise<T> {
  try {
    return await call();
  } catch (err) {
    if (isEndpointBusy(err)) throw endpointNotReady(`${operation}: endpoint ${endpointName} is busy`);
    throw classifyAwsError(operation, err);
  }
}

async function createModel(
  deps: ActivityDeps,
  input: { modelName: string; modelPackageArn: string; owner: ResourceOwner },
) {
  try {
    await deps.sagemaker.send(
      new CreateModelCommand({
        ModelName: input.modelName,
        ExecutionRoleArn: deps.executionRoleArn,
        PrimaryContainer: { ModelPackageName: input.modelPackageArn },
        Tags: ownershipTags(input.owner),
      }),
    );
  } catch (err) {
    if (!isAlreadyExists(err)) throw classifyAwsError('CreateModel', err);
    // Success only when it is the same model: a name clash with other content must not pass silently.
    const existing = await aws('DescribeModel', () =>
      deps.sagemaker.send(new DescribeModelCommand({ ModelName: input.modelName })),
    );
    const pkg = existing.PrimaryContainer?.ModelPackageName ?? existing.Containers?.[0]?.ModelPackageName;
    if (pkg !== input.modelPackageArn) {
      throw validationFailure(
        `model ${input.modelName} already exists from ${pkg ?? 'no model package'}, not ${input.modelPackageArn}`,
      );
    }
  }
}

const productionVariant = (v: VariantSpec) => ({
  VariantName: v.variantName,
  ModelName: v.modelName,
  InitialVariantWeight: v.initialWeight,
  InstanceType: v.instanceType as ProductionVariantInstanceType,
  InitialInstanceCount: v.initialInstanceCount,
});

async function createEndpointConfig(
  sagemaker: SageMakerClient,
  name: string,
  variants: VariantSpec[],
  shadowVariants: VariantSpec[],
  owner: ResourceOwner,
) {
  try {
    await sagemaker.send(
      new CreateEndpointConfigCommand({
        EndpointConfigName: name,
        Tags: ownershipTags(owner),
        ProductionVariants: variants.map(productionVariant),
        ...(shadowVariants.length ? { ShadowProductionVariants: shadowVariants.map(productionVariant) } : {}),
      }),
    );
  } catch (err) {
    if (!isAlreadyExists(err)) throw classifyAwsError('CreateEndpointConfig', err);
    const existing = await aws('DescribeEndpointConfig', () =>
      sagemaker.send(new DescribeEndpointConfigCommand({ EndpointConfigName: name })),
    );
    const shape = (pairs: [string | undefined, string | undefined][]) =>
      pairs
        .map(([variant, model]) => `${variant}=${model}`)
        .sort()
        .join(',');
    // Shadow variants count as part of the shape, marked, so a config without its shadow is not "the same".
    const have = shape([
      ...(existing.ProductionVariants ?? []).map(
        (v) => [v.VariantName, v.ModelName] as [string | undefined, string | undefined],
      ),
      ...(existing.ShadowProductionVariants ?? []).map(
        (v) => [`shadow:${v.VariantName}`, v.ModelName] as [string | undefined, string | undefined],
      ),
    ]);
    const want = shape([
      ...variants.map((v) => [v.variantName, v.modelName] as [string, string]),
      ...shadowVariants.map((v) => [`shadow:${v.variantName}`, v.modelName] as [string, string]),
    ]);
    if (have !== want) {
      throw validationFailure(`endpoint config ${name} already exists with variants ${have}, not ${want}`);
    }
  }
}

async function deployEndpointConfig(
  sagemaker: SageMakerClient,
  endpointName: string,
  endpointConfigName: string,
  owner: ResourceOwner,
  exclusive: boolean,
): Promise<'created' | 'updated' | 'unchanged'> {
  const raw = await describeRawEndpoint(sagemaker, endpointName);
  if (raw && exclusive) {
    // A staging name can meet a serving endpoint: only a retry of this lifecycle's own create goes on.
    await assertProductOwned(
      sagemaker,
      `deploy ${endpointConfigName} onto endpoint ${endpointName}`,
      raw.EndpointArn,
      owner,
    );
  }
  if (!raw) {
    try {
      await sagemaker.send(
        new CreateEndpointCommand({
          EndpointName: endpointName,
          EndpointConfigName: endpointConfigName,
          Tags: ownershipTags(owner),
        }),
      );
      return 'created';
    } catch (err) {
      // Someone created it between our describe and create: look again on the next attempt.
      if (isAlreadyExists(err)) throw endpointNotReady(`endpoint ${endpointName} appeared while creating it`);
      throw classifyAwsError('CreateEndpoint', err);
    }
  }
  const pending = raw.PendingDeploymentSummary?.EndpointConfigName;
  if (raw.EndpointConfigName === endpointConfigName || pending === endpointConfigName) return 'unchanged';
  if (raw.EndpointStatus === 'Failed') throw endpointFailed(raw, 'is Failed');
  if (raw.EndpointStatus !== 'InService') {
    throw endpointNotReady(`endpoint ${endpointName} is ${raw.EndpointStatus}; cannot update it yet`);
  }
  await whenEndpointIdle('UpdateEndpoint', endpointName, () =>
    sagemaker.send(
      new UpdateEndpointCommand({ EndpointName: endpointName, EndpointConfigName: endpointConfigName }),
    ),
  );
  return 'updated';
}

async function awaitEndpointInService(
  sagemaker: SageMakerClient,
  endpointName: string,
  endpointConfigName: string | undefined,
  weightsSettled: boolean,
) {
  const raw = await describeRawEndpoint(sagemaker, endpointName);
  if (!raw) throw endpointMissing(endpointName);
  const status = raw.EndpointStatus ?? 'Unknown';
  if (TRANSITIONAL.has(status)) throw endpointNotReady(`endpoint ${endpointName} is ${status}`);
  if (status !== 'InService') throw endpointFailed(raw, `is ${status}`);
  if (endpointConfigName && raw.EndpointConfigName !== endpointConfigName) {
    // InService on another config with no update pending and a failure reason: SageMaker rolled the update back.
    if (!raw.PendingDeploymentSummary && raw.FailureReason) {
      throw endpointFailed(raw, `did not move to ${endpointConfigName}`);
    }
    throw endpointNotReady(
      `endpoint ${endpointName} is InService on ${raw.EndpointConfigName}, not yet on ${endpointConfigName}`,
    );
  }
  // InService is reported before traffic has moved: the bake must judge the weights it asked for.
  const unsettled = weightsSettled
    ? (raw.ProductionVariants ?? []).filter(
        (v) => v.DesiredWeight !== undefined && v.CurrentWeight !== v.DesiredWeight,
      )
    : [];
  if (unsettled.length > 0) {
    const detail = unsettled.map((v) => `${v.VariantName} ${v.CurrentWeight} → ${v.DesiredWeight}`);
    throw endpointNotReady(`endpoint ${endpointName} weights still moving: ${detail.join(', ')}`);
  }
  return snapshotOf(sagemaker, raw);
}

async function setVariantWeights(
  sagemaker: SageMakerClient,
  endpointName: string,
  weights: Record<string, number>,
  instanceCounts: Record<string, number>,
) {
  const raw = await describeRawEndpoint(sagemaker, endpointName);
  if (!raw) throw endpointMissing(endpointName);
  const variants = raw.ProductionVariants ?? [];
  const current = new Map(variants.map((v) => [v.VariantName, v.DesiredWeight ?? v.CurrentWeight]));
  const instances = new Map(
    variants.map((v) => [v.VariantName, v.DesiredInstanceCount ?? v.CurrentInstanceCount]),
  );
  const unknown = Object.keys({ ...weights, ...instanceCounts }).filter((name) => !current.has(name));
  if (unknown.length > 0) {
    throw validationFailure(`endpoint ${endpointName} has no variant ${unknown.join(', ')}`);
  }
  // Desired values already at target cover a retry after our own update was accepted.
  const done =
    Object.entries(weights).every(([name, weight]) => current.get(name) === weight) &&
    Object.entries(instanceCounts).every(([name, count]) => instances.get(name) === count);
  if (done) return;
  if (raw.EndpointStatus !== 'InService') {
    throw endpointNotReady(`endpoint ${endpointName} is ${raw.EndpointStatus}; cannot change weights yet`);
  }
  await whenEndpointIdle('UpdateEndpointWeightsAndCapacities', endpointName, () =>
    sagemaker.send(
      new UpdateEndpointWeightsAndCapacitiesCommand({
        EndpointName: endpointName,
        DesiredWeightsAndCapacities: Object.entries(weights).map(([VariantName, DesiredWeight]) => ({
          VariantName,
          DesiredWeight,
          ...(instanceCounts[VariantName] !== undefined
            ? { DesiredInstanceCount: instanceCounts[VariantName] }
            : {}),
        })),
      }),
    ),
  );
}

export function createEndpointActivities(
  deps: ActivityDeps,
): Pick<
  LifecycleActivities,
  | 'describeEndpoint'
  | 'createModelFromPackage'
  | 'createEndpointConfig'
  | 'deployEndpointConfig'
  | 'awaitEndpointInService'
  | 'setVariantWeights'
  | 'deleteEndpoint'
  | 'deleteEndpointConfig'
  | 'deleteModel'
  | 'pruneRetiredModels'
> {
  const { sagemaker } = deps;
  const deleteModel = async (modelName: string, owner?: ResourceOwner) => {
    const model = await awsOrNotFound('DescribeModel', () =>
      sagemaker.send(new DescribeModelCommand({ ModelName: modelName })),
    );
    if (!model) return;
    await assertProductOwned(sagemaker, `delete model ${modelName}`, model.ModelArn, owner);
    await awsOrNotFound('DeleteModel', () =>
      sagemaker.send(new DeleteModelCommand({ ModelName: modelName })),
    );
  };
  return {
    describeEndpoint: (endpointName) => describeEndpointSnapshot(sagemaker, endpointName),
    createModelFromPackage: (input) => createModel(deps, input),
    createEndpointConfig: (input) =>
      createEndpointConfig(
        sagemaker,
        input.endpointConfigName,
        input.variants,
        input.shadowVariants ?? [],
        input.owner,
      ),
    deployEndpointConfig: (input) =>
      deployEndpointConfig(
        sagemaker,
        input.endpointName,
        input.endpointConfigName,
        input.owner,
        input.exclusive ?? false,
      ),
    awaitEndpointInService: (input) =>
      awaitEndpointInService(
        sagemaker,
        input.endpointName,
        input.endpointConfigName,
        input.weightsSettled ?? false,
      ),
    setVariantWeights: (input) =>
      setVariantWeights(sagemaker, input.endpointName, input.weights, input.instanceCounts ?? {}),

    async deleteEndpoint(endpointName, owner) {
      const raw = await describeRawEndpoint(sagemaker, endpointName);
      if (!raw) return;
      await assertProductOwned(sagemaker, `delete endpoint ${endpointName}`, raw.EndpointArn, owner);
      try {
        await sagemaker.send(new DeleteEndpointCommand({ EndpointName: endpointName }));
      } catch (err) {
        if (isNotFound(err)) return;
        if (isEndpointBusy(err)) throw endpointNotReady(`DeleteEndpoint: endpoint ${endpointName} is busy`);
        throw classifyAwsError('DeleteEndpoint', err);
      }
    },
    async deleteEndpointConfig(endpointConfigName, owner) {
      const config = await awsOrNotFound('DescribeEndpointConfig', () =>
        sagemaker.send(new DescribeEndpointConfigCommand({ EndpointConfigName: endpointConfigName })),
      );
      if (!config) return;
      await assertProductOwned(
        sagemaker,
        `delete endpoint config ${endpointConfigName}`,
        config.EndpointConfigArn,
        owner,
      );
      await awsOrNotFound('DeleteEndpointConfig', () =>
        sagemaker.send(new DeleteEndpointConfigCommand({ EndpointConfigName: endpointConfigName })),
      );
    },
    deleteModel,

    pruneRetiredModels: (input) => pruneRetiredModels(sagemaker, input),
  };
}
