/**
 * The lifecycle's record: the `state` query's object, every stage transition with time and actor,
 * and what the Temporal UI shows (search attributes and current details) kept in step with it, as
 * are the log lines and metrics (lifecycle-telemetry.ts), and the read model in the memo that the
 * API answers reads from without a worker (src/shared/state-memo.ts).
 */
import {
  patched,
  setCurrentDetails,
  upsertMemo,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { HealthVerdict } from '../src/shared/activity-contracts';
import type { LifecycleInput } from '../src/shared/lifecycle-input';
import type { CommandRecord, LifecycleStage, LifecycleState } from '../src/shared/lifecycle-state';
import {
  EndpointNameKey,
  LifecycleStageKey,
  ModelPackageGroupKey,
  ModelVersionKey,
} from '../src/shared/search-attributes';
import { STATE_MEMO_PATCH, stateMemoFields } from '../src/shared/state-memo';
import { stageEntered, verdictReached } from './lifecycle-telemetry';

export class LifecycleRecord {
  readonly state: LifecycleState;
  /** The memo fields as last upserted (JSON), so an upsert carries only what changed. */
  private readonly published = new Map<string, string>();
  private publishQueued = false;

  constructor(input: LifecycleInput) {
    this.state = {
      workflowId: workflowInfo().workflowId,
      stage: 'registering',
      modelPackageGroup: input.modelPackageGroup,
      idempotencyKey: input.idempotencyKey,
      registeredBy: input.registeredBy,
      productionEndpointName: input.deployment.productionEndpointName,
      transitions: [],
      commands: [],
      verdicts: [],
      notifications: [],
      warnings: [],
    };
    upsertSearchAttributes([
      { key: ModelPackageGroupKey, value: input.modelPackageGroup },
      { key: EndpointNameKey, value: input.deployment.productionEndpointName },
    ]);
  }

  enter(stage: LifecycleStage, actor: string, note?: string): void {
    this.state.stage = stage;
    this.state.transitions.push({ stage, at: new Date().toISOString(), actor, ...(note ? { note } : {}) });
    upsertSearchAttributes([{ key: LifecycleStageKey, value: stage }]);
    this.explain();
    stageEntered(this.state);
  }

  registered(modelPackageArn: string, modelVersion: number): void {
    this.state.modelPackageArn = modelPackageArn;
    this.state.modelVersion = modelVersion;
    upsertSearchAttributes([{ key: ModelVersionKey, value: modelVersion }]);
    this.publishSoon();
  }

  command(record: Omit<CommandRecord, 'at'>): void {
    this.state.commands.push({ ...record, at: new Date().toISOString() });
    this.explain();
  }

  verdict(verdict: HealthVerdict): void {
    this.state.verdicts.push(verdict);
    this.explain();
    verdictReached(this.state, verdict);
  }

  /** A clean-up step that failed without changing the outcome. */
  warn(text: string): void {
    this.state.warnings.push({ at: new Date().toISOString(), text });
    this.publishSoon();
  }

  notification(kind: string, error?: string): void {
    this.state.notifications.push({
      kind,
      at: new Date().toISOString(),
      delivered: error === undefined,
      ...(error !== undefined ? { error } : {}),
    });
    this.publishSoon();
  }

  finish(stage: LifecycleStage, actor: string, outcome: string): void {
    this.state.outcome = outcome;
    this.enter(stage, actor, outcome);
  }

  /** A few markdown lines for the Temporal UI: where the version is and why. */
  explain(): void {
    const s = this.state;
    const lines = [`**${s.modelPackageGroup} v${s.modelVersion ?? '?'}**: ${s.stage}`];
    if (s.stage === 'awaiting-approval' && s.approval) {
      lines.push(
        `approvals ${s.approval.approvals.length}/${s.approval.requiredApprovals}, deadline ${s.approval.deadline}`,
      );
    }
    if (s.canary && s.canary.stepIndex >= 0) {
      const c = s.canary;
      lines.push(
        `canary ${c.canaryWeight}% on ${c.endpointName} (step ${c.stepIndex + 1}/${c.steps.length})${c.paused ? ', paused' : ''}`,
      );
    }
    const last = s.verdicts.at(-1);
    if (last)
      lines.push(`last verdict: ${last.status}${last.reasons.length ? ` (${last.reasons.join('; ')})` : ''}`);
    if (s.stage === 'needs-attention' && s.attention) {
      lines.push(`**needs attention**: ${s.attention.problem}`, `send ${s.attention.accepts.join(' or ')}`);
    }
    if (s.outcome) lines.push(s.outcome);
    setCurrentDetails(lines.join('\n\n'));
    this.publishSoon();
  }

  /**
   * Writes the read model to the memo once this workflow task's changes are made: every change in
   * the same task (a transition, its command, its verdict) becomes one upsert at the end of the
   * task's synchronous work (a microtask), carrying only the memo fields that changed. A task that
   * changes nothing the reader sees (a poll, a timer) writes nothing. Runs recorded before the memo
   * replay without it; once they run on this code they write it in full at their next change.
   */
  private publishSoon(): void {
    if (this.publishQueued) return;
    this.publishQueued = true;
    void Promise.resolve().then(() => {
      this.publishQueued = false;
      this.publish();
    });
  }

  private publish(): void {
    if (!patched(STATE_MEMO_PATCH)) return;
    const changed: Record<string, unknown> = {};
    for (const [field, value] of Object.entries(stateMemoFields(this.state))) {
      const json = JSON.stringify(value);
      if (this.published.get(field) === json) continue;
      this.published.set(field, json);
      changed[field] = value;
    }
    if (Object.keys(changed).length > 0) upsertMemo(changed);
  }
}
