/**
 * Reverts on Temporal: the plan is read first (404 nothing to go to, 409 endpoint not on one
 * version), then the endpoint lock (409 while a deployment holds it), then the `endpointRevert`
 * workflow is started with the planned versions pinned, so a repeated or late request that finds the
 * endpoint moved on does nothing (`superseded`) instead of reverting twice.
 */
import { ConflictException, Inject, Injectable, NotFoundException } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { ApplicationFailure, TypedSearchAttributes } from '@temporalio/common';
import { ErrorTypes, type PlanRevertInput, type RevertPlan } from '../../shared/activity-contracts';
import {
  endpointLockWorkflowId,
  LIFECYCLE_WORKFLOW_TYPE,
  lockHolderQuery,
  type LockView,
} from '../../shared/messages';
import {
  REVERT_WORKFLOW_TYPE,
  revertStateQuery,
  revertWorkflowId,
  type RevertBody,
  type RevertCause,
  type RevertRequest,
  type RevertState,
} from '../../shared/revert';
import { EndpointNameKey, LifecycleStageKey, ModelPackageGroupKey } from '../../shared/search-attributes';
import { temporalUnavailable } from '../common/temporal-errors';
import type { ApiSettings } from '../model-versions/lifecycle.service';
import { decodePageToken, encodePageToken, summarize } from '../model-versions/visibility';
import { API_SETTINGS, REVERT_PLANNER, TEMPORAL_CLIENT } from '../tokens';

/** The activities' `planRevert`, bound to a SageMaker client (the emulator or a fake in tests). */
export type RevertPlanner = (input: PlanRevertInput) => Promise<RevertPlan>;

export interface StartedRevert {
  id: string;
  endpointName: string;
  from?: { modelVersion: number; modelPackageArn: string };
  to?: { modelVersion: number; modelPackageArn: string };
  /** A withdrawal with no earlier version: the workflow records withdrawal-blocked and touches nothing. */
  blocked?: true;
  links: { self: string };
}

const quote = (value: string) => `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

@Injectable()
export class RevertService {
  constructor(
    @Inject(TEMPORAL_CLIENT) private readonly client: Client,
    @Inject(API_SETTINGS) private readonly settings: ApiSettings,
    @Inject(REVERT_PLANNER) private readonly planner: RevertPlanner,
  ) {}

  /** 404/409 as the plan and the lock say; otherwise the revert's workflow is started. */
  async plan(input: PlanRevertInput): Promise<RevertPlan> {
    try {
      return await this.planner(input);
    } catch (err) {
      if (err instanceof ApplicationFailure && err.type === ErrorTypes.NoRevertTarget)
        throw new NotFoundException(`revert refused: ${err.message}`);
      if (err instanceof ApplicationFailure && err.type === ErrorTypes.NoStableVersion)
        throw new ConflictException(`revert refused: ${err.message}`);
      throw err;
    }
  }

  async start(
    endpointName: string,
    body: RevertBody,
    by: string,
    cause: RevertCause = 'operator',
    extra: Partial<RevertRequest> = {},
  ): Promise<StartedRevert> {
    const lock = await this.lockView(endpointName);
    if (lock?.holder) {
      throw new ConflictException(
        `revert refused: ${lock.holder} holds ${endpointName} (a deployment is under way); revert once it has ended`,
      );
    }
    const running = await this.running(endpointName);
    if (running)
      throw new ConflictException(`revert refused: revert ${running} of ${endpointName} is under way`);
    let plan: RevertPlan | undefined;
    try {
      plan = await this.plan({
        endpointName,
        ...(body.toVersion !== undefined ? { toVersion: body.toVersion } : {}),
      });
    } catch (err) {
      // A withdrawal with nothing to go back to is still recorded: the workflow ends withdrawal-blocked.
      if (!(cause === 'withdrawal' && err instanceof NotFoundException)) throw err;
    }
    const id = revertWorkflowId(endpointName, randomUUID().slice(0, 8));
    const request: RevertRequest = {
      ...this.settings.revertDefaults,
      ...extra,
      endpointName,
      by,
      reason: body.reason,
      cause,
      canary: body.canary,
      ...(plan ? { toVersion: plan.to.modelVersion, expectedFromArn: plan.from.modelPackageArn } : {}),
    };
    try {
      await this.client.workflow.start(REVERT_WORKFLOW_TYPE, {
        workflowId: id,
        taskQueue: this.settings.taskQueue,
        args: [request],
        typedSearchAttributes: new TypedSearchAttributes([
          { key: EndpointNameKey, value: endpointName },
          { key: LifecycleStageKey, value: 'waiting-for-endpoint' },
          ...(plan ? [{ key: ModelPackageGroupKey, value: plan.modelPackageGroup }] : []),
        ]),
        staticSummary: plan
          ? `${cause} ${endpointName} v${plan.from.modelVersion} → v${plan.to.modelVersion} (by ${by})`
          : `${cause} ${endpointName}: nothing to go back to (by ${by})`,
      });
    } catch (err) {
      throw temporalUnavailable(err) ?? err;
    }
    const side = (s: { modelVersion: number; modelPackageArn: string }) => ({
      modelVersion: s.modelVersion,
      modelPackageArn: s.modelPackageArn,
    });
    return {
      id,
      endpointName,
      ...(plan ? { from: side(plan.from), to: side(plan.to) } : { blocked: true }),
      links: { self: `/endpoints/${encodeURIComponent(endpointName)}/reverts/${encodeURIComponent(id)}` },
    };
  }

  async state(endpointName: string, id: string): Promise<RevertState> {
    try {
      const handle = this.client.workflow.getHandle(id);
      const description = await handle.describe();
      if (description.type !== REVERT_WORKFLOW_TYPE) throw new WorkflowNotFoundError('', id, undefined);
      const state = await handle.query(revertStateQuery);
      if (state.endpointName !== endpointName) throw new WorkflowNotFoundError('', id, undefined);
      return state;
    } catch (err) {
      if (err instanceof WorkflowNotFoundError)
        throw new NotFoundException(`no revert "${id}" of endpoint "${endpointName}"`);
      throw temporalUnavailable(err) ?? err;
    }
  }

  /** Lifecycles and reverts on the endpoint, newest first; a revert with its from, to, who and why. */
  async history(endpointName: string, pageSize = 20, pageToken?: string) {
    try {
      const response = await this.client.workflowService.listWorkflowExecutions({
        namespace: this.settings.namespace,
        query:
          `(WorkflowType = ${quote(LIFECYCLE_WORKFLOW_TYPE)} OR WorkflowType = ${quote(REVERT_WORKFLOW_TYPE)}) ` +
          `AND EndpointName = ${quote(endpointName)}`,
        pageSize,
        nextPageToken: decodePageToken(pageToken),
      });
      const items = await Promise.all(
        response.executions.map(async (info) => {
          const summary = summarize(info);
          if (info.type?.name !== REVERT_WORKFLOW_TYPE) return { kind: 'lifecycle' as const, ...summary };
          const state = await this.client.workflow
            .getHandle(summary.id)
            .query(revertStateQuery)
            .catch(() => undefined);
          return {
            kind: 'revert' as const,
            ...summary,
            ...(state
              ? {
                  cause: state.cause,
                  by: state.by,
                  reason: state.reason,
                  ...(state.from ? { fromVersion: state.from.modelVersion } : {}),
                  ...(state.to ? { toVersion: state.to.modelVersion } : {}),
                  ...(state.outcome ? { outcome: state.outcome } : {}),
                }
              : {}),
          };
        }),
      );
      return { endpointName, items, nextPageToken: encodePageToken(response.nextPageToken) };
    } catch (err) {
      throw temporalUnavailable(err) ?? err;
    }
  }

  private async lockView(endpointName: string): Promise<LockView | undefined> {
    try {
      return await this.client.workflow
        .getHandle(endpointLockWorkflowId(endpointName))
        .query(lockHolderQuery);
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return undefined; // never locked: nobody holds it
      throw temporalUnavailable(err) ?? err;
    }
  }

  private async running(endpointName: string): Promise<string | undefined> {
    const response = await this.client.workflowService.listWorkflowExecutions({
      namespace: this.settings.namespace,
      query:
        `WorkflowType = ${quote(REVERT_WORKFLOW_TYPE)} AND ExecutionStatus = 'Running' AND ` +
        `EndpointName = ${quote(endpointName)}`,
      pageSize: 1,
    });
    return response.executions[0]?.execution?.workflowId ?? undefined;
  }
}
