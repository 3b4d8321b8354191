/**
 * SKELETON (foundation issue): registers the version and waits for an approver's decision.
 * The lifecycle issue fills in staging, validation, canary, rollback and promotion.
 */
import {
  ApplicationFailure,
  condition,
  proxyActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { LifecycleActivities } from '../src/shared/activity-contracts';
import { parseLifecycleInput, type LifecycleRequest } from '../src/shared/lifecycle-input';
import type { LifecycleStage, LifecycleState } from '../src/shared/lifecycle-state';
import { approveSignal, rejectSignal, stateQuery } from '../src/shared/messages';

const aws = proxyActivities<LifecycleActivities>({ startToCloseTimeout: '2 minutes' });

export async function modelVersionLifecycle(request: LifecycleRequest): Promise<LifecycleState> {
  const parsed = parseLifecycleInput(request);
  if (!parsed.ok) {
    const detail = parsed.errors.map((e) => `${e.field}: ${e.message}`).join('; ');
    throw ApplicationFailure.nonRetryable(
      `invalid lifecycle input: ${detail}`,
      'InvalidLifecycleInput',
      parsed.errors,
    );
  }
  const input = parsed.value;
  const state: LifecycleState = {
    workflowId: workflowInfo().workflowId,
    stage: 'registering',
    modelPackageGroup: input.modelPackageGroup,
    idempotencyKey: input.idempotencyKey,
    registeredBy: input.registeredBy,
    productionEndpointName: input.deployment.productionEndpointName,
    transitions: [],
    commands: [],
    verdicts: [],
  };
  const enter = (stage: LifecycleStage, actor: string) => {
    state.stage = stage;
    state.transitions.push({ stage, at: new Date().toISOString(), actor });
  };
  setHandler(stateQuery, () => state);
  let decision: 'approve' | 'reject' | undefined;
  setHandler(approveSignal, ({ by }) => {
    decision = 'approve';
    enter('deploying-staging', by);
  });
  setHandler(rejectSignal, ({ by }) => {
    decision = 'reject';
    enter('rejected', by);
  });

  enter('registering', input.registeredBy);
  const registered = await aws.registerModelVersion({
    workflowId: state.workflowId,
    modelPackageGroup: input.modelPackageGroup,
    description: input.description,
    artifactUri: input.artifactUri,
    inferenceImage: input.inferenceImage,
    environment: input.environment,
    metrics: input.metrics,
    lineage: input.lineage,
    tags: input.tags,
    registeredBy: input.registeredBy,
    contentTypes: ['application/json'],
  });
  state.modelPackageArn = registered.modelPackageArn;
  state.modelVersion = registered.modelVersion;
  enter('awaiting-approval', 'workflow');
  await condition(() => decision !== undefined);
  return state;
}
