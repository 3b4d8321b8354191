/**
 * An endpoint back on an earlier approved version: an operator's `POST /endpoints/:name/revert`, the
 * post-promotion watch finding the new version unhealthy, or a withdrawal in the registry.
 *
 *   (endpoint lock) → plan → shift (one step, or --canary through the steps with health bakes)
 *                  → mark the registry → notify → reverted
 *           ↘ superseded (the endpoint moved on)  ↘ refused (nothing to go to)  ↘ failed (back on `from`)
 *                                                                              ↘ needs-attention → released
 *
 * Takes the endpoint lock like a rollout, and plans again once it holds it: the answer the API gave
 * may be stale by then, and an automatic revert of a version that no longer serves must do nothing.
 * Compensation converges as the rollout's does: any failure after the first endpoint change ends with
 * the endpoint on ONE variant (the version reverted to, if the shift got that far, else the version
 * reverted from), or in needs-attention holding the lock. It never deletes what serves.
 */
import {
  ApplicationFailure,
  CancellationScope,
  condition,
  isCancellation,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import { ErrorTypes, type RevertPlan } from '../src/shared/activity-contracts';
import { releaseSignal, retryRollbackSignal } from '../src/shared/messages';
import { revertResourceNames } from '../src/shared/resource-names';
import {
  revertRequestSchema,
  revertStateQuery,
  type RevertInput,
  type RevertRequest,
  type RevertSide,
  type RevertStage,
  type RevertState,
} from '../src/shared/revert';
import { EndpointNameKey, LifecycleStageKey, ModelPackageGroupKey } from '../src/shared/search-attributes';
import { aws, endpointCalls, healthWatch, notifier, rollbackCalls } from './activity-proxies';
import { canaryInstances } from './capacity';
import { EndpointLockClient } from './endpoint-lock-client';
import { failureText } from './failure-text';

class RevertRecord {
  readonly state: RevertState;
  constructor(input: RevertInput) {
    this.state = {
      workflowId: workflowInfo().workflowId,
      endpointName: input.endpointName,
      stage: 'waiting-for-endpoint',
      cause: input.cause,
      by: input.by,
      reason: input.reason,
      ...(input.requestedBy ? { requestedBy: input.requestedBy } : {}),
      canary: input.canary,
      steps: input.canary ? input.canarySteps : [100],
      verdicts: [],
      ...(input.evidence ? { evidence: input.evidence } : {}),
      transitions: [],
      warnings: [],
      notifications: [],
    };
    upsertSearchAttributes([{ key: EndpointNameKey, value: input.endpointName }]);
  }
  enter(stage: RevertStage, actor: string, note?: string) {
    this.state.stage = stage;
    this.state.transitions.push({ stage, at: new Date().toISOString(), actor, ...(note ? { note } : {}) });
    upsertSearchAttributes([{ key: LifecycleStageKey, value: stage }]);
  }
  finish(stage: RevertStage, actor: string, outcome: string) {
    this.state.outcome = outcome;
    this.enter(stage, actor, outcome);
  }
  warn(text: string) {
    this.state.warnings.push({ at: new Date().toISOString(), text });
  }
}

type Answer = { action: 'retry-rollback' | 'release'; by: string; reason: string };

export async function endpointRevert(request: RevertRequest): Promise<RevertState> {
  const parsed = revertRequestSchema.safeParse(request);
  if (!parsed.success) {
    throw ApplicationFailure.nonRetryable(
      `invalid revert request: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
      'InvalidRevertRequest',
    );
  }
  const input = parsed.data;
  const record = new RevertRecord(input);
  setHandler(revertStateQuery, () => record.state);
  let answer: Answer | undefined;
  const accept = (action: Answer['action']) => (p: { by: string; reason?: string }) => {
    if (record.state.stage !== 'needs-attention' || answer) return;
    if (action === 'release' && !p.reason) return; // freeing the endpoint on someone's word must say why
    answer = { action, by: p.by, reason: p.reason ?? 'retry the revert' };
  };
  setHandler(retryRollbackSignal, accept('retry-rollback'));
  setHandler(releaseSignal, accept('release'));

  const lock = new EndpointLockClient(input.endpointName);
  try {
    record.enter('waiting-for-endpoint', 'workflow', `lock on ${input.endpointName}`);
    await lock.acquire();
    let plan: RevertPlan;
    try {
      plan = await aws.planRevert({
        endpointName: input.endpointName,
        ...(input.toVersion !== undefined ? { toVersion: input.toVersion } : {}),
      });
    } catch (err) {
      if (isCancellation(err)) throw err;
      const why = failureText(err);
      if (input.cause === 'withdrawal') {
        // Nothing to go back to: keep serving, and the registry says so, until an operator decides.
        const withdrawn = input.expectedFromArn;
        const text = `withdrawal by ${input.by} blocked: ${why}; it keeps serving ${input.endpointName} until an operator decides (${input.reason})`;
        if (withdrawn)
          await bestEffort(record, 'keep the withdrawn version Approved while it serves', () =>
            aws.recordApprovalDecision({
              modelPackageArn: withdrawn,
              status: 'Approved',
              description: text.slice(0, 1000),
              decidedBy: input.by,
            }),
          );
        await notify(record, input, 'withdrawal-blocked', text);
        record.finish('withdrawal-blocked', 'workflow', text);
        return record.state;
      }
      await notify(record, input, 'revert-failed', `revert refused: ${why}`);
      record.finish('refused', 'workflow', why);
      return record.state;
    }
    record.state.modelPackageGroup = plan.modelPackageGroup;
    upsertSearchAttributes([{ key: ModelPackageGroupKey, value: plan.modelPackageGroup }]);
    if (input.expectedFromArn && plan.from.modelPackageArn !== input.expectedFromArn) {
      record.finish(
        'superseded',
        'workflow',
        `${input.endpointName} no longer serves the version to revert from (it serves v${plan.from.modelVersion}): nothing done`,
      );
      return record.state;
    }
    const names = revertResourceNames({
      workflowId: workflowInfo().workflowId,
      endpointName: input.endpointName,
      toVersion: plan.to.modelVersion,
    });
    const from: RevertSide = { ...plan.from };
    const to: RevertSide = { ...plan.to, variantName: names.variantName, instanceCount: from.instanceCount };
    record.state.from = from;
    record.state.to = to;
    record.enter('reverting', input.by, `v${from.modelVersion} → v${to.modelVersion}: ${input.reason}`);

    const serves = await shift(
      record,
      input,
      plan,
      from,
      to,
      names,
      () => answer,
      () => (answer = undefined),
    );
    if (serves === 'released') return record.state;
    if (serves === 'from') {
      await notify(record, input, 'revert-failed', record.state.outcome ?? 'revert failed');
      record.finish(
        'failed',
        'workflow',
        record.state.outcome ?? `${input.endpointName} still serves v${from.modelVersion}`,
      );
      return record.state;
    }
    await markRegistry(record, input, from, to);
    const outcome = `${input.endpointName} serves v${to.modelVersion} again (reverted from v${from.modelVersion} by ${input.by}: ${input.reason})`;
    await notify(record, input, input.cause === 'withdrawal' ? 'withdrawn' : 'reverted', outcome);
    record.finish('reverted', input.by, outcome);
    return record.state;
  } finally {
    await lock.release();
  }
}

type Names = ReturnType<typeof revertResourceNames>;
type Serving = 'from' | 'to' | 'released';

/**
 * Moves the traffic and ends with the endpoint on one variant: 'to' once the version reverted to
 * serves alone, 'from' when the shift failed (or --canary found it unhealthy) and was undone.
 */
async function shift(
  record: RevertRecord,
  input: RevertInput,
  plan: RevertPlan,
  from: RevertSide,
  to: RevertSide,
  names: Names,
  answer: () => Answer | undefined,
  taken: () => void,
): Promise<Serving> {
  const endpoints = endpointCalls(input.endpointPollSeconds, input.endpointTimeoutSeconds);
  const owner = { lifecycleId: workflowInfo().workflowId, modelPackageGroup: plan.modelPackageGroup };
  const single = async (configName: string, side: RevertSide) => {
    await aws.createEndpointConfig({
      endpointConfigName: configName,
      variants: [
        {
          variantName: side.variantName,
          modelName: side.modelName,
          initialWeight: 1,
          instanceType: plan.instanceType,
          initialInstanceCount: side.instanceCount,
        },
      ],
      owner,
    });
    await endpoints.deployEndpointConfig({
      endpointName: input.endpointName,
      endpointConfigName: configName,
      owner,
    });
    await endpoints.awaitEndpointInService({
      endpointName: input.endpointName,
      endpointConfigName: configName,
    });
  };

  try {
    if (!input.canary) {
      await single(names.revertedConfigName, to);
      return 'to';
    }
    const unhealthy = await throughTheSteps(record, input, plan, from, to, names, endpoints, owner);
    if (!unhealthy) {
      await single(names.revertedConfigName, to);
      return 'to';
    }
    record.state.outcome = `v${to.modelVersion} was unhealthy at ${unhealthy}: ${input.endpointName} stays on v${from.modelVersion}`;
  } catch (err) {
    if (isCancellation(err)) {
      record.warn('revert cancelled: the endpoint is put on one variant');
    } else {
      record.state.outcome = `revert failed: ${failureText(err)}`;
      record.warn(record.state.outcome);
    }
  }
  // Compensation: the endpoint on one variant, whatever the shift reached; non-cancellable.
  return CancellationScope.nonCancellable(async () => {
    for (;;) {
      try {
        return await converge(input, plan, from, to, names);
      } catch (err) {
        const problem = `revert could not put ${input.endpointName} on one version: ${failureText(err)}`;
        record.state.attention = {
          problem,
          since: new Date().toISOString(),
          accepts: ['retry-rollback', 'release'],
        };
        record.enter('needs-attention', 'workflow', problem);
        await notify(record, input, 'revert-failed', problem);
        await condition(() => answer() !== undefined);
        const a = answer()!;
        taken();
        if (a.action === 'release') {
          record.finish('released', a.by, `released by ${a.by} after a manual fix: ${a.reason}`);
          return 'released' as const;
        }
        record.enter('reverting', a.by, `retry: ${a.reason}`);
      }
    }
  });
}

/** --canary: two variants, the version reverted to ramped up with a bake per step. Returns the failing step. */
async function throughTheSteps(
  record: RevertRecord,
  input: RevertInput,
  plan: RevertPlan,
  from: RevertSide,
  to: RevertSide,
  names: Names,
  endpoints: ReturnType<typeof endpointCalls>,
  owner: { lifecycleId: string; modelPackageGroup: string },
): Promise<string | undefined> {
  const endpointName = input.endpointName;
  await aws.createEndpointConfig({
    endpointConfigName: names.canaryConfigName,
    variants: [
      {
        variantName: from.variantName,
        modelName: from.modelName,
        initialWeight: 100,
        instanceType: plan.instanceType,
        initialInstanceCount: from.instanceCount,
      },
      {
        variantName: to.variantName,
        modelName: to.modelName,
        initialWeight: 0,
        instanceType: plan.instanceType,
        initialInstanceCount: canaryInstances(0, from.instanceCount),
      },
    ],
    owner,
  });
  await endpoints.deployEndpointConfig({ endpointName, endpointConfigName: names.canaryConfigName, owner });
  await endpoints.awaitEndpointInService({ endpointName, endpointConfigName: names.canaryConfigName });
  const watchHealth = healthWatch(input.bakeSeconds, input.health.maxWaitForEvidenceSeconds);
  for (const [i, weight] of input.canarySteps.entries()) {
    await endpoints.setVariantWeights({
      endpointName,
      weights: { [from.variantName]: 100 - weight, [to.variantName]: weight },
      instanceCounts: { [to.variantName]: canaryInstances(weight, from.instanceCount) },
    });
    await endpoints.awaitEndpointInService({ endpointName, weightsSettled: true });
    const verdict = await watchHealth({
      endpointName,
      canaryVariant: to.variantName,
      stableVariant: from.variantName,
      canaryWeight: weight,
      canarySteps: input.canarySteps,
      stepIndex: i,
      sinceEpochMs: Date.now(),
      bakeSeconds: input.bakeSeconds,
      intervalSeconds: input.healthCheckIntervalSeconds,
      policy: input.health,
    });
    record.state.verdicts.push(verdict);
    if (verdict.status !== 'healthy')
      return `${weight} % (${verdict.status}: ${verdict.reasons.join('; ') || 'no verdict'})`;
  }
  return undefined;
}

/**
 * The endpoint on one variant from whatever the shift left: an update in flight waited out; two
 * variants → weights to `from`, then `from` alone. Safe to run again. A single variant is left as it
 * is and reported: never delete or replace what serves.
 */
async function converge(
  input: RevertInput,
  plan: RevertPlan,
  from: RevertSide,
  to: RevertSide,
  names: Names,
): Promise<'from' | 'to'> {
  const endpointName = input.endpointName;
  const urgent = rollbackCalls(input.endpointPollSeconds, input.endpointTimeoutSeconds);
  await urgent.awaitEndpointInService({ endpointName });
  const live = await aws.describeEndpoint(endpointName);
  if (!live)
    throw ApplicationFailure.nonRetryable(`endpoint ${endpointName} no longer exists`, ErrorTypes.NotFound);
  if (live.variants.length === 1) return live.variants[0]!.modelName === to.modelName ? 'to' : 'from';
  const variantNames = live.variants.map((v) => v.variantName);
  if (variantNames.includes(from.variantName) && variantNames.includes(to.variantName)) {
    await urgent.setVariantWeights({
      endpointName,
      weights: { [from.variantName]: 100, [to.variantName]: 0 },
    });
    await urgent.awaitEndpointInService({ endpointName, weightsSettled: true });
  }
  const endpoints = endpointCalls(input.endpointPollSeconds, input.endpointTimeoutSeconds);
  const owner = { lifecycleId: workflowInfo().workflowId, modelPackageGroup: plan.modelPackageGroup };
  await aws.createEndpointConfig({
    endpointConfigName: names.restoreConfigName,
    variants: [
      {
        variantName: from.variantName,
        modelName: from.modelName,
        initialWeight: 1,
        instanceType: plan.instanceType,
        initialInstanceCount: from.instanceCount,
      },
    ],
    owner,
  });
  await endpoints.deployEndpointConfig({ endpointName, endpointConfigName: names.restoreConfigName, owner });
  await endpoints.awaitEndpointInService({ endpointName, endpointConfigName: names.restoreConfigName });
  return 'from';
}

/** The registry says what serves: `to` marked serving, `from` retired and Rejected with who and why. */
async function markRegistry(record: RevertRecord, input: RevertInput, from: RevertSide, to: RevertSide) {
  const since = new Date().toISOString();
  await bestEffort(record, 'mark the version reverted to as serving', () =>
    aws.markServing({
      modelPackageArn: to.modelPackageArn,
      endpointName: input.endpointName,
      since,
      replacedModelPackageArn: from.modelPackageArn,
    }),
  );
  const verb = input.cause === 'withdrawal' ? 'withdrawn' : 'reverted';
  const description = `${verb} by ${input.by} (${input.cause}) to v${to.modelVersion} on ${input.endpointName}: ${input.reason}`;
  await bestEffort(record, `mark v${from.modelVersion} Rejected`, () =>
    aws.recordApprovalDecision({
      modelPackageArn: from.modelPackageArn,
      status: 'Rejected',
      description: description.slice(0, 1000),
      decidedBy: input.by,
    }),
  );
}

async function bestEffort(record: RevertRecord, what: string, step: () => Promise<unknown>) {
  try {
    await step();
  } catch (err) {
    if (isCancellation(err)) throw err;
    record.warn(`${what} failed: ${failureText(err)}`);
  }
}

async function notify(
  record: RevertRecord,
  input: RevertInput,
  kind: 'reverted' | 'revert-failed' | 'withdrawn' | 'withdrawal-blocked',
  reason: string,
) {
  const { from } = record.state;
  try {
    await CancellationScope.nonCancellable(() =>
      notifier.notify({
        kind,
        workflowId: record.state.workflowId,
        modelPackageGroup: record.state.modelPackageGroup ?? '',
        endpointName: input.endpointName,
        ...(from ? { modelPackageArn: from.modelPackageArn, modelVersion: from.modelVersion } : {}),
        reason,
        ...(input.evidence ? { evidence: input.evidence } : {}),
      }),
    );
    record.state.notifications.push({ kind, at: new Date().toISOString(), delivered: true });
  } catch (err) {
    record.state.notifications.push({
      kind,
      at: new Date().toISOString(),
      delivered: false,
      error: failureText(err),
    });
  }
}
