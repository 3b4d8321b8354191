/**
 * The optional shadow stage, before the canary: the new version runs as a shadow variant
 * (`ShadowProductionVariants`) next to the stable one, receives a copy of `trafficPercent` % of
 * production requests and answers nobody. Its 5xx and latency are judged against the stable variant
 * in the same window, by the canary's rule (the same watchHealth), with a budget of its own.
 *
 * Healthy: the canary goes on (its config replaces the shadow config in one UpdateEndpoint).
 * Unhealthy, or no verdict (fail-safe): the caller rolls back, which puts the endpoint on the stable
 * variant alone and rejects the package with the evidence; no user was ever served by the version.
 * Any failure in here is the rollout's (production-rollout.ts compensates it the same way).
 */
import type { ServingVariant } from '../src/shared/activity-contracts';
import { aws, endpointCalls, healthWatch } from './activity-proxies';
import { bestEffort } from './best-effort';
import { canaryInstances } from './capacity';
import { interruptible } from './interruptible';
import type { RollbackReason, RolloutContext } from './production-rollout';

/**
 * The shadow serves no user: judged as a step of weight 0 in a ramp of its own, so every test,
 * comparisons with stable included, gets its share of the lifecycle's α (the canary keeps its own).
 */
const SHADOW_STEP = 0;

/** Returns why to roll back, or undefined when the canary may proceed. */
export async function runShadowStage(
  ctx: RolloutContext,
  stable: ServingVariant | undefined,
): Promise<RollbackReason | undefined> {
  const { input, names, record, inbox } = ctx;
  const d = input.deployment;
  const shadow = d.shadow;
  if (!shadow) return undefined;
  const endpointName = d.productionEndpointName;
  if (!stable) {
    // A first deployment has no production traffic to copy.
    record.state.shadow = {
      endpointName,
      stableVariant: '',
      shadowVariant: names.shadowVariantName,
      trafficPercent: shadow.trafficPercent,
      instances: 0,
      skipped: 'first deployment: no production traffic to copy',
    };
    return undefined;
  }
  const instances = canaryInstances(shadow.trafficPercent, stable.instanceCount);
  const state = (record.state.shadow = {
    endpointName,
    stableVariant: stable.variantName,
    shadowVariant: names.shadowVariantName,
    trafficPercent: shadow.trafficPercent,
    instances,
  });
  record.enter(
    'shadow',
    'workflow',
    `${shadow.trafficPercent}% of ${stable.variantName}'s requests copied to ${names.shadowVariantName}`,
  );
  const owner = { lifecycleId: record.state.workflowId, modelPackageGroup: input.modelPackageGroup };
  const endpoints = endpointCalls(d.endpointPollSeconds, d.endpointTimeoutSeconds);
  const rollbackAsked = () => !!inbox.rollback;
  const operator = (): RollbackReason => ({
    cause: 'operator',
    by: inbox.rollback!.by,
    reason: inbox.rollback!.reason,
  });

  const deployed = await interruptible(async () => {
    await aws.createEndpointConfig({
      endpointConfigName: names.shadowConfigName,
      variants: [
        {
          variantName: stable.variantName,
          modelName: stable.modelName,
          initialWeight: 1,
          instanceType: d.instanceType,
          initialInstanceCount: stable.instanceCount,
        },
      ],
      // SageMaker copies the shadow's weight relative to the production variant's share of requests.
      shadowVariants: [
        {
          variantName: names.shadowVariantName,
          modelName: names.modelName,
          initialWeight: shadow.trafficPercent / 100,
          instanceType: d.instanceType,
          initialInstanceCount: instances,
        },
      ],
      owner,
    });
    await endpoints.deployEndpointConfig({ endpointName, endpointConfigName: names.shadowConfigName, owner });
    await endpoints.awaitEndpointInService({ endpointName, endpointConfigName: names.shadowConfigName });
  }, rollbackAsked);
  if (!deployed.done) return operator();

  const since = Date.now();
  Object.assign(state, { startedAt: new Date(since).toISOString() });
  record.explain();
  const watchHealth = healthWatch(shadow.bakeSeconds, d.health.maxWaitForEvidenceSeconds);
  const baked = await interruptible(
    () =>
      watchHealth({
        endpointName,
        canaryVariant: names.shadowVariantName,
        stableVariant: stable.variantName,
        canaryWeight: SHADOW_STEP,
        canarySteps: [SHADOW_STEP],
        stepIndex: 0,
        sinceEpochMs: since,
        bakeSeconds: shadow.bakeSeconds,
        intervalSeconds: d.healthCheckIntervalSeconds,
        policy: d.health,
      }),
    rollbackAsked,
  );
  if (!baked.done) return operator();
  const verdict = baked.value;
  Object.assign(state, { verdict });
  record.explain();
  if (verdict.status === 'healthy') return undefined;
  const why =
    verdict.status === 'unhealthy'
      ? verdict.reasons.join('; ')
      : 'not enough traffic for a verdict (fail-safe)';
  return { cause: 'shadow', by: 'health-check', reason: `shadow: ${why}`, evidence: verdict };
}

/** Clean-up once the endpoint no longer runs the shadow config (promoted or rolled back). */
export async function deleteShadowConfig(ctx: RolloutContext): Promise<void> {
  const shadow = ctx.record.state.shadow;
  if (!shadow || shadow.skipped) return;
  const owner = { lifecycleId: ctx.record.state.workflowId, modelPackageGroup: ctx.input.modelPackageGroup };
  await bestEffort(ctx.record, `delete ${ctx.names.shadowConfigName}`, () =>
    aws.deleteEndpointConfig(ctx.names.shadowConfigName, owner),
  );
}
