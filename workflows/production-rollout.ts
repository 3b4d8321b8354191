/**
 * Production: the first deployment (a new endpoint, watched at 100 %) or a canary next to the stable
 * variant through the configured steps, ending in promotion or rollback. A cancellation (e.g. from
 * the Temporal UI) rolls back in a non-cancellable scope: the endpoint never stays on two variants.
 */
import { CancellationScope, condition, isCancellation } from '@temporalio/workflow';
import type { EndpointSnapshot, HealthVerdict, ServingVariant } from '../src/shared/activity-contracts';
import type { LifecycleInput } from '../src/shared/lifecycle-input';
import type { ResourceNames } from '../src/shared/resource-names';
import { aws, endpointCalls, healthWatch } from './activity-proxies';
import type { CommandInbox } from './commands';
import type { LifecycleRecord } from './lifecycle-record';

export interface RolloutContext {
  input: LifecycleInput;
  names: ResourceNames;
  record: LifecycleRecord;
  inbox: CommandInbox;
}

/** Whom the resources this rollout creates belong to (their ownership tags). */
function ownerOf(ctx: RolloutContext) {
  return { lifecycleId: ctx.record.state.workflowId, modelPackageGroup: ctx.input.modelPackageGroup };
}

type BakeEnd = { kind: 'verdict'; verdict: HealthVerdict } | { kind: 'rollback' } | { kind: 'promote' };

/** Runs one bake; a rollback or promote command interrupts it by cancelling the watch. */
async function bake(ctx: RolloutContext, canaryWeight: number, stableVariant?: string): Promise<BakeEnd> {
  const d = ctx.input.deployment;
  const watchHealth = healthWatch(
    d.bakeSeconds,
    d.health.maxWaitForEvidenceSeconds,
    d.healthCheckIntervalSeconds,
  );
  const scope = new CancellationScope();
  let verdict: HealthVerdict | undefined;
  let failure: unknown;
  const watching = scope
    .run(() =>
      watchHealth({
        endpointName: d.productionEndpointName,
        canaryVariant: ctx.names.canaryVariantName,
        ...(stableVariant ? { stableVariant } : {}),
        canaryWeight,
        sinceEpochMs: Date.now(),
        bakeSeconds: d.bakeSeconds,
        intervalSeconds: d.healthCheckIntervalSeconds,
        policy: d.health,
      }),
    )
    .then(
      (v) => void (verdict = v),
      (err) => void (failure = err),
    );
  await condition(
    () => verdict !== undefined || failure !== undefined || !!ctx.inbox.rollback || !!ctx.inbox.promote,
  );
  if (verdict) return { kind: 'verdict', verdict };
  if (failure && !isCancellation(failure)) throw failure;
  scope.cancel();
  await watching;
  if (failure && isCancellation(failure) && !ctx.inbox.rollback && !ctx.inbox.promote) throw failure;
  return ctx.inbox.rollback ? { kind: 'rollback' } : { kind: 'promote' };
}

function stableOf(endpoint: EndpointSnapshot): ServingVariant {
  return [...endpoint.variants].sort((a, b) => b.weight - a.weight)[0]!;
}

/** Puts the endpoint on a one-variant config and waits until it serves from it. */
async function switchToSingleVariant(
  ctx: RolloutContext,
  endpointConfigName: string,
  variant: { variantName: string; modelName: string; initialInstanceCount: number },
): Promise<void> {
  const d = ctx.input.deployment;
  const endpoints = endpointCalls(d.endpointPollSeconds, d.endpointTimeoutSeconds);
  const endpointName = d.productionEndpointName;
  await aws.createEndpointConfig({
    endpointConfigName,
    variants: [{ ...variant, initialWeight: 1, instanceType: d.instanceType }],
    owner: ownerOf(ctx),
  });
  await endpoints.deployEndpointConfig({ endpointName, endpointConfigName, owner: ownerOf(ctx) });
  await endpoints.awaitEndpointInService({ endpointName, endpointConfigName });
}

async function notifyOutcome(
  ctx: RolloutContext,
  kind: 'promoted' | 'rolled-back',
  reason: string,
  evidence?: HealthVerdict,
): Promise<void> {
  const { state } = ctx.record;
  await aws.notify({
    kind,
    workflowId: state.workflowId,
    modelPackageGroup: ctx.input.modelPackageGroup,
    modelPackageArn: state.modelPackageArn!,
    modelVersion: state.modelVersion!,
    endpointName: ctx.input.deployment.productionEndpointName,
    reason,
    ...(evidence ? { evidence } : {}),
  });
}

export type RolloutOutcome = 'promoted' | 'rolled-back';

export async function rollOut(ctx: RolloutContext): Promise<RolloutOutcome> {
  const { input, names, record, inbox } = ctx;
  const d = input.deployment;
  const endpoints = endpointCalls(d.endpointPollSeconds, d.endpointTimeoutSeconds);
  const endpointName = d.productionEndpointName;
  const current = await aws.describeEndpoint(endpointName);
  const stable = current ? stableOf(current) : undefined;
  record.state.canary = {
    endpointName,
    firstDeployment: !stable,
    ...(stable ? { stableVariant: stable.variantName } : {}),
    canaryVariant: names.canaryVariantName,
    steps: stable ? d.canarySteps : [100],
    stepIndex: -1,
    canaryWeight: 0,
    paused: false,
  };
  const canary = record.state.canary;
  const newVariant = {
    variantName: names.canaryVariantName,
    modelName: names.modelName,
    instanceType: d.instanceType,
    initialInstanceCount: d.initialInstanceCount,
  };
  record.enter('deploying-canary', 'workflow', stable ? `next to ${stable.variantName}` : 'first deployment');

  try {
    if (stable) {
      await aws.createEndpointConfig({
        endpointConfigName: names.canaryConfigName,
        variants: [
          {
            ...newVariant,
            variantName: stable.variantName,
            modelName: stable.modelName,
            initialWeight: 100,
            initialInstanceCount: stable.instanceCount,
          },
          { ...newVariant, initialWeight: 0 },
        ],
        owner: ownerOf(ctx),
      });
      await endpoints.deployEndpointConfig({
        endpointName,
        endpointConfigName: names.canaryConfigName,
        owner: ownerOf(ctx),
      });
      await endpoints.awaitEndpointInService({ endpointName, endpointConfigName: names.canaryConfigName });
    } else {
      await switchToSingleVariant(ctx, names.promotedConfigName, newVariant);
    }
    record.enter('canary', 'workflow');

    for (let i = 0; i < canary.steps.length; i++) {
      await condition(() => !inbox.paused || !!inbox.rollback || !!inbox.promote);
      if (inbox.rollback || inbox.promote) break;
      const weight = canary.steps[i]!;
      if (stable) {
        await endpoints.setVariantWeights({
          endpointName,
          weights: { [stable.variantName]: 100 - weight, [names.canaryVariantName]: weight },
        });
        await endpoints.awaitEndpointInService({ endpointName });
      }
      canary.stepIndex = i;
      canary.canaryWeight = weight;
      canary.bakeStartedAt = new Date().toISOString();
      record.explain();
      const end = await bake(ctx, weight, stable?.variantName);
      if (end.kind !== 'verdict') break;
      record.verdict(end.verdict);
      if (end.verdict.status !== 'healthy') {
        const why =
          end.verdict.status === 'unhealthy'
            ? end.verdict.reasons.join('; ')
            : 'not enough traffic for a verdict (fail-safe)';
        await rollBack(ctx, stable, {
          by: 'health-check',
          reason: `step ${weight}%: ${why}`,
          evidence: end.verdict,
        });
        return 'rolled-back';
      }
    }
    if (inbox.rollback) {
      await rollBack(ctx, stable, inbox.rollback);
      return 'rolled-back';
    }
    await promote(ctx, stable, inbox.promote?.by ?? 'workflow');
    return 'promoted';
  } catch (err) {
    if (!isCancellation(err)) throw err;
    await CancellationScope.nonCancellable(() =>
      rollBack(ctx, stable, { by: 'operator', reason: 'lifecycle cancelled' }, 'cancelled'),
    );
    throw err;
  }
}

/**
 * Back to the stable version: weights first (seconds), then the stable-only config, then the
 * package marked Rejected with the evidence. On a first deployment there is nothing stable to go
 * back to, so the new endpoint is deleted rather than left serving an unhealthy model.
 */
async function rollBack(
  ctx: RolloutContext,
  stable: ServingVariant | undefined,
  why: { by: string; reason: string; evidence?: HealthVerdict },
  finalStage: 'rolled-back' | 'cancelled' = 'rolled-back',
): Promise<void> {
  const { input, names, record } = ctx;
  const d = input.deployment;
  const endpoints = endpointCalls(d.endpointPollSeconds, d.endpointTimeoutSeconds);
  const endpointName = d.productionEndpointName;
  record.state.rollback = {
    by: why.by,
    reason: why.reason,
    at: new Date().toISOString(),
    ...(why.evidence ? { evidence: why.evidence } : {}),
  };
  record.enter('rolling-back', why.by, why.reason);
  if (stable) {
    const live = await aws.describeEndpoint(endpointName);
    if (live?.variants.some((v) => v.variantName === names.canaryVariantName)) {
      await endpoints.setVariantWeights({
        endpointName,
        weights: { [stable.variantName]: 100, [names.canaryVariantName]: 0 },
      });
      await endpoints.awaitEndpointInService({ endpointName });
    }
    await switchToSingleVariant(ctx, names.rollbackConfigName, {
      variantName: stable.variantName,
      modelName: stable.modelName,
      initialInstanceCount: stable.instanceCount,
    });
    await aws.deleteEndpointConfig(names.canaryConfigName, ownerOf(ctx));
  } else {
    await endpoints.deleteEndpoint(endpointName, ownerOf(ctx));
    await aws.deleteEndpointConfig(names.promotedConfigName, ownerOf(ctx));
  }
  const description = `rolled back by ${why.by}: ${why.reason}`;
  await aws.recordApprovalDecision({
    modelPackageArn: record.state.modelPackageArn!,
    status: 'Rejected',
    description: description.slice(0, 1000),
    decidedBy: why.by,
  });
  await notifyOutcome(ctx, 'rolled-back', why.reason, why.evidence);
  record.finish(
    finalStage,
    why.by,
    stable
      ? `${endpointName} serves ${stable.variantName} again: ${why.reason}`
      : `${endpointName} deleted: ${why.reason}`,
  );
}

/** Single-variant config with the new version; the previous model is kept for a quick rollback. */
async function promote(ctx: RolloutContext, stable: ServingVariant | undefined, by: string): Promise<void> {
  const { input, names, record } = ctx;
  const d = input.deployment;
  const endpointName = d.productionEndpointName;
  record.enter('promoting', by);
  if (stable) {
    await switchToSingleVariant(ctx, names.promotedConfigName, {
      variantName: names.canaryVariantName,
      modelName: names.modelName,
      initialInstanceCount: d.initialInstanceCount,
    });
    await aws.deleteEndpointConfig(names.canaryConfigName, ownerOf(ctx));
  }
  await aws.markServing({
    modelPackageArn: record.state.modelPackageArn!,
    endpointName,
    since: new Date().toISOString(),
    ...(stable?.modelPackageArn ? { replacedModelPackageArn: stable.modelPackageArn } : {}),
  });
  await aws.pruneRetiredModels({
    modelPackageGroup: input.modelPackageGroup,
    keep: stable ? [names.modelName, stable.modelName] : [names.modelName],
    retain: input.retainPreviousVersions,
  });
  await notifyOutcome(ctx, 'promoted', `serving 100 % after ${record.state.verdicts.length} healthy bake(s)`);
  record.finish('promoted', by, `${endpointName} serves v${record.state.modelVersion}`);
}
