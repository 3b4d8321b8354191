/**
 * Production: the first deployment (a new endpoint, watched at 100 %) or a canary next to the stable
 * variant through the configured steps, ending in promotion or rollback.
 *
 * Compensation, saga-style but converging: once production may have changed, ANY failure (an AWS
 * error after its retries, a health watch out of attempts, an endpoint timeout, a cancellation)
 * restores the stable variant alone, reading the live endpoint to decide what is left to undo. If
 * even that cannot complete, the lifecycle keeps the endpoint lock and waits in `needs-attention`
 * for an operator: `retry-rollback`, or `release` after a manual fix. It never ends with two
 * variants serving. Clean-up after the endpoint is safe, and notifications, are best-effort.
 */
import {
  ApplicationFailure,
  CancellationScope,
  condition,
  isCancellation,
  patched,
} from '@temporalio/workflow';
import {
  ErrorTypes,
  isApprovedServing,
  type EndpointSnapshot,
  type HealthVerdict,
  type ServingVariant,
} from '../src/shared/activity-contracts';
import type { LifecycleInput } from '../src/shared/lifecycle-input';
import type { RollbackCause } from '../src/shared/lifecycle-state';
import type { ResourceNames } from '../src/shared/resource-names';
import { aws, endpointCalls, healthWatch, rollbackCalls } from './activity-proxies';
import { bestEffort, notifyBestEffort } from './best-effort';
import { canaryInstances, promotedInstances } from './capacity';
import type { CommandInbox } from './commands';
import { failureText } from './failure-text';
import { interruptible } from './interruptible';
import type { LifecycleRecord } from './lifecycle-record';
import { runGuardrails } from './guardrails-rollout';
import { deleteShadowConfig, runShadowStage } from './shadow-stage';
import { baselineOf, WATCH_PATCH, watchSecondsOf } from './post-promotion-watch';

export interface RolloutContext {
  input: LifecycleInput;
  names: ResourceNames;
  record: LifecycleRecord;
  inbox: CommandInbox;
  /** Set once promotion marked the new version as serving: a rollback after that moves the mark back. */
  markedServing?: boolean;
}

export type RolloutOutcome = 'promoted' | 'rolled-back' | 'released';

export interface RollbackReason {
  cause: RollbackCause;
  by: string;
  reason: string;
  evidence?: HealthVerdict;
}

type StepsEnd = { kind: 'promote'; by: string } | { kind: 'rollback'; why: RollbackReason };

/** Whom the resources this rollout creates belong to (their ownership tags). */
function ownerOf(ctx: RolloutContext) {
  return { lifecycleId: ctx.record.state.workflowId, modelPackageGroup: ctx.input.modelPackageGroup };
}

const operatorRollback = (inbox: CommandInbox): RollbackReason => ({
  cause: 'operator',
  by: inbox.rollback!.by,
  reason: inbox.rollback!.reason,
});

/**
 * The variant to go back to: the endpoint's only variant, from a package that is Approved and marked
 * as serving this endpoint. Anything else (a leftover canary, a hand-made model, two variants) is
 * refused before production is touched: guessing "stable" could make an unvetted model the fallback.
 * This lifecycle's own canary (same derived variant and model names) is not "another" variant: a run
 * reset past its lock request finds the canary its earlier run deployed, and carries on from there.
 */
function stableOf(endpoint: EndpointSnapshot, names: ResourceNames): ServingVariant | undefined {
  const ownCanary = (v: ServingVariant) =>
    v.variantName === names.canaryVariantName && v.modelName === names.modelName;
  const ownShadow = (v: ServingVariant) =>
    v.variantName === names.shadowVariantName && v.modelName === names.modelName;
  const foreign = endpoint.variants.filter((v) => !ownCanary(v));
  const foreignShadows = (endpoint.shadowVariants ?? []).filter((v) => !ownShadow(v));
  // Only our own variant: a first deployment whose earlier run created the endpoint.
  if (foreign.length === 0 && endpoint.variants.length > 0) return undefined;
  const [only, ...others] = foreign;
  if (only && others.length === 0 && foreignShadows.length === 0 && isApprovedServing(only)) return only;
  const seen = [
    ...endpoint.variants,
    ...(endpoint.shadowVariants ?? []).map((v) => ({ ...v, weight: 'shadow' })),
  ]
    .map(
      (v) =>
        `${v.variantName} (weight ${v.weight}, model ${v.modelName}, package ${v.modelPackageArn ?? 'none'}, ` +
        `${v.approvalStatus ?? 'no approval status'}, ${v.markedServing ? 'marked serving' : 'not marked serving'})`,
    )
    .join('; ');
  throw ApplicationFailure.nonRetryable(
    `endpoint ${endpoint.endpointName} does not serve exactly one approved version marked as serving it: ${seen || 'no variants'}. ` +
      'Put it on one approved version (or finish the deployment that left it so) and start again.',
    ErrorTypes.NoStableVersion,
  );
}

function endpointsOf(ctx: RolloutContext) {
  const d = ctx.input.deployment;
  return endpointCalls(d.endpointPollSeconds, d.endpointTimeoutSeconds);
}

/** Puts the endpoint on a one-variant config and waits until it serves from it. */
async function switchToSingleVariant(
  ctx: RolloutContext,
  endpointConfigName: string,
  variant: { variantName: string; modelName: string; initialInstanceCount: number },
): Promise<void> {
  const d = ctx.input.deployment;
  const endpoints = endpointsOf(ctx);
  const endpointName = d.productionEndpointName;
  await aws.createEndpointConfig({
    endpointConfigName,
    variants: [{ ...variant, initialWeight: 1, instanceType: d.instanceType }],
    owner: ownerOf(ctx),
  });
  await endpoints.deployEndpointConfig({ endpointName, endpointConfigName, owner: ownerOf(ctx) });
  await endpoints.awaitEndpointInService({ endpointName, endpointConfigName });
}

/** The two-variant config (stable 100, canary 0), or the new endpoint of a first deployment. */
async function deployCanary(ctx: RolloutContext, stable: ServingVariant | undefined): Promise<void> {
  const { input, names } = ctx;
  const d = input.deployment;
  const endpointName = d.productionEndpointName;
  const newVariant = {
    variantName: names.canaryVariantName,
    modelName: names.modelName,
    instanceType: d.instanceType,
  };
  if (!stable) {
    const count = promotedInstances(d.initialInstanceCount, undefined);
    ctx.record.state.canary!.instances = { canary: count };
    await switchToSingleVariant(ctx, names.promotedConfigName, {
      ...newVariant,
      initialInstanceCount: count,
    });
    return;
  }
  const canaryCount = canaryInstances(0, stable.instanceCount);
  ctx.record.state.canary!.instances = { stable: stable.instanceCount, canary: canaryCount };
  const endpoints = endpointsOf(ctx);
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
      { ...newVariant, initialWeight: 0, initialInstanceCount: canaryCount },
    ],
    owner: ownerOf(ctx),
  });
  await endpoints.deployEndpointConfig({
    endpointName,
    endpointConfigName: names.canaryConfigName,
    owner: ownerOf(ctx),
  });
  await endpoints.awaitEndpointInService({ endpointName, endpointConfigName: names.canaryConfigName });
}

/**
 * Holds while paused, up to the pause limit (the lock is held meanwhile, so it cannot be forever).
 * Returns why to roll back when the limit is reached.
 */
async function holdWhilePaused(ctx: RolloutContext): Promise<RollbackReason | undefined> {
  const { inbox } = ctx;
  const limit = ctx.input.deployment.maxPauseSeconds;
  const released = await condition(() => !inbox.paused || !!inbox.rollback || !!inbox.promote, limit * 1000);
  if (released) return undefined;
  return { cause: 'pause-limit', by: 'workflow', reason: `paused for longer than the ${limit} s limit` };
}

/**
 * Before production is touched: what the health checks can detect at this endpoint's traffic, in the
 * state, with a warning when the bake is too short to see a doubled error rate. Informative only.
 */
async function stateDetectability(ctx: RolloutContext, stable: ServingVariant | undefined): Promise<void> {
  const d = ctx.input.deployment;
  await bestEffort(ctx.record, 'assess what the canary can detect', async () => {
    const report = await aws.assessDetectability({
      endpointName: d.productionEndpointName,
      ...(stable ? { stableVariant: stable.variantName } : {}),
      canarySteps: ctx.record.state.canary!.steps,
      bakeSeconds: d.bakeSeconds,
      policy: d.health,
    });
    ctx.record.state.detectability = report;
    if (report.warning) ctx.record.warn(`detectability: ${report.warning}`);
  });
}

/** Runs one bake; a rollback or promote command interrupts it by cancelling the watch. */
async function bake(ctx: RolloutContext, stepIndex: number, stableVariant?: string) {
  const canary = ctx.record.state.canary!;
  const canaryWeight = canary.steps[stepIndex]!;
  const d = ctx.input.deployment;
  const watchHealth = healthWatch(d.bakeSeconds, d.health.maxWaitForEvidenceSeconds);
  return interruptible(
    () =>
      watchHealth({
        endpointName: d.productionEndpointName,
        canaryVariant: ctx.names.canaryVariantName,
        ...(stableVariant ? { stableVariant } : {}),
        canaryWeight,
        canarySteps: canary.steps,
        stepIndex,
        sinceEpochMs: Date.now(),
        bakeSeconds: d.bakeSeconds,
        intervalSeconds: d.healthCheckIntervalSeconds,
        policy: d.health,
      }),
    () => !!ctx.inbox.rollback || !!ctx.inbox.promote,
  );
}

/** The steps with their bakes; ends in what to do next. Commands are honoured between every two calls. */
async function runSteps(ctx: RolloutContext, stable: ServingVariant | undefined): Promise<StepsEnd> {
  const { inbox, record, names } = ctx;
  const canary = record.state.canary!;
  const endpointName = ctx.input.deployment.productionEndpointName;
  const endpoints = endpointsOf(ctx);
  const commanded = (): StepsEnd | undefined =>
    inbox.rollback
      ? { kind: 'rollback', why: operatorRollback(inbox) }
      : inbox.promote
        ? { kind: 'promote', by: inbox.promote.by }
        : undefined;

  for (let i = 0; i < canary.steps.length; i++) {
    const pauseLimit = await holdWhilePaused(ctx);
    if (pauseLimit) return { kind: 'rollback', why: pauseLimit };
    const before = commanded();
    if (before) return before;

    const weight = canary.steps[i]!;
    if (stable) {
      const canaryCount = canaryInstances(weight, stable.instanceCount);
      // A rollback cuts the weight change short; a promote lets it finish (it moves the right way).
      const changed = await interruptible(
        async () => {
          await endpoints.setVariantWeights({
            endpointName,
            weights: { [stable.variantName]: 100 - weight, [names.canaryVariantName]: weight },
            instanceCounts: { [names.canaryVariantName]: canaryCount },
          });
          await endpoints.awaitEndpointInService({ endpointName, weightsSettled: true });
        },
        () => !!inbox.rollback,
      );
      if (!changed.done) return { kind: 'rollback', why: operatorRollback(inbox) };
      canary.instances = { stable: stable.instanceCount, canary: canaryCount };
    }
    canary.stepIndex = i;
    canary.canaryWeight = weight;
    canary.bakeStartedAt = new Date().toISOString();
    record.explain();

    const baked = await bake(ctx, i, stable?.variantName);
    if (!baked.done) return commanded()!;
    const verdict = baked.value;
    record.verdict(verdict);
    if (verdict.status !== 'healthy') {
      const why =
        verdict.status === 'unhealthy'
          ? verdict.reasons.join('; ')
          : 'not enough traffic for a verdict (fail-safe)';
      return {
        kind: 'rollback',
        why: { cause: 'health', by: 'health-check', reason: `step ${weight}%: ${why}`, evidence: verdict },
      };
    }
  }
  // A pause that arrived during the last bake holds here, before promotion.
  const pauseLimit = await holdWhilePaused(ctx);
  if (pauseLimit) return { kind: 'rollback', why: pauseLimit };
  return commanded() ?? { kind: 'promote', by: 'workflow' };
}

export async function rollOut(ctx: RolloutContext): Promise<RolloutOutcome> {
  const { input, names, record, inbox } = ctx;
  const d = input.deployment;
  const endpointName = d.productionEndpointName;
  const current = await aws.describeEndpoint(endpointName);
  const stable = current ? stableOf(current, names) : undefined;
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
  await stateDetectability(ctx, stable);

  try {
    const shadowFailed = await runShadowStage(ctx, stable);
    if (shadowFailed) return await rollBack(ctx, stable, shadowFailed);
    if (d.strategy === 'guardrails' && stable) {
      // SageMaker shifts the traffic and decides; a first deployment has no blue fleet, so it is the workflow's.
      const end = await runGuardrails(ctx, stable);
      if (end.kind === 'rollback') return await rollBack(ctx, stable, end.why);
      await promote(ctx, stable, end.by);
      return 'promoted';
    }
    record.enter(
      'deploying-canary',
      'workflow',
      stable ? `next to ${stable.variantName}` : 'first deployment',
    );
    const deployed = await interruptible(
      () => deployCanary(ctx, stable),
      () => !!inbox.rollback,
    );
    if (!deployed.done) return await rollBack(ctx, stable, operatorRollback(inbox));
    record.enter('canary', 'workflow');
    const end = await runSteps(ctx, stable);
    if (end.kind === 'rollback') return await rollBack(ctx, stable, end.why);
    await promote(ctx, stable, end.by);
    return 'promoted';
  } catch (err) {
    const why: RollbackReason = isCancellation(err)
      ? { cause: 'cancelled', by: 'operator', reason: 'lifecycle cancelled' }
      : { cause: 'failure', by: 'workflow', reason: `${record.state.stage} failed: ${failureText(err)}` };
    await CancellationScope.nonCancellable(() => rollBack(ctx, stable, why));
    throw err;
  }
}

/**
 * Production back on the stable variant alone, from whatever state the rollout reached: any update
 * in flight is waited out, weights go to stable first (seconds), then the stable-only config. Safe
 * to run again after a partial run. Throws when it cannot get there.
 */
async function restoreStable(ctx: RolloutContext, stable: ServingVariant | undefined): Promise<void> {
  const { input, names } = ctx;
  const d = input.deployment;
  const endpointName = d.productionEndpointName;
  if (!stable) {
    // A first deployment has nothing to go back to: no endpoint beats one serving a bad model.
    await endpointsOf(ctx).deleteEndpoint(endpointName, ownerOf(ctx));
    return;
  }
  const urgent = rollbackCalls(d.endpointPollSeconds, d.endpointTimeoutSeconds);
  await urgent.awaitEndpointInService({ endpointName });
  const live = await aws.describeEndpoint(endpointName);
  if (!live) throw ApplicationFailure.nonRetryable(`endpoint ${endpointName} no longer exists`);
  const variantNames = live.variants.map((v) => v.variantName);
  if (variantNames.includes(stable.variantName) && variantNames.includes(names.canaryVariantName)) {
    await urgent.setVariantWeights({
      endpointName,
      weights: { [stable.variantName]: 100, [names.canaryVariantName]: 0 },
    });
    await urgent.awaitEndpointInService({ endpointName, weightsSettled: true });
  }
  const onStableAlone =
    !live.shadowVariants?.length &&
    live.variants.length === 1 &&
    live.variants[0]!.variantName === stable.variantName &&
    live.variants[0]!.modelName === stable.modelName;
  if (!onStableAlone) {
    await switchToSingleVariant(ctx, names.rollbackConfigName, {
      variantName: stable.variantName,
      modelName: stable.modelName,
      initialInstanceCount: stable.instanceCount,
    });
  }
}

/** Waits for an operator's answer; returns it. The endpoint lock stays held meanwhile. */
async function needsAttention(ctx: RolloutContext, problem: string) {
  const { record, inbox } = ctx;
  record.state.attention = {
    problem,
    since: new Date().toISOString(),
    accepts: ['retry-rollback', 'release'],
  };
  record.enter('needs-attention', 'workflow', problem);
  await notifyBestEffort(record, { kind: 'needs-attention', reason: problem });
  await condition(() => inbox.resolution !== undefined);
  const answer = inbox.resolution!;
  inbox.resolution = undefined;
  return answer;
}

/**
 * Back to the stable version, then the package marked Rejected with the evidence and a notification.
 * A rollback already under way keeps its first reason when it is run again (a cancel during it).
 */
async function rollBack(
  ctx: RolloutContext,
  stable: ServingVariant | undefined,
  why: RollbackReason,
): Promise<RolloutOutcome> {
  const { input, names, record } = ctx;
  const endpointName = input.deployment.productionEndpointName;
  const first = record.state.rollback;
  const cause = first?.cause ?? why.cause;
  record.state.rollback = first ?? {
    cause: why.cause,
    by: why.by,
    reason: why.reason,
    at: new Date().toISOString(),
    ...(why.evidence ? { evidence: why.evidence } : {}),
  };
  const { by, reason, evidence } = record.state.rollback;
  record.enter('rolling-back', by, reason);

  for (;;) {
    try {
      await restoreStable(ctx, stable);
      break;
    } catch (err) {
      if (isCancellation(err)) throw err;
      const answer = await needsAttention(ctx, `rollback could not complete: ${failureText(err)}`);
      if (answer.action === 'release') {
        await notifyBestEffort(record, { kind: 'released', reason: answer.reason });
        record.finish('released', answer.by, `released by ${answer.by} after a manual fix: ${answer.reason}`);
        return 'released';
      }
      record.enter('rolling-back', answer.by, `retry: ${answer.reason}`);
    }
  }

  if (stable) {
    await bestEffort(record, `delete ${names.canaryConfigName}`, () =>
      aws.deleteEndpointConfig(names.canaryConfigName, ownerOf(ctx)),
    );
    if (ctx.markedServing && stable.modelPackageArn) {
      // A promotion that got as far as marking the new version: the registry must say what serves.
      await bestEffort(record, 'mark the stable version as serving again', () =>
        aws.markServing({
          modelPackageArn: stable.modelPackageArn!,
          endpointName,
          since: new Date().toISOString(),
          replacedModelPackageArn: record.state.modelPackageArn!,
        }),
      );
    }
  } else {
    await bestEffort(record, `delete ${names.promotedConfigName}`, () =>
      aws.deleteEndpointConfig(names.promotedConfigName, ownerOf(ctx)),
    );
  }
  await deleteShadowConfig(ctx);
  const description = `rolled back by ${by}: ${reason}`;
  await bestEffort(record, 'mark the package Rejected', () =>
    aws.recordApprovalDecision({
      modelPackageArn: record.state.modelPackageArn!,
      status: 'Rejected',
      description: description.slice(0, 1000),
      decidedBy: by,
    }),
  );
  const kind = cause === 'shadow' ? 'shadow-rejected' : 'rolled-back';
  await notifyBestEffort(record, { kind, reason, ...(evidence ? { evidence } : {}) });
  record.finish(
    cause === 'cancelled' ? 'cancelled' : kind,
    by,
    stable
      ? `${endpointName} serves ${stable.variantName} again: ${reason}`
      : `${endpointName} deleted: ${reason}`,
  );
  return 'rolled-back';
}

/**
 * Single-variant config with the new version, marked as serving. A failure up to there is a failure
 * of the rollout (rolled back by the caller); what follows is clean-up and cannot change the outcome.
 */
async function promote(ctx: RolloutContext, stable: ServingVariant | undefined, by: string): Promise<void> {
  const { input, names, record } = ctx;
  const d = input.deployment;
  const endpointName = d.productionEndpointName;
  record.enter('promoting', by);
  if (stable) {
    const count = promotedInstances(d.initialInstanceCount, stable.instanceCount);
    await switchToSingleVariant(ctx, names.promotedConfigName, {
      variantName: names.canaryVariantName,
      modelName: names.modelName,
      initialInstanceCount: count,
    });
    record.state.canary!.instances = { canary: count };
  }
  ctx.markedServing = true; // before the call: a half-done mark must be moved back too
  await aws.markServing({
    modelPackageArn: record.state.modelPackageArn!,
    endpointName,
    since: new Date().toISOString(),
    ...(stable?.modelPackageArn ? { replacedModelPackageArn: stable.modelPackageArn } : {}),
  });
  if (stable) {
    await bestEffort(record, `delete ${names.canaryConfigName}`, () =>
      aws.deleteEndpointConfig(names.canaryConfigName, ownerOf(ctx)),
    );
  }
  await deleteShadowConfig(ctx);
  await bestEffort(record, 'prune retired models', () =>
    aws.pruneRetiredModels({
      modelPackageGroup: input.modelPackageGroup,
      keep: stable ? [names.modelName, stable.modelName] : [names.modelName],
      retain: input.retainPreviousVersions,
    }),
  );
  await notifyBestEffort(record, {
    kind: 'promoted',
    reason: `serving 100 % after ${record.state.verdicts.length} healthy bake(s)`,
  });
  // Runs promoted before the watch existed replay without it. A first deployment has no baseline
  // and nothing to revert to, so it is not watched.
  const watchSeconds = watchSecondsOf(input);
  if (stable && patched(WATCH_PATCH) && watchSeconds > 0) {
    // The lifecycle releases the endpoint lock and watches (post-promotion-watch.ts).
    record.state.watch = {
      watchSeconds,
      startedAt: new Date().toISOString(),
      baseline: baselineOf(record.state.verdicts, stable.variantName),
    };
    return;
  }
  record.finish('promoted', by, `${endpointName} serves v${record.state.modelVersion}`);
}
