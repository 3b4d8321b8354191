/**
 * The model-versions feature on Temporal: start a lifecycle, read its state, list them, send commands.
 * Controllers stay thin; this is where Temporal's answers become HTTP answers.
 */
import {
  ConflictException,
  ForbiddenException,
  Inject,
  Injectable,
  NotFoundException,
  ServiceUnavailableException,
} from '@nestjs/common';
import {
  WorkflowExecutionAlreadyStartedError,
  WorkflowIdReusePolicy,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  type Client,
  type WorkflowExecutionDescription,
} from '@temporalio/client';
import { TypedSearchAttributes } from '@temporalio/common';
import {
  decodeFromPayloadsAtIndex,
  decodeMapFromPayloads,
} from '@temporalio/common/lib/internal-non-workflow';
import { temporal } from '@temporalio/proto';
import type { LifecycleInput } from '../../shared/lifecycle-input';
import { lifecycleInputObject, lifecycleWorkflowId } from '../../shared/lifecycle-input';
import type { LifecycleState } from '../../shared/lifecycle-state';
import type { RevertRequest } from '../../shared/revert';
import { stateFromMemo, type MemoState, type OmittedCounts } from '../../shared/state-memo';
import {
  commandUpdate,
  refusedDecisionSignal,
  endpointLockWorkflowId,
  LIFECYCLE_WORKFLOW_TYPE,
  lockHolderQuery,
  lockPositionOf,
  stateQuery,
  type CommandAction,
  type CommandResult,
  type LockPosition,
} from '../../shared/messages';
import { EndpointNameKey, LifecycleStageKey, ModelPackageGroupKey } from '../../shared/search-attributes';
import { SharedCalls } from '../common/shared-calls';
import { temporalUnavailable } from '../common/temporal-errors';
import { API_SETTINGS, TEMPORAL_CLIENT } from '../tokens';
import type { ListQuery } from './schemas';
import { differingFields } from './request-diff';
import { completedState, isNoWorkerAnswer, serverView, tsToIso, type ServerView } from './server-view';
import {
  decodePageToken,
  encodePageToken,
  summarize,
  SUMMARY_MEMO_FIELDS,
  visibilityQuery,
  type ListFilter,
} from './visibility';

export interface ApiSettings {
  namespace: string;
  taskQueue: string;
  /** How long a command waits for the workflow's answer before a 504. */
  commandTimeoutMs: number;
  /** Largest JSON body accepted; larger ones get 413 (default 1 MiB). */
  maxBodyBytes?: number;
  /** Timings of the reverts the API starts (poll, canary bake, health policy); the workflow's defaults otherwise. */
  revertDefaults?: Partial<RevertRequest>;
  /** How long a read waits for a worker to answer the state query before it answers from the server (default 5 s). */
  queryTimeoutMs?: number;
}

export type Registration = Partial<
  Pick<
    LifecycleInput,
    | 'modelPackageGroup'
    | 'idempotencyKey'
    | 'registeredBy'
    | 'artifactUri'
    | 'inferenceImage'
    | 'metrics'
    | 'lineage'
    | 'tags'
    | 'approval'
    | 'deployment'
  >
>;

const DEFAULT_QUERY_TIMEOUT_MS = 5000;
/** The lock position beside a memo answer is a courtesy: it may not hold the read up for long. */
const LOCK_COURTESY_MS = 1000;

/** Where an answer of GET /model-versions/:id came from (README, "API"). */
export type ReadSource = 'memo' | 'query' | 'result' | 'server';

export type MemoRead = LifecycleState & {
  source: 'memo';
  /** The run's status on the server (RUNNING, COMPLETED, FAILED, TERMINATED, …). */
  status: string;
  lock?: LockPosition;
  /** Entries of bounded lists the memo leaves out; `?view=full` has them. */
  omitted?: OmittedCounts;
  stale?: true;
  staleReason?: string;
};

export type LifecycleRead =
  MemoRead | (LifecycleState & { lock?: LockPosition; source: 'query' | 'result' }) | ServerView;

export interface StartedLifecycle {
  id: string;
  runId: string;
  modelPackageGroup: string;
  idempotencyKey: string;
  registeredBy: string;
  links: { self: string };
}

const failureMessage = (err: Error): string => {
  let cause: Error | undefined = err;
  while (cause && (cause as { cause?: Error }).cause) cause = (cause as { cause?: Error }).cause;
  return cause?.message || err.message;
};

@Injectable()
export class LifecycleService {
  /** Describes in flight, by id, that concurrent reads of the same id share (describeShared). */
  private readonly describing = new SharedCalls<WorkflowExecutionDescription>();
  /**
   * Visibility lists in flight, by query and page, that identical lists share: the server limits
   * visibility calls per namespace (frontend.namespaceRPS.visibility), and a list is eventually
   * consistent anyway, so joining one already running loses nothing a caller could rely on.
   */
  private readonly listing = new SharedCalls<Awaited<ReturnType<LifecycleService['listOnce']>>>();

  constructor(
    @Inject(TEMPORAL_CLIENT) private readonly client: Client,
    @Inject(API_SETTINGS) private readonly settings: ApiSettings,
  ) {}

  /**
   * Idempotent on (group, idempotencyKey), whoever calls: the same request again is `created: false`
   * (200); a different request under a used key is a 409 naming the differing fields, so a pipeline
   * that reuses a key by mistake learns that its new model is not on its way.
   */
  async start(input: LifecycleInput): Promise<{ created: boolean; body: StartedLifecycle }> {
    const id = lifecycleWorkflowId(input.modelPackageGroup, input.idempotencyKey);
    const body = (runId: string, registeredBy: string): StartedLifecycle => ({
      id,
      runId,
      modelPackageGroup: input.modelPackageGroup,
      idempotencyKey: input.idempotencyKey,
      registeredBy,
      links: { self: `/model-versions/${encodeURIComponent(id)}` },
    });
    try {
      const handle = await this.client.workflow.start(LIFECYCLE_WORKFLOW_TYPE, {
        workflowId: id,
        taskQueue: this.settings.taskQueue,
        args: [input],
        // A finished lifecycle is not restarted by a retried POST either.
        workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
        // Set at start so a list right after the POST already finds it; the workflow keeps them current.
        typedSearchAttributes: new TypedSearchAttributes([
          { key: ModelPackageGroupKey, value: input.modelPackageGroup },
          { key: LifecycleStageKey, value: 'registering' },
          { key: EndpointNameKey, value: input.deployment.productionEndpointName },
        ]),
        // In the memo so that a repeated POST can answer with the same body without asking the workflow.
        memo: { registeredBy: input.registeredBy },
        staticSummary: `${input.modelPackageGroup} ← ${input.idempotencyKey} (by ${input.registeredBy})`,
      });
      return { created: true, body: body(handle.firstExecutionRunId, input.registeredBy) };
    } catch (err) {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw temporalUnavailable(err) ?? err;
      const existing = await this.describe(id);
      const differing = differingFields(await this.startInput(id, existing.runId), input);
      if (differing.length > 0) {
        throw new ConflictException({
          statusCode: 409,
          error: 'Conflict',
          message: `idempotencyKey "${input.idempotencyKey}" of group ${input.modelPackageGroup} was first used for a different request; differing fields: ${differing.join(', ')}`,
          differingFields: differing,
          existing: body(
            existing.runId,
            typeof existing.memo?.registeredBy === 'string' ? existing.memo.registeredBy : '',
          ),
        });
      }
      return { created: false, body: body(existing.runId, input.registeredBy) };
    }
  }

  /** The input the lifecycle was started with: the first event of its history, decoded as the client would. */
  private async startInput(id: string, runId: string): Promise<unknown> {
    try {
      const { history } = await this.client.workflowService.getWorkflowExecutionHistory({
        namespace: this.settings.namespace,
        execution: { workflowId: id, runId },
        maximumPageSize: 1,
      });
      const payloads = history?.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads;
      return await decodeFromPayloadsAtIndex(this.client.options.loadedDataConverter, 0, payloads);
    } catch (err) {
      throw temporalUnavailable(err) ?? err;
    }
  }

  /**
   * What the lifecycle was started with, defaults applied: lineage, metrics and the rollout plan
   * (steps, bake) the state does not repeat. The container environment and sample payloads stay out:
   * they are the pipeline's, not something an approver decides on.
   */
  async registration(id: string): Promise<Registration> {
    const existing = await this.describe(id);
    const raw = await this.startInput(id, existing.runId);
    const parsed = lifecycleInputObject.safeParse(raw);
    // A start that bypassed the API may not parse; it is shown as recorded rather than not at all.
    const input = (parsed.success ? parsed.data : raw) as Partial<LifecycleInput>;
    return {
      modelPackageGroup: input.modelPackageGroup,
      idempotencyKey: input.idempotencyKey,
      registeredBy: input.registeredBy,
      artifactUri: input.artifactUri,
      inferenceImage: input.inferenceImage,
      metrics: input.metrics,
      lineage: input.lineage,
      tags: input.tags,
      approval: input.approval,
      deployment: input.deployment,
    };
  }

  /**
   * What GET /model-versions/:id answers. By default the read model the workflow keeps in its memo
   * (src/shared/state-memo.ts): one DescribeWorkflowExecution, no worker, as current as the query
   * (written in the workflow task that changes the state); `stale: true` only while the server holds
   * events no worker has processed yet. `view: 'full'`, and runs started before the memo existed, ask
   * the `state` query; without a worker (none polling, or none answering within `queryTimeoutMs`)
   * that answer comes from the server alone (server-view.ts): a completed lifecycle's returned state
   * in full, otherwise its search attributes and pending work, marked `stale: true`.
   */
  async read(id: string, view: 'memo' | 'full' = 'memo'): Promise<LifecycleRead> {
    const description = await this.describeShared(id);
    if (view === 'memo') {
      const fromMemo = stateFromMemo(description.memo);
      if (fromMemo) return this.memoAnswer(id, description, fromMemo);
    }
    try {
      return { ...(await this.queriedState(id)), source: 'query' };
    } catch (err) {
      if (!isNoWorkerAnswer(err)) throw temporalUnavailable(err) ?? err;
      return this.stateWithoutWorker(id, description, err as Error);
    }
  }

  private async memoAnswer(
    id: string,
    description: WorkflowExecutionDescription,
    { state, omitted }: MemoState,
  ): Promise<MemoRead> {
    const pending = description.raw.pendingWorkflowTask;
    const lock =
      state.stage === 'waiting-for-endpoint' && description.status.name === 'RUNNING'
        ? { lock: await this.lockPosition(state.productionEndpointName, id, LOCK_COURTESY_MS) }
        : {};
    return {
      ...state,
      ...lock,
      source: 'memo',
      status: description.status.name,
      ...(Object.keys(omitted).length > 0 ? { omitted } : {}),
      ...(pending
        ? {
            stale: true as const,
            staleReason: `the server holds events since ${tsToIso(pending.originalScheduledTime ?? pending.scheduledTime) ?? 'a moment ago'} that no worker has processed yet (workflow task ${pending.state === temporal.api.enums.v1.PendingWorkflowTaskState.PENDING_WORKFLOW_TASK_STATE_STARTED ? 'started' : 'scheduled'}, attempt ${pending.attempt ?? 1}): this is the state as of the last one processed`,
          }
        : {}),
    };
  }

  /**
   * Concurrent reads of one id share one describe in flight (a dashboard and its 50 tabs): a read
   * gets an answer at most one describe older than itself. Commands sent through this API drop the
   * shared call, so a read after an approve returned sees the approval.
   */
  private describeShared(id: string): Promise<WorkflowExecutionDescription> {
    return this.describing.run(id, () => this.describe(id));
  }

  /** The full state, for decisions that need it (a Studio event): 503 when no worker answers. */
  async state(id: string): Promise<LifecycleState & { lock?: LockPosition }> {
    await this.describe(id);
    try {
      return await this.queriedState(id);
    } catch (err) {
      if (isNoWorkerAnswer(err)) {
        throw new ServiceUnavailableException(
          `no worker answered the state query of ${id} (${(err as Error).message}); retry once a worker runs`,
        );
      }
      throw temporalUnavailable(err) ?? err;
    }
  }

  private get queryTimeoutMs(): number {
    return this.settings.queryTimeoutMs ?? DEFAULT_QUERY_TIMEOUT_MS;
  }

  private async queriedState(id: string): Promise<LifecycleState & { lock?: LockPosition }> {
    const state = await this.client.withDeadline(Date.now() + this.queryTimeoutMs, () =>
      this.client.workflow.getHandle(id).query(stateQuery),
    );
    if (state.stage !== 'waiting-for-endpoint') return state;
    return { ...state, lock: await this.lockPosition(state.productionEndpointName, id, this.queryTimeoutMs) };
  }

  private async stateWithoutWorker(
    id: string,
    description: WorkflowExecutionDescription,
    queryError: Error,
  ): Promise<LifecycleRead> {
    try {
      if (description.status.name === 'COMPLETED') {
        const final = await completedState(this.client, id, description.runId);
        if (final) return { ...final, source: 'result' };
      }
    } catch (err) {
      throw temporalUnavailable(err) ?? err;
    }
    const why = /no poller/i.test(queryError.message)
      ? 'no worker is polling the task queue'
      : `no worker answered within ${this.queryTimeoutMs / 1000} s`;
    return serverView(
      description,
      `${why}: this is what the Temporal server holds (stage, version, pending activities); transitions, commands and verdicts return once a worker runs`,
    );
  }

  /** Where a waiting lifecycle stands in its endpoint's lock queue; unknown (nulls) if the lock cannot say. */
  private async lockPosition(endpointName: string, id: string, timeoutMs: number): Promise<LockPosition> {
    try {
      const view = await this.client.withDeadline(Date.now() + timeoutMs, () =>
        this.client.workflow.getHandle(endpointLockWorkflowId(endpointName)).query(lockHolderQuery),
      );
      return lockPositionOf(view, id);
    } catch {
      // The state is the answer; the position is a courtesy and must not turn it into an error.
      return { position: null, holder: null };
    }
  }

  async list(query: ListQuery): Promise<{ items: ReturnType<typeof summarize>[]; nextPageToken?: string }> {
    return this.listWhere({ group: query.group, stage: query.stage }, query.pageSize, query.pageToken);
  }

  listWhere(filter: ListFilter, pageSize: number, pageToken?: string) {
    const query = visibilityQuery(filter);
    const key = JSON.stringify([query, pageSize, pageToken ?? null]);
    return this.listing.run(key, () => this.listOnce(query, pageSize, pageToken));
  }

  private async listOnce(query: string, pageSize: number, pageToken?: string) {
    try {
      const response = await this.client.workflowService.listWorkflowExecutions({
        namespace: this.settings.namespace,
        query,
        pageSize,
        nextPageToken: decodePageToken(pageToken),
      });
      const items = await Promise.all(
        response.executions.map(async (info) => summarize(info, await this.summaryMemo(info))),
      );
      return { items, nextPageToken: encodePageToken(response.nextPageToken) };
    } catch (err) {
      throw temporalUnavailable(err) ?? err;
    }
  }

  /** The few memo fields a list item shows, decoded as the client decodes a memo (its data converter). */
  private async summaryMemo(info: temporal.api.workflow.v1.IWorkflowExecutionInfo) {
    const fields = info.memo?.fields ?? {};
    const wanted = Object.fromEntries(
      SUMMARY_MEMO_FIELDS.filter((f) => fields[f]).map((f) => [f, fields[f]!]),
    );
    return decodeMapFromPayloads(this.client.options.loadedDataConverter, wanted);
  }

  /** Records, in a running lifecycle's own state, a decision refused before the workflow judged it. */
  async recordRefusedDecision(
    id: string,
    refused: { action: 'approve' | 'reject'; by: string; reason?: string; refusal: string },
  ): Promise<void> {
    await this.client.workflow.getHandle(id).signal(refusedDecisionSignal, refused);
  }

  /**
   * The `command` update: the workflow's validator refuses what does not fit the stage (409); the
   * handler may refuse what it cannot accept from this caller, such as self-approval (403).
   */
  async command(id: string, action: CommandAction, by: string, reason?: string): Promise<CommandResult> {
    const handle = this.client.workflow.getHandle(id);
    const deadline = Date.now() + this.settings.commandTimeoutMs;
    let result: CommandResult;
    try {
      result = await this.client.withDeadline(deadline, () =>
        handle.executeUpdate(commandUpdate, { args: [{ action, by, reason }] }),
      );
    } catch (err) {
      this.describing.forget(id);
      if (err instanceof WorkflowUpdateFailedError) {
        throw new ConflictException(`${action} refused: ${failureMessage(err)}`);
      }
      if (err instanceof WorkflowNotFoundError) {
        // Not found, or found but finished: an update reaches only a running workflow.
        const existing = await this.describe(id);
        const stage = existing.typedSearchAttributes.get(LifecycleStageKey) ?? existing.status.name;
        throw new ConflictException(`${action} refused: the lifecycle has finished (${stage})`);
      }
      throw temporalUnavailable(err) ?? err;
    }
    this.describing.forget(id);
    if (!result.accepted) {
      throw new ForbiddenException(`${action} refused: ${result.refusal ?? 'not allowed for this caller'}`);
    }
    return result;
  }

  /** The lifecycle's execution, or 404 (also for workflows of other types, e.g. endpoint locks). */
  async describe(id: string): Promise<WorkflowExecutionDescription> {
    try {
      const description = await this.client.workflow.getHandle(id).describe();
      if (description.type !== LIFECYCLE_WORKFLOW_TYPE) throw new WorkflowNotFoundError('', id, undefined);
      return description;
    } catch (err) {
      if (err instanceof WorkflowNotFoundError)
        throw new NotFoundException(`no model version with id "${id}"`);
      throw temporalUnavailable(err) ?? err;
    }
  }
}
