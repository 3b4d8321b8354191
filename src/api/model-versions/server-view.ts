/**
 * A lifecycle's state when no worker answers the `state` query (a deploy, a crash, every worker of
 * a pinned build gone): what the Temporal server itself holds, with no worker involved.
 *   - A lifecycle that completed returned its final state: that result, in full, is the answer.
 *   - Otherwise the search attributes the workflow keeps current (stage, group, version, endpoint),
 *     the memo, the run's status and times, and what the server is running for it right now
 *     (pending activities with their attempts and last failure). Marked `stale: true`: the stage
 *     may be a moment behind, and transitions, commands and verdicts come back with a worker.
 */
import { WorkflowNotFoundError, type Client, type WorkflowExecutionDescription } from '@temporalio/client';
import { isGrpcServiceError } from '@temporalio/client';
import type { LifecycleState } from '../../shared/lifecycle-state';
import {
  EndpointNameKey,
  LifecycleStageKey,
  ModelPackageGroupKey,
  ModelVersionKey,
} from '../../shared/search-attributes';

export interface ServerView {
  workflowId: string;
  runId: string;
  status: string;
  stage?: string;
  modelPackageGroup?: string;
  modelVersion?: number;
  productionEndpointName?: string;
  registeredBy?: string;
  startTime: string;
  closeTime?: string;
  historyLength: number;
  pendingActivities: {
    activityType: string;
    attempt: number;
    state: string;
    lastFailure?: string;
    lastHeartbeatTime?: string;
  }[];
  source: 'server';
  stale: true;
  staleReason: string;
  asOf: string;
}

/** gRPC status codes (from the gRPC spec; @grpc/grpc-js is not a direct dependency). */
const CANCELLED = 1;
const DEADLINE_EXCEEDED = 4;
const FAILED_PRECONDITION = 9;

/**
 * A query that failed because no worker took it: the server says "no poller seen" when none polled
 * lately, and a worker that died a moment ago leaves the query waiting until our deadline.
 */
export function isNoWorkerAnswer(err: unknown): boolean {
  // The client wraps the gRPC error of a query in a ServiceError ("Failed to query Workflow").
  for (let e = err, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    if (!isGrpcServiceError(e)) continue;
    const code: number = e.code;
    // Our deadline passing: grpc-js reports it as DEADLINE_EXCEEDED, or as CANCELLED when the
    // client's deadline timer cancels the call first (seen on a busy machine, and on Node 24).
    if (code === DEADLINE_EXCEEDED || code === CANCELLED) return true;
    return (
      code === FAILED_PRECONDITION && /no poller seen|sticky worker unavailable/i.test(e.details ?? e.message)
    );
  }
  return false;
}

const PENDING_STATE = [
  'UNSPECIFIED',
  'SCHEDULED',
  'STARTED',
  'CANCEL_REQUESTED',
  'PAUSED',
  'PAUSE_REQUESTED',
];

export const tsToIso = (
  ts: { seconds?: unknown; nanos?: number | null } | null | undefined,
): string | undefined =>
  ts?.seconds
    ? new Date(Number(ts.seconds) * 1000 + Math.floor((ts.nanos ?? 0) / 1e6)).toISOString()
    : undefined;

export function serverView(d: WorkflowExecutionDescription, reason: string, now = new Date()): ServerView {
  const sa = d.typedSearchAttributes;
  const registeredBy = d.memo?.registeredBy;
  return {
    workflowId: d.workflowId,
    runId: d.runId,
    status: d.status.name,
    ...optional('stage', sa.get(LifecycleStageKey)),
    ...optional('modelPackageGroup', sa.get(ModelPackageGroupKey)),
    ...optional('modelVersion', sa.get(ModelVersionKey)),
    ...optional('productionEndpointName', sa.get(EndpointNameKey)),
    ...optional('registeredBy', typeof registeredBy === 'string' ? registeredBy : undefined),
    startTime: d.startTime.toISOString(),
    ...optional('closeTime', d.closeTime?.toISOString()),
    historyLength: d.historyLength,
    pendingActivities: (d.raw.pendingActivities ?? []).map((a) => ({
      activityType: a.activityType?.name ?? 'unknown',
      attempt: a.attempt ?? 1,
      state: PENDING_STATE[a.state ?? 0] ?? 'UNKNOWN',
      ...optional('lastFailure', a.lastFailure?.message ?? undefined),
      ...optional('lastHeartbeatTime', tsToIso(a.lastHeartbeatTime)),
    })),
    source: 'server',
    stale: true,
    staleReason: reason,
    asOf: now.toISOString(),
  };
}

function optional<K extends string, V>(key: K, value: V | undefined | null): { [P in K]?: V } {
  return value === undefined || value === null ? {} : ({ [key]: value } as { [P in K]: V });
}

/** The final state a completed lifecycle returned, read from its history's last event (no worker needed). */
export async function completedState(
  client: Client,
  id: string,
  runId: string,
): Promise<LifecycleState | undefined> {
  try {
    return await client.workflow.getHandle<() => Promise<LifecycleState>>(id, runId).result();
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return undefined;
    throw err;
  }
}
