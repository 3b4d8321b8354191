/**
 * One trained model version, from registration to production or to rollback.
 *
 *   register → approval gate → staging deploy → validate → (endpoint lock) → canary → promote
 *                    ↘ rejected / expired      ↘ validation-failed        ↘ rolled-back / cancelled
 *                                                                          ↘ needs-attention → released
 *   promote → (lock released) watching → promoted | reverted (endpointRevert as a child)
 *
 * Deterministic: every side effect is an activity. Runs upgrade to the current build while they wait
 * for approval and are pinned to their build from the decision on: a change to registration or the
 * approval gate needs `patched()`; a change after it ships as a new build. The recorded histories of
 * test/integration/workflows/replay.test.ts guard both.
 */
import {
  ApplicationFailure,
  CancellationScope,
  isCancellation,
  patched,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import { awsRefusal, describeAwsRefusal } from '../src/shared/aws-refusal';
import { isFinalStage } from '../src/shared/lifecycle-state';
import {
  parseLifecycleInput,
  type LifecycleInput,
  type LifecycleRequest,
} from '../src/shared/lifecycle-input';
import type { LifecycleState } from '../src/shared/lifecycle-state';
import { stateQuery } from '../src/shared/messages';
import { resourceNames, type ResourceNames } from '../src/shared/resource-names';
import { aws } from './activity-proxies';
import { runApprovalGate } from './approval-gate';
import { bestEffort, notifyBestEffort } from './best-effort';
import { CommandInbox } from './commands';
import { EndpointLockClient } from './endpoint-lock-client';
import { failureText } from './failure-text';
import { LifecycleRecord } from './lifecycle-record';
import { watchAfterPromotion } from './post-promotion-watch';
import { rollOut } from './production-rollout';
import { deployAndValidateStaging } from './staging';

function validated(request: LifecycleRequest): LifecycleInput {
  const parsed = parseLifecycleInput(request);
  if (parsed.ok) return parsed.value;
  // A run started before the input rules grew stricter (SageMaker's limits, strict objects) replays
  // with the input it was accepted with; only new runs are held to the new rules.
  if (!patched('sagemaker-input-limits')) return request as LifecycleInput;
  const detail = parsed.errors.map((e) => `${e.field}: ${e.message}`).join('; ');
  throw ApplicationFailure.nonRetryable(
    `invalid lifecycle input: ${detail}`,
    'InvalidLifecycleInput',
    parsed.errors,
  );
}

export async function modelVersionLifecycle(request: LifecycleRequest): Promise<LifecycleState> {
  const input = validated(request);
  const record = new LifecycleRecord(input);
  const inbox = new CommandInbox(record);
  setHandler(stateQuery, () => record.state);
  inbox.install();
  const lock = new EndpointLockClient(input.deployment.productionEndpointName);
  let names: ResourceNames | undefined;

  try {
    record.enter('registering', input.registeredBy);
    const registered = await aws.registerModelVersion({
      workflowId: workflowInfo().workflowId,
      modelPackageGroup: input.modelPackageGroup,
      description: input.description,
      artifactUri: input.artifactUri,
      inferenceImage: input.inferenceImage,
      environment: input.environment,
      metrics: input.metrics,
      lineage: input.lineage,
      tags: input.tags,
      registeredBy: input.registeredBy,
      contentTypes: [...new Set(input.samplePayloads.map((p) => p.contentType).concat('application/json'))],
    });
    record.registered(registered.modelPackageArn, registered.modelVersion);

    const decision = await runApprovalGate(input, record, inbox);
    if (decision.status === 'Rejected') {
      const kind = decision.expired ? 'expired' : 'rejected';
      await notifyBestEffort(record, { kind, reason: decision.reason });
      record.finish(kind, decision.by, decision.reason);
      return record.state;
    }

    // Versioned workers run lifecycles auto-upgrade (src/worker/create-worker.ts): while parked at the
    // approval gate a run moves to the current build. From the decision on, it finishes on this one.
    if (patched('pin-to-build-after-approval')) {
      const { workflowId, runId, currentDeploymentVersion } = workflowInfo();
      await aws.pinToBuild({
        workflowId,
        runId,
        ...(currentDeploymentVersion?.buildId ? { version: currentDeploymentVersion } : {}),
      });
    }

    const staged = (names = resourceNames({
      workflowId: workflowInfo().workflowId,
      modelPackageGroup: input.modelPackageGroup,
      modelVersion: registered.modelVersion,
      productionEndpointName: input.deployment.productionEndpointName,
      ...(input.deployment.stagingEndpointName
        ? { stagingEndpointPrefix: input.deployment.stagingEndpointName }
        : {}),
    }));
    const report = await deployAndValidateStaging(input, staged, record);
    if (!report.passed) {
      const reason = `validation failed: ${report.failures.join('; ')}`;
      await bestEffort(record, `delete ${staged.modelName}`, () =>
        aws.deleteModel(staged.modelName, ownerOf(input)),
      );
      await aws.recordApprovalDecision({
        modelPackageArn: registered.modelPackageArn,
        status: 'Rejected',
        description: reason.slice(0, 1000),
        decidedBy: 'validation',
      });
      await notifyBestEffort(record, { kind: 'validation-failed', reason });
      record.finish('validation-failed', 'validation', reason);
      return record.state;
    }

    record.enter('waiting-for-endpoint', 'workflow', `lock on ${input.deployment.productionEndpointName}`);
    await lock.acquire();
    await rollOut({ input, names: staged, record, inbox });
    if (record.state.watch && !isFinalStage(record.state.stage)) {
      // Promoted: the next deployment may start while this version is watched.
      await lock.release();
      await watchAfterPromotion({ input, names: staged, record });
    }
    return record.state;
  } catch (err) {
    // The rollout has already put production right and recorded its own end (rolled-back, cancelled).
    if (isFinalStage(record.state.stage)) throw err;
    if (isCancellation(err)) {
      await CancellationScope.nonCancellable(() =>
        withdraw(record, names, `cancelled while ${record.state.stage}`),
      );
      await notifyBestEffort(record, { kind: 'cancelled', reason: `cancelled while ${record.state.stage}` });
      record.finish('cancelled', 'operator', `cancelled while ${record.state.stage}`);
    } else if (awsRefusal(err)) {
      // A request AWS refuses as invalid (a limit the API does not check yet): a clear end in AWS's words.
      const refusal = awsRefusal(err)!;
      record.state.refusal = refusal;
      await notifyBestEffort(record, { kind: 'refused-by-aws', reason: describeAwsRefusal(refusal) });
      record.finish('refused-by-aws', 'aws', `${record.state.stage}: ${describeAwsRefusal(refusal)}`);
    } else {
      record.finish('failed', 'workflow', `${record.state.stage} failed: ${failureText(err)}`);
    }
    throw err;
  } finally {
    await lock.release();
  }
}

/**
 * A version cancelled before it served (awaiting approval, in staging, waiting for the endpoint) is
 * marked Rejected "withdrawn" in the registry, so nobody takes a pending or approved package for one
 * still on its way; a model made for it is deleted.
 */
function ownerOf(input: LifecycleInput) {
  return { lifecycleId: workflowInfo().workflowId, modelPackageGroup: input.modelPackageGroup };
}

async function withdraw(
  record: LifecycleRecord,
  names: ResourceNames | undefined,
  why: string,
): Promise<void> {
  const { modelPackageArn, stage } = record.state;
  if (!modelPackageArn) return; // cancelled while registering: nothing registered yet
  await bestEffort(record, 'mark the package Rejected (withdrawn)', () =>
    aws.recordApprovalDecision({
      modelPackageArn,
      status: 'Rejected',
      description: `withdrawn: ${why}`,
      decidedBy: 'operator',
    }),
  );
  if (stage === 'deploying-staging' || stage === 'validating' || stage === 'waiting-for-endpoint') {
    if (names)
      await bestEffort(record, `delete ${names.modelName}`, () =>
        aws.deleteModel(names.modelName, {
          lifecycleId: record.state.workflowId,
          modelPackageGroup: record.state.modelPackageGroup,
        }),
      );
  }
}
