/**
 * The lifecycle's record: the `state` query's object, every stage transition with time and actor,
 * and what the Temporal UI shows (search attributes and current details) kept in step with it, as
 * are the log lines and metrics (lifecycle-telemetry.ts).
 */
import { setCurrentDetails, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import type { HealthVerdict } from '../src/shared/activity-contracts';
import type { LifecycleInput } from '../src/shared/lifecycle-input';
import type { CommandRecord, LifecycleStage, LifecycleState } from '../src/shared/lifecycle-state';
import {
  EndpointNameKey,
  LifecycleStageKey,
  ModelPackageGroupKey,
  ModelVersionKey,
} from '../src/shared/search-attributes';
import { stageEntered, verdictReached } from './lifecycle-telemetry';

export class LifecycleRecord {
  readonly state: LifecycleState;

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
  }

  notification(kind: string, error?: string): void {
    this.state.notifications.push({
      kind,
      at: new Date().toISOString(),
      delivered: error === undefined,
      ...(error !== undefined ? { error } : {}),
    });
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
  }
}
