/**
 * Approver and operator commands. The same rules serve the signals (Temporal UI / CLI: a command
 * that does not fit is recorded as refused) and the `command` update (API: the validator refuses it
 * before anything is written, so the caller gets a 409).
 */
import { setHandler } from '@temporalio/workflow';
import { isFinalStage } from '../src/shared/lifecycle-state';
import {
  commandSignals,
  commandUpdate,
  COMMAND_ACTIONS,
  refusedDecisionSignal,
  type CommandAction,
  type CommandPayload,
  type CommandResult,
  type LifecycleCommand,
} from '../src/shared/messages';
import type { LifecycleRecord } from './lifecycle-record';

/** What the commands have asked for so far; the lifecycle reads it at its decision points. */
export class CommandInbox {
  approvals: { by: string; comment?: string; at: string }[] = [];
  rejection?: { by: string; reason: string };
  rollback?: { by: string; reason: string };
  promote?: { by: string };
  paused = false;
  /** An operator's answer to needs-attention; taken (and cleared) by the lifecycle. */
  resolution?: { action: 'retry-rollback' | 'release'; by: string; reason: string };

  constructor(private readonly record: LifecycleRecord) {}

  private decided(): boolean {
    const approval = this.record.state.approval;
    if (this.rejection || approval?.decision) return true;
    return approval !== undefined && this.approvals.length >= approval.requiredApprovals;
  }

  /** Why `action` does not fit now, or undefined when it does. */
  misfit(action: CommandAction): string | undefined {
    const { stage, canary } = this.record.state;
    if (isFinalStage(stage)) return `the lifecycle has ended (${stage})`;
    switch (action) {
      case 'approve':
      case 'reject':
        if (stage !== 'awaiting-approval') return `the version is ${stage}, not awaiting approval`;
        // The gate may still be writing its decision back (stage unchanged): later votes do not count.
        return this.decided() ? 'the approval decision has already been made' : undefined;
      case 'rollback':
      case 'promote':
        // In the shadow stage a rollback rejects the version (it serves nobody yet); promote waits for the canary.
        if (action === 'rollback' && stage === 'shadow')
          return this.rollback ? 'a rollback is already under way' : undefined;
        if (stage !== 'deploying-canary' && stage !== 'canary')
          return `nothing to ${action}: the version is ${stage}`;
        return this.rollback ? 'a rollback is already under way' : undefined;
      case 'pause':
        if (stage !== 'deploying-canary' && stage !== 'canary')
          return `nothing to pause: the version is ${stage}`;
        return this.paused ? 'already paused' : undefined;
      case 'resume':
        return this.paused && canary ? undefined : 'not paused';
      case 'retry-rollback':
      case 'release':
        if (stage !== 'needs-attention') return `nothing to ${action}: the version is ${stage}`;
        return this.resolution ? `${this.resolution.action} is already under way` : undefined;
    }
  }

  /** Applies a command that fits; returns a refusal for one the rules refuse even then. */
  apply(action: CommandAction, { by, reason }: CommandPayload): string | undefined {
    const text = reason ?? '';
    switch (action) {
      case 'approve':
        if (by === this.record.state.registeredBy) return 'the registrant may not approve their own version';
        if (!this.approvals.some((a) => a.by === by)) {
          this.approvals.push({ by, at: new Date().toISOString(), ...(reason ? { comment: reason } : {}) });
          this.record.state.approval?.approvals.push(this.approvals.at(-1)!);
        }
        return undefined;
      case 'reject':
        this.rejection = { by, reason: text || 'rejected' };
        return undefined;
      case 'rollback':
        this.rollback = { by, reason: text || 'manual rollback' };
        return undefined;
      case 'promote':
        this.promote = { by };
        return undefined;
      case 'pause':
        this.paused = true;
        if (this.record.state.canary) this.record.state.canary.paused = true;
        return undefined;
      case 'resume':
        this.paused = false;
        if (this.record.state.canary) this.record.state.canary.paused = false;
        return undefined;
      case 'retry-rollback':
        this.resolution = { action, by, reason: text || 'retry the rollback' };
        return undefined;
      case 'release':
        // Freeing the endpoint on someone's word must say why: the workflow cannot check the fix.
        if (!text) return 'release needs a reason: what was fixed by hand';
        this.resolution = { action, by, reason: text };
        return undefined;
    }
  }

  handle(command: LifecycleCommand): CommandResult {
    const refusal = this.misfit(command.action) ?? this.apply(command.action, command);
    this.record.command({
      action: command.action,
      by: command.by,
      ...(command.reason ? { reason: command.reason } : {}),
      accepted: !refusal,
      ...(refusal ? { refusal } : {}),
    });
    return { accepted: !refusal, ...(refusal ? { refusal } : {}), stage: this.record.state.stage };
  }

  install(): void {
    for (const action of COMMAND_ACTIONS) {
      setHandler(commandSignals[action], (payload) => void this.handle({ ...payload, action }));
    }
    setHandler(refusedDecisionSignal, ({ action, by, reason, refusal }) =>
      this.record.command({ action, by, ...(reason ? { reason } : {}), accepted: false, refusal }),
    );
    setHandler(commandUpdate, (command) => this.handle(command), {
      validator: (command: LifecycleCommand) => {
        if (!COMMAND_ACTIONS.includes(command.action)) throw new Error(`unknown action "${command.action}"`);
        if (!command.by) throw new Error('a command needs the identity of who sent it');
        const misfit = this.misfit(command.action);
        if (misfit) throw new Error(misfit);
      },
    });
  }
}
