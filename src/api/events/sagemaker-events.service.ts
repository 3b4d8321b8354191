/**
 * SageMaker Studio → workflow: the state-change event becomes the approve/reject command of the
 * lifecycle that owns the version, under the Studio user's mapped identity, so the rules of /approve
 * (not the registrant, distinct approvers, the deadline) hold here too. The workflow writes its own
 * decisions to SageMaker, which EventBridge reports back; those echoes are answered `ignored`.
 *
 * A refused Studio decision (unmapped user, the registrant, too late, already decided) is answered
 * `refused` with the reason, notified, and the registry's status is set back to what the lifecycle
 * holds (PendingManualApproval while it waits), so registry and lifecycle agree.
 */
import { ConflictException, ForbiddenException, Inject, Injectable, Logger } from '@nestjs/common';
import type { CommandResult } from '../../shared/messages';
import type { LifecycleService } from '../model-versions/lifecycle.service';
import type { WithdrawalOutcome, WithdrawalService } from '../model-versions/withdrawal.service';
import { LIFECYCLE_SERVICE, STUDIO_DECISIONS, WITHDRAWAL_SERVICE } from '../tokens';
import type { SageMakerStateChange } from './sagemaker-event';
import type { RegistryStatus, StudioDecisions } from './studio-decisions';
import { resolveStudioIdentity } from './studio-identity';

export type EventOutcome =
  | { forwarded: 'approve' | 'reject'; id: string; by: string; studioUser: string; result: CommandResult }
  | { refused: string; id: string; by?: string; studioUser: string; registryStatus?: RegistryStatus }
  | { ignored: string; id?: string }
  | (WithdrawalOutcome & { studioUser: string });

@Injectable()
export class SageMakerEventsService {
  private readonly logger = new Logger('SageMakerEvents');

  constructor(
    @Inject(LIFECYCLE_SERVICE) private readonly lifecycles: LifecycleService,
    @Inject(STUDIO_DECISIONS) private readonly studio: StudioDecisions,
    @Inject(WITHDRAWAL_SERVICE) private readonly withdrawals: WithdrawalService,
  ) {}

  async handle(event: SageMakerStateChange): Promise<EventOutcome> {
    const {
      ModelPackageGroupName: group,
      ModelPackageVersion: version,
      ModelApprovalStatus: status,
    } = event.detail;
    const label = `${group} v${version}`;
    if (status === 'PendingManualApproval')
      return { ignored: `${label} is pending approval: nothing to decide` };

    const { items } = await this.lifecycles.listWhere({ group, modelVersion: version }, 1);
    const id = items[0]?.id;
    if (!id) return { ignored: `no lifecycle manages ${label}` };

    const state = await this.lifecycles.state(id);
    const decided = state.approval?.decision?.status;
    // Decided the same way already: the echo of the workflow's own write (the stage may still read
    // awaiting-approval while the gate writes the decision back and pins its build).
    if (decided === status) {
      return { ignored: `echo of the workflow's own decision (${status}) on ${label}`, id };
    }

    const who = resolveStudioIdentity(event, this.studio.identities);
    const refuse = (reason: string, by?: string) =>
      this.refuse({ id, group, version, status, reason, by, studioUser: who.studioUser });
    if (!who.ok) return refuse(who.refusal);

    const action = status === 'Approved' ? 'approve' : 'reject';
    const reason = `${event.detail.ApprovalDescription || `${status} in SageMaker Studio`} (SageMaker Studio user ${who.studioUser})`;
    if (action === 'reject' && state.stage !== 'awaiting-approval') {
      // Rejected after the approval: a withdrawal (withdrawal.service.ts). Never a 409: EventBridge
      // counts a 4xx as a failed delivery, so a refusal is answered 200 and the registry set back.
      try {
        const outcome = await this.withdrawals.withdraw(id, who.identity, reason);
        return { ...outcome, studioUser: who.studioUser };
      } catch (err) {
        if (err instanceof ForbiddenException || err instanceof ConflictException) {
          return refuse(err.message, who.identity);
        }
        throw err;
      }
    }
    try {
      const result = await this.lifecycles.command(id, action, who.identity, reason);
      return { forwarded: action, id, by: who.identity, studioUser: who.studioUser, result };
    } catch (err) {
      // 403: a rule refused this identity; 409: the decision no longer fits the stage.
      if (err instanceof ForbiddenException || err instanceof ConflictException) {
        return refuse(err.message, who.identity);
      }
      throw err;
    }
  }

  private async refuse(r: {
    id: string;
    group: string;
    version: number;
    status: RegistryStatus;
    reason: string;
    by?: string;
    studioUser: string;
  }): Promise<EventOutcome> {
    // Read again: the lifecycle may have decided meanwhile, and the registry must show that decision.
    const state = await this.lifecycles.state(r.id);
    const restored: RegistryStatus = state.approval?.decision?.status ?? 'PendingManualApproval';
    const arn = state.modelPackageArn;
    const reason = `SageMaker Studio decision ${r.status} by ${r.studioUser} refused: ${r.reason}`;
    // A failure here is a 5xx, so EventBridge retries the event; handling it again is harmless.
    if (arn)
      await this.studio.setApprovalStatus({ modelPackageArn: arn, status: restored, description: reason });
    this.logger.warn(reason);
    // A finished lifecycle takes no signal; its record is closed, the answer and log still say it.
    await this.lifecycles
      .recordRefusedDecision(r.id, {
        action: r.status === 'Approved' ? 'approve' : 'reject',
        by: r.by ?? `sagemaker-studio:${r.studioUser}`,
        refusal: reason,
      })
      .catch(() => undefined);
    await this.studio
      .notify({
        kind: 'studio-decision-refused',
        workflowId: r.id,
        modelPackageGroup: r.group,
        modelVersion: r.version,
        modelPackageArn: arn,
        studioStatus: r.status,
        restoredStatus: arn ? restored : undefined,
        studioUser: r.studioUser,
        identity: r.by,
        reason,
      })
      .catch((err: Error) =>
        this.logger.warn(`notification of a refused Studio decision failed: ${err.message}`),
      );
    return {
      refused: reason,
      id: r.id,
      studioUser: r.studioUser,
      ...(r.by ? { by: r.by } : {}),
      ...(arn ? { registryStatus: restored } : {}),
    };
  }
}
