/**
 * A version rejected after its approval: from SageMaker Studio (a Rejected state-change event) or
 * `POST /model-versions/:id/withdraw`. What it means depends on where the version is:
 *   awaiting approval            → the lifecycle's reject (today's rule)
 *   staging, waiting for the lock → the lifecycle is cancelled (its package marked Rejected, withdrawn)
 *   in the canary                → an operator rollback, by the withdrawing identity
 *   serving its endpoint         → the revert workflow (cause `withdrawal`) to the previous approved
 *                                  version; with none, it records `withdrawal-blocked` and keeps serving
 *   never served / no longer     → `ignored` with the reason (200: EventBridge must not retry it)
 */
import { ConflictException, Inject, Injectable } from '@nestjs/common';
import type { Client } from '@temporalio/client';
import type { CommandResult } from '../../shared/messages';
import type { ServingLineageReader } from '../endpoints/endpoints.controller';
import type { RevertService, StartedRevert } from '../endpoints/revert.service';
import { LIFECYCLE_SERVICE, REVERT_SERVICE, SERVING_LINEAGE_READER, TEMPORAL_CLIENT } from '../tokens';
import type { LifecycleService } from './lifecycle.service';

export type WithdrawalOutcome =
  | { withdrawn: 'rejected' | 'rolled-back'; id: string; by: string; result: CommandResult }
  | { withdrawn: 'cancelled'; id: string; by: string; stage: string }
  | { withdrawn: 'reverting' | 'blocked'; id: string; by: string; revert: StartedRevert }
  | { ignored: string; id: string };

const BEFORE_PRODUCTION = new Set(['registering', 'deploying-staging', 'validating', 'waiting-for-endpoint']);
const SERVED = new Set(['promoted', 'watching']);

@Injectable()
export class WithdrawalService {
  constructor(
    @Inject(TEMPORAL_CLIENT) private readonly client: Client,
    @Inject(LIFECYCLE_SERVICE) private readonly lifecycles: LifecycleService,
    @Inject(REVERT_SERVICE) private readonly reverts: RevertService,
    @Inject(SERVING_LINEAGE_READER) private readonly readLineage: ServingLineageReader,
  ) {}

  async withdraw(id: string, by: string, reason: string): Promise<WithdrawalOutcome> {
    const state = await this.lifecycles.state(id);
    const label = `${state.modelPackageGroup} v${state.modelVersion ?? '?'}`;
    if (state.stage === 'awaiting-approval') {
      return {
        withdrawn: 'rejected',
        id,
        by,
        result: await this.lifecycles.command(id, 'reject', by, reason),
      };
    }
    if (state.stage === 'deploying-canary' || state.stage === 'canary') {
      const result = await this.lifecycles.command(id, 'rollback', by, `withdrawn: ${reason}`);
      return { withdrawn: 'rolled-back', id, by, result };
    }
    if (BEFORE_PRODUCTION.has(state.stage)) {
      await this.client.workflow.getHandle(id).cancel();
      return { withdrawn: 'cancelled', id, by, stage: state.stage };
    }
    if (state.stage === 'reverted') return { ignored: `${label} was reverted already`, id };
    if (!SERVED.has(state.stage) || !state.modelPackageArn) {
      return { ignored: `${label} never served (${state.stage}): nothing to withdraw`, id };
    }
    const endpointName = state.productionEndpointName;
    const lineage = await this.readLineage(endpointName);
    const serving = lineage?.variants.some((v) => v.modelPackageArn === state.modelPackageArn) ?? false;
    if (!serving) return { ignored: `${label} no longer serves ${endpointName}: nothing to withdraw`, id };
    const revert = await this.reverts.start(
      endpointName,
      { reason: `${label} withdrawn: ${reason}`, canary: false },
      by,
      'withdrawal',
      { expectedFromArn: state.modelPackageArn, requestedBy: id },
    );
    if (revert.from && revert.from.modelPackageArn !== state.modelPackageArn) {
      throw new ConflictException(`withdraw refused: ${endpointName} serves another version now`);
    }
    return { withdrawn: revert.blocked ? 'blocked' : 'reverting', id, by, revert };
  }
}
