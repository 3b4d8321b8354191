/**
 * One trained model version, from registration to production or to rollback.
 *
 *   register → approval gate → staging deploy → validate → (endpoint lock) → canary → promote
 *                    ↘ rejected / expired      ↘ validation-failed        ↘ rolled-back / cancelled
 *
 * Deterministic: every side effect is an activity. Changing this code while runs may be in flight
 * needs `patched()` (or a new workflow type); test/integration/workflows/replay.test.ts replays a
 * recorded history against the current code and fails on an incompatible change.
 */
import {
  ApplicationFailure,
  CancellationScope,
  isCancellation,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import {
  parseLifecycleInput,
  type LifecycleInput,
  type LifecycleRequest,
} from '../src/shared/lifecycle-input';
import type { LifecycleState } from '../src/shared/lifecycle-state';
import { stateQuery } from '../src/shared/messages';
import { resourceNames } from '../src/shared/resource-names';
import { aws } from './activity-proxies';
import { runApprovalGate } from './approval-gate';
import { CommandInbox } from './commands';
import { EndpointLockClient } from './endpoint-lock-client';
import { LifecycleRecord } from './lifecycle-record';
import { rollOut } from './production-rollout';
import { deployAndValidateStaging } from './staging';

function validated(request: LifecycleRequest): LifecycleInput {
  const parsed = parseLifecycleInput(request);
  if (parsed.ok) return parsed.value;
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
      await notify(input, record, kind, decision.reason);
      record.finish(kind, decision.by, decision.reason);
      return record.state;
    }

    const names = resourceNames({
      workflowId: workflowInfo().workflowId,
      modelPackageGroup: input.modelPackageGroup,
      modelVersion: registered.modelVersion,
      productionEndpointName: input.deployment.productionEndpointName,
      ...(input.deployment.stagingEndpointName
        ? { stagingEndpointPrefix: input.deployment.stagingEndpointName }
        : {}),
    });
    const report = await deployAndValidateStaging(input, names, record);
    if (!report.passed) {
      const reason = `validation failed: ${report.failures.join('; ')}`;
      await aws.deleteModel(names.modelName);
      await aws.recordApprovalDecision({
        modelPackageArn: registered.modelPackageArn,
        status: 'Rejected',
        description: reason.slice(0, 1000),
        decidedBy: 'validation',
      });
      await notify(input, record, 'validation-failed', reason);
      record.finish('validation-failed', 'validation', reason);
      return record.state;
    }

    record.enter('waiting-for-endpoint', 'workflow', `lock on ${input.deployment.productionEndpointName}`);
    await lock.acquire();
    await rollOut({ input, names, record, inbox });
    return record.state;
  } catch (err) {
    if (isCancellation(err) && record.state.stage !== 'cancelled') {
      record.finish('cancelled', 'operator', `cancelled while ${record.state.stage}`);
    } else if (!isCancellation(err)) {
      record.finish('failed', 'workflow', err instanceof Error ? err.message : String(err));
    }
    throw err;
  } finally {
    await lock.release();
  }
}

async function notify(
  input: LifecycleInput,
  record: LifecycleRecord,
  kind: 'rejected' | 'expired' | 'validation-failed',
  reason: string,
): Promise<void> {
  await CancellationScope.nonCancellable(() =>
    aws.notify({
      kind,
      workflowId: record.state.workflowId,
      modelPackageGroup: input.modelPackageGroup,
      modelPackageArn: record.state.modelPackageArn!,
      modelVersion: record.state.modelVersion!,
      endpointName: input.deployment.productionEndpointName,
      reason,
    }),
  );
}
