/**
 * Rollback reaction: a bad version at its 10 % step on an endpoint with steady traffic, on the
 * emulator with a 1 s metric period. Measured from what the emulator served, sampled every 20 ms:
 * from the first request the canary variant serves to the moment it serves none (its CurrentWeight
 * is 0 or it is gone), and the canary's failed (5xx) or slow requests in between.
 *
 * Goal (issue 11): reaction ≤ one health-check interval + one metric period + 2 s; failed requests
 * ≤ 1.2 × canary share × rate × (interval + period).
 */
import { randomUUID } from 'node:crypto';
import type { LifecycleRequest } from '../../src/shared/lifecycle-input';
import { lifecycleWorkflowId } from '../../src/shared/lifecycle-input';
import type { LifecycleState } from '../../src/shared/lifecycle-state';
import { LIFECYCLE_WORKFLOW_TYPE } from '../../src/shared/messages';
import { EMULATOR_EXECUTION_ROLE_ARN } from '../../src/config';
import { seedProductionEndpoint } from '../../dev/seed-production';
import type { BenchStack } from './stack';

export const REACTION = {
  ratePerSecond: 50,
  healthCheckIntervalSeconds: 5,
  metricPeriodSeconds: 1,
  minInvocations: 20,
  canaryShare: 0.1,
  stableLatencyMs: 20,
};

export type Regression = 'errors-50%' | 'latency-10x';

export interface ReactionRun {
  regression: Regression;
  reactionSeconds: number;
  canaryRequests: number;
  failedRequests: number;
  slowRequests: number;
  stage: string;
  rollbackBy?: string;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The regression, applied to the new model when the production endpoint starts deploying it. Set in
 * its container environment instead, staging validation would judge it too, and at 50 % errors
 * reject it one time in four before it ever reached production (run of 2026-12-02 07:09).
 */
const badInProduction = (regression: Regression) =>
  regression === 'errors-50%'
    ? { errorRate: 0.5 }
    : { latencyMs: REACTION.stableLatencyMs * 10, latencyJitterMs: REACTION.stableLatencyMs };

function request(group: string, endpoint: string): LifecycleRequest {
  const id = randomUUID().slice(0, 8);
  return {
    modelPackageGroup: group,
    idempotencyKey: `bench-${id}`,
    registeredBy: 'bench@local',
    artifactUri: `s3://models/${id}/model.tar.gz`,
    inferenceImage: '123456789012.dkr.ecr.us-east-1.amazonaws.com/churn:2',
    // Good in staging; bad from the canary's deployment on (see `badInProduction`).
    environment: { EMULATOR_LATENCY_MS: String(REACTION.stableLatencyMs) },
    metrics: { auc: 0.91 },
    lineage: {
      datasetUri: 's3://data/churn',
      datasetVersion: '8',
      codeCommit: 'def456',
      trainingJobName: `train-${id}`,
    },
    samplePayloads: [{ contentType: 'application/json', body: '{"instances":[[0.2,0.8]]}' }],
    approval: { mode: 'automatic', thresholds: [{ metric: 'auc', op: '>=', value: 0.5 }] },
    deployment: {
      productionEndpointName: endpoint,
      bakeSeconds: 120,
      healthCheckIntervalSeconds: REACTION.healthCheckIntervalSeconds,
      endpointPollSeconds: 1,
      health: {
        metricPeriodSeconds: REACTION.metricPeriodSeconds,
        minInvocations: REACTION.minInvocations,
        maxWaitForEvidenceSeconds: 60,
      },
    },
  };
}

export async function measureReaction(
  stack: BenchStack,
  regression: Regression,
  run: number,
): Promise<ReactionRun> {
  const group = `rr${run}${regression.startsWith('errors') ? 'e' : 'l'}${randomUUID().slice(0, 4)}`;
  const endpoint = `${group}-prod`;
  await seedProductionEndpoint(stack.aws.sagemaker, {
    endpointName: endpoint,
    executionRoleArn: EMULATOR_EXECUTION_ROLE_ARN,
  });
  const traffic = stack.emulator.state.traffic;
  traffic.setRules([...traffic.rules, { endpoint, ratePerSecond: REACTION.ratePerSecond }]);
  const req = request(group, endpoint);
  const handle = await stack.client.workflow.start(LIFECYCLE_WORKFLOW_TYPE, {
    taskQueue: stack.taskQueue,
    workflowId: lifecycleWorkflowId(req.modelPackageGroup, req.idempotencyKey),
    args: [req],
  });
  const done = handle.result().then(
    () => true,
    () => true,
  );
  const { hosting, invocations } = stack.emulator.state;
  let firstServedAt: number | undefined;
  let madeBad = false;
  let result: Omit<ReactionRun, 'stage' | 'rollbackBy'> | undefined;
  const deadline = Date.now() + 300_000;
  while (!result && Date.now() < deadline) {
    const ep = hosting.findEndpoint(endpoint);
    // The canary config's update takes the emulator's update delay (2 s) before it serves: time enough.
    if (!madeBad && ep?.pending?.kind === 'update') {
      for (const v of ep.pending.variants.filter((x) => x.variantName !== 'v0'))
        hosting.setBehaviourOverride(v.modelName, badInProduction(regression));
      madeBad = true;
    }
    const canaryName = ep?.variants.find((v) => v.variantName !== 'v0')?.variantName;
    const counts = canaryName ? invocations.counts.get(`${endpoint}/${canaryName}`) : undefined;
    const now = Date.now();
    if (firstServedAt === undefined && counts && counts.invocations > 0) firstServedAt = now;
    if (firstServedAt !== undefined) {
      const canary = ep?.variants.find((v) => v.variantName === canaryName);
      if (!canary || canary.currentWeight === 0) {
        const served = [...invocations.counts.entries()].find(
          ([k]) => k.startsWith(`${endpoint}/`) && !k.endsWith('/v0'),
        )?.[1];
        result = {
          regression,
          reactionSeconds: (now - firstServedAt) / 1000,
          canaryRequests: served?.invocations ?? 0,
          failedRequests: served?.errors5xx ?? 0,
          slowRequests: regression === 'latency-10x' ? (served?.invocations ?? 0) : 0,
        };
      }
    }
    if (await Promise.race([done, sleep(20).then(() => false)])) {
      if (!result) break;
    }
  }
  await done;
  traffic.setRules(traffic.rules.filter((r) => r.endpoint !== endpoint));
  let state: LifecycleState | undefined;
  try {
    state = await handle.query<LifecycleState>('state');
  } catch {
    state = undefined;
  }
  if (!result)
    throw new Error(
      `run ${run} (${regression}): the canary never served or never stopped serving; stage ${state?.stage}`,
    );
  return {
    ...result,
    stage: state?.stage ?? 'unknown',
    ...(state?.rollback?.by ? { rollbackBy: state.rollback.by } : {}),
  };
}
