/**
 * Strategy `guardrails`: instead of driving the weights itself, the lifecycle hands the deployment to
 * SageMaker. It creates the single-variant config of the new version and CloudWatch alarms on that
 * variant's 5xx rate and p99 latency (plus the input's own alarms), starts UpdateEndpoint with a
 * blue/green DeploymentConfig (CANARY or LINEAR traffic routing, AutoRollbackConfiguration with the
 * alarms), follows it to its end and records SageMaker's outcome. Deployed → the caller promotes
 * (registry marks, pruning); rolled back by SageMaker → the caller's rollback (already on stable:
 * package Rejected with SageMaker's FailureReason). The alarms it created are deleted on every path.
 * Operator commands other than cancel do not apply: SageMaker decides.
 */
import { CancellationScope, proxyActivities } from '@temporalio/workflow';
import type { LifecycleActivities, ServingVariant } from '../src/shared/activity-contracts';
import { guardrailsScheduleSeconds } from '../src/shared/lifecycle-input';
import { ErrorTypes } from '../src/shared/activity-contracts';
import { aws } from './activity-proxies';
import { bestEffort } from './best-effort';
import { promotedInstances } from './capacity';
import type { RollbackReason, RolloutContext } from './production-rollout';

export type GuardrailsEnd = { kind: 'promote'; by: string } | { kind: 'rollback'; why: RollbackReason };

/** Following SageMaker's deployment: a poll (activity retries) bounded by the deployment's own timeout. */
function followCalls(pollSeconds: number, timeoutSeconds: number) {
  return proxyActivities<Pick<LifecycleActivities, 'followGuardedUpdate'>>({
    startToCloseTimeout: '30 seconds',
    heartbeatTimeout: '15 seconds',
    scheduleToCloseTimeout: timeoutSeconds * 1000,
    retry: {
      initialInterval: pollSeconds * 1000,
      backoffCoefficient: 1,
      nonRetryableErrorTypes: [ErrorTypes.Validation, ErrorTypes.EndpointFailed, ErrorTypes.NotFound],
    },
  });
}

export async function runGuardrails(ctx: RolloutContext, stable: ServingVariant): Promise<GuardrailsEnd> {
  const { input, names, record } = ctx;
  const d = input.deployment;
  const g = d.guardrails;
  const endpointName = d.productionEndpointName;
  const owner = { lifecycleId: record.state.workflowId, modelPackageGroup: input.modelPackageGroup };
  const instances = promotedInstances(d.initialInstanceCount, stable.instanceCount);
  const state = (record.state.guardrails = {
    endpointName,
    trafficRouting: g.trafficRouting,
    stepPercent: g.stepPercent,
    waitIntervalSeconds: g.waitIntervalSeconds,
    terminationWaitSeconds: g.terminationWaitSeconds,
    alarms: [...d.health.alarmNames],
    createdAlarms: [] as string[],
    instances,
  });
  record.enter(
    'guardrails',
    'workflow',
    `SageMaker ${g.trafficRouting} ${g.stepPercent}% blue/green next to ${stable.variantName}`,
  );

  await aws.createEndpointConfig({
    endpointConfigName: names.promotedConfigName,
    variants: [
      {
        variantName: names.canaryVariantName,
        modelName: names.modelName,
        initialWeight: 1,
        instanceType: d.instanceType,
        initialInstanceCount: instances,
      },
    ],
    owner,
  });
  try {
    state.createdAlarms = await aws.createRollbackAlarms({
      endpointName,
      variantName: names.canaryVariantName,
      alarmPrefix: names.promotedConfigName,
      maxErrorRate: d.health.maxErrorRate,
      maxLatencyMs: d.health.maxLatencyMs,
      periodSeconds: d.health.metricPeriodSeconds,
      datapointsToAlarm: g.alarmDatapoints,
      evaluationPeriods: g.alarmEvaluationPeriods,
    });
    state.alarms = [...state.createdAlarms, ...d.health.alarmNames];
    await proxyActivities<Pick<LifecycleActivities, 'startGuardedUpdate'>>({
      startToCloseTimeout: '30 seconds',
      heartbeatTimeout: '15 seconds',
      scheduleToCloseTimeout: d.endpointTimeoutSeconds * 1000,
      retry: {
        initialInterval: d.endpointPollSeconds * 1000,
        backoffCoefficient: 1,
        nonRetryableErrorTypes: [ErrorTypes.Validation, ErrorTypes.EndpointFailed, ErrorTypes.NotFound],
      },
    }).startGuardedUpdate({
      endpointName,
      endpointConfigName: names.promotedConfigName,
      trafficRouting: g.trafficRouting,
      stepPercent: g.stepPercent,
      waitIntervalSeconds: g.waitIntervalSeconds,
      terminationWaitSeconds: g.terminationWaitSeconds,
      maximumExecutionTimeoutSeconds: g.maximumExecutionTimeoutSeconds,
      alarmNames: state.alarms,
    });
    Object.assign(state, { startedAt: new Date().toISOString() });
    record.explain();
    const bound = Math.min(
      g.maximumExecutionTimeoutSeconds,
      guardrailsScheduleSeconds(g) + d.endpointTimeoutSeconds,
    );
    const end = await followCalls(
      d.endpointPollSeconds,
      bound + d.endpointTimeoutSeconds,
    ).followGuardedUpdate({
      endpointName,
      endpointConfigName: names.promotedConfigName,
    });
    Object.assign(state, {
      outcome: end.outcome,
      ...(end.failureReason ? { failureReason: end.failureReason } : {}),
      ...(end.lastDeploymentConfig ? { lastDeploymentConfig: end.lastDeploymentConfig } : {}),
    });
    record.explain();
    if (end.outcome === 'deployed') return { kind: 'promote', by: 'sagemaker' };
    // SageMaker has put the endpoint back on the old config: the new one is no longer in use.
    await bestEffort(record, `delete ${names.promotedConfigName}`, () =>
      aws.deleteEndpointConfig(names.promotedConfigName, owner),
    );
    return {
      kind: 'rollback',
      why: {
        cause: 'health',
        by: 'sagemaker',
        reason: `SageMaker rolled the deployment back: ${end.failureReason ?? 'no failure reason given'}`,
      },
    };
  } finally {
    await CancellationScope.nonCancellable(async () => {
      if (state.createdAlarms.length === 0) return;
      let deleted = false;
      await bestEffort(record, `delete alarms ${state.createdAlarms.join(', ')}`, async () => {
        await aws.deleteAlarms(state.createdAlarms);
        deleted = true;
      });
      Object.assign(state, { alarmsDeleted: deleted });
    });
  }
}
