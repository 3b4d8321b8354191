/**
 * After promotion: the lifecycle has released the endpoint lock (the watch never blocks the next
 * deployment) and keeps judging the promoted version against the previous version's recorded baseline
 * for `deployment.watchSeconds` (stage `watching`). Unhealthy → the revert workflow, as a child run
 * with the evidence, pinned to "only while this version still serves" so a deployment that got in
 * first wins. A new deployment on the endpoint, a cancel, or a watch that cannot complete ends the
 * watch and leaves the version promoted: the watch can only ever take the endpoint back, never break it.
 */
import {
  CancellationScope,
  executeChild,
  isCancellation,
  ParentClosePolicy,
  uuid4,
  workflowInfo,
} from '@temporalio/workflow';
import type { HealthVerdict, PromotionBaseline, WatchPromotedResult } from '../src/shared/activity-contracts';
import { DEFAULT_WATCH_SECONDS, type LifecycleInput } from '../src/shared/lifecycle-input';
import type { ResourceNames } from '../src/shared/resource-names';
import { revertWorkflowId } from '../src/shared/revert';
import { promotionWatch } from './activity-proxies';
import { notifyBestEffort } from './best-effort';
import { endpointRevert } from './endpoint-revert';
import { failureText } from './failure-text';
import type { LifecycleRecord } from './lifecycle-record';

export const WATCH_PATCH = 'post-promotion-watch';

export const watchSecondsOf = (input: LifecycleInput) =>
  input.deployment.watchSeconds ?? DEFAULT_WATCH_SECONDS;

/** The previous version's numbers in the canary's healthy verdicts, where it ran as the stable variant. */
export function baselineOf(verdicts: HealthVerdict[], stableVariant: string): PromotionBaseline {
  const measured = verdicts.filter((v) => v.status === 'healthy' && v.stable?.variantName === stableVariant);
  const latencies = measured.map((v) => v.stable!.latencyMs).filter((l): l is number => l !== null);
  return {
    variantName: stableVariant,
    invocations: measured.reduce((n, v) => n + v.stable!.invocations, 0),
    errors5xx: measured.reduce((n, v) => n + v.stable!.errors5xx, 0),
    latencyMs: latencies.length ? Math.max(...latencies) : null,
    verdicts: measured.length,
  };
}

export async function watchAfterPromotion(ctx: {
  input: LifecycleInput;
  names: ResourceNames;
  record: LifecycleRecord;
}): Promise<void> {
  const { input, names, record } = ctx;
  const d = input.deployment;
  const watch = record.state.watch!;
  const endpointName = d.productionEndpointName;
  const promoted = `${endpointName} serves v${record.state.modelVersion}`;
  record.enter(
    'watching',
    'workflow',
    `${watch.watchSeconds} s against the baseline of ${watch.baseline.variantName} (${watch.baseline.verdicts} healthy verdicts)`,
  );

  let result: WatchPromotedResult;
  try {
    result = await promotionWatch(watch.watchSeconds)({
      endpointName,
      variantName: names.canaryVariantName,
      modelName: names.modelName,
      lifecycleId: workflowInfo().workflowId,
      sinceEpochMs: Date.now(),
      watchSeconds: watch.watchSeconds,
      intervalSeconds: d.healthCheckIntervalSeconds,
      policy: d.health,
      baseline: watch.baseline,
    });
  } catch (err) {
    const cancelled = isCancellation(err);
    watch.result = cancelled ? 'cancelled' : 'failed';
    watch.note = cancelled ? 'watch cancelled' : `watch could not complete: ${failureText(err)}`;
    if (!cancelled) record.warn(watch.note);
    record.finish('promoted', cancelled ? 'operator' : 'workflow', `${promoted}; ${watch.note}`);
    return;
  }
  watch.limits = result.limits;
  watch.checks = result.checks;
  watch.result = result.status;
  if (result.verdict) watch.verdict = result.verdict;
  if (result.status !== 'unhealthy') {
    watch.note = result.status === 'superseded' ? `watch ended: ${result.reason}` : `watch ${result.status}`;
    record.finish('promoted', 'workflow', `${promoted}; ${watch.note}`);
    return;
  }

  const evidence = result.verdict!;
  const reason = `post-promotion watch: ${evidence.reasons.join('; ')}`;
  await notifyBestEffort(record, { kind: 'watch-unhealthy', reason, evidence });
  const revertId = revertWorkflowId(endpointName, `watch-${uuid4().slice(0, 8)}`);
  watch.revert = { workflowId: revertId, stage: 'waiting-for-endpoint' };
  record.enter('watching', 'post-promotion-watch', `unhealthy: reverting (${revertId})`);
  // Not cancellable: once started, a revert ends on one variant whatever happens to this lifecycle.
  const reverted = await CancellationScope.nonCancellable(() =>
    executeChild(endpointRevert, {
      workflowId: revertId,
      parentClosePolicy: ParentClosePolicy.ABANDON,
      args: [
        {
          endpointName,
          by: 'post-promotion-watch',
          reason,
          cause: 'post-promotion-watch',
          expectedFromArn: record.state.modelPackageArn!,
          requestedBy: workflowInfo().workflowId,
          evidence,
          endpointPollSeconds: d.endpointPollSeconds,
          endpointTimeoutSeconds: d.endpointTimeoutSeconds,
        },
      ],
    }),
  );
  watch.revert = {
    workflowId: revertId,
    stage: reverted.stage,
    ...(reverted.outcome ? { outcome: reverted.outcome } : {}),
  };
  if (reverted.stage === 'reverted') {
    record.finish('reverted', 'post-promotion-watch', reverted.outcome ?? reason);
  } else {
    record.finish(
      'promoted',
      'workflow',
      `${promoted}; the watch found it unhealthy, but the revert ended ${reverted.stage}: ${reverted.outcome ?? ''}`,
    );
  }
}
