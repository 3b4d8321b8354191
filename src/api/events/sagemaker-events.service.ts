/**
 * SageMaker Studio → workflow: the state-change event becomes the approve/reject command of the
 * lifecycle that owns the version. The workflow writes its own decisions to SageMaker too, which
 * EventBridge reports back; those echoes are recognised and answered `ignored`, not re-sent.
 */
import { Inject, Injectable } from '@nestjs/common';
import type { CommandResult } from '../../shared/messages';
import { LIFECYCLE_SERVICE } from '../tokens';
import type { LifecycleService } from '../model-versions/lifecycle.service';
import { studioActor, type SageMakerStateChange } from './sagemaker-event';

export type EventOutcome =
  | { forwarded: 'approve' | 'reject'; id: string; by: string; result: CommandResult }
  | { ignored: string; id?: string };

@Injectable()
export class SageMakerEventsService {
  constructor(@Inject(LIFECYCLE_SERVICE) private readonly lifecycles: LifecycleService) {}

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
    if (state.stage !== 'awaiting-approval' && decided === status) {
      return { ignored: `echo of the workflow's own decision (${status}) on ${label}`, id };
    }
    const action = status === 'Approved' ? 'approve' : 'reject';
    const by = studioActor(event);
    const reason = event.detail.ApprovalDescription || `${status} in SageMaker Studio`;
    const result = await this.lifecycles.command(id, action, by, reason);
    return { forwarded: action, id, by, result };
  }
}
