/**
 * What a lifecycle tells operators beside its history: one log line per stage transition and per
 * health verdict, and the product's counters and histograms (names in src/shared/lifecycle-metrics.ts).
 *
 * `log` and `metricMeter` go through the SDK's sinks, which add no history events and stay silent
 * during replay, so a replayed lifecycle neither logs nor counts twice and recorded histories still
 * replay. Called only from LifecycleRecord, where every stage and verdict is recorded.
 */
import { log, metricMeter } from '@temporalio/workflow';
import type { HealthVerdict } from '../src/shared/activity-contracts';
import {
  APPROVAL_WAIT_METRIC,
  ROLLBACKS_METRIC,
  STAGE_DURATION_METRIC,
  VERDICTS_METRIC,
} from '../src/shared/lifecycle-metrics';
import type { LifecycleState } from '../src/shared/lifecycle-state';

const secondsBetween = (from: string, to: string) => Math.max(0, (Date.parse(to) - Date.parse(from)) / 1000);

/** After `state.transitions` got its newest entry. */
export function stageEntered(state: LifecycleState): void {
  const entered = state.transitions.at(-1)!;
  const left = state.transitions.at(-2);
  log.info(`${state.workflowId}: ${left ? `${left.stage} → ` : ''}${entered.stage}`, {
    lifecycleId: state.workflowId,
    stage: entered.stage,
    ...(left ? { from: left.stage } : {}),
    actor: entered.actor,
    ...(entered.note ? { note: entered.note } : {}),
  });
  if (left) {
    const seconds = secondsBetween(left.at, entered.at);
    metricMeter
      .createHistogram(STAGE_DURATION_METRIC, 'float', 's', 'Time a lifecycle spent in a stage')
      .record(seconds, { stage: left.stage });
    if (left.stage === 'awaiting-approval') {
      const decision = entered.stage === 'expired' ? 'expired' : (state.approval?.decision?.status ?? 'none');
      metricMeter
        .createHistogram(APPROVAL_WAIT_METRIC, 'float', 's', 'Time from awaiting approval to the decision')
        .record(seconds, { decision });
    }
  }
  // A rollback re-entered (retried, or run again by a cancel during it) is still one rollback.
  const firstRollback =
    entered.stage === 'rolling-back' &&
    state.transitions.filter((t) => t.stage === 'rolling-back').length === 1;
  if (firstRollback && state.rollback) {
    metricMeter
      .createCounter(ROLLBACKS_METRIC, '1', 'Rollbacks started, by cause')
      .add(1, { cause: state.rollback.cause });
  }
}

export function verdictReached(state: LifecycleState, verdict: HealthVerdict): void {
  log.info(`${state.workflowId}: health ${verdict.status} at ${verdict.canaryWeight}%`, {
    lifecycleId: state.workflowId,
    verdict: verdict.status,
    endpointName: verdict.endpointName,
    canaryWeight: verdict.canaryWeight,
    ...(verdict.reasons.length ? { reasons: verdict.reasons } : {}),
  });
  metricMeter
    .createCounter(VERDICTS_METRIC, '1', 'Health verdicts on canaries, by status')
    .add(1, { status: verdict.status });
}
