/**
 * Shared set-up of the time-skipping tests: the lifecycle with the timings users get (no shortened
 * delays), on the Java test server, against the in-memory SageMaker.
 */
import type { temporal } from '@temporalio/proto';
import type { LifecycleRequest } from '../../../src/shared/lifecycle-input';
import { createFakeSageMaker, type FakeSageMaker } from '../../helpers/fake-sagemaker';
import { startTimeSkippingTemporal, type TimeSkippingTemporal } from '../../helpers/time-skipping';
import { lifecycleRequest, type LifecycleHandle } from '../workflows/lifecycle-harness';

export const HOUR_MS = 3600_000;
export const DAY_MS = 24 * HOUR_MS;

export interface TimeSkippingHarness {
  temporal: TimeSkippingTemporal;
  fake: FakeSageMaker;
  stop(): Promise<void>;
}

/**
 * A worker on its own test server. `wrap` lets a file change what an activity does with server time
 * (e.g. a bake that lasts its bakeSeconds) while the fake keeps the SageMaker side.
 */
export async function startTimeSkippingHarness(
  wrap: (fake: FakeSageMaker, temporal: TimeSkippingTemporal) => object = (fake) => fake.activities,
): Promise<TimeSkippingHarness> {
  const temporal = await startTimeSkippingTemporal();
  // No lockLivenessCheckSeconds: the endpoint lock checks its holder at the production default.
  const fake = createFakeSageMaker({ temporal: { client: temporal.client, taskQueue: temporal.taskQueue } });
  const worker = await temporal.startWorker({
    ...wrap(fake, temporal),
    // The test server has no visibility store (ListWorkflowExecutions is unimplemented), so a new lock's
    // recovery cannot list who uses the endpoint. Every test here uses an endpoint of its own, where the
    // true answer is "nobody"; recovery itself is tested on the dev server (endpoint-lock.test.ts).
    async findEndpointLockUsers() {
      return { holders: [], waiters: [] };
    },
  });
  return {
    temporal,
    fake,
    async stop() {
      await worker.stop();
      await temporal.close();
    },
  };
}

/** A request that sets only the endpoint: every timer, bake, step and limit is the schema's default. */
export function defaultsRequest(overrides: Partial<LifecycleRequest> = {}): LifecycleRequest {
  const req = lifecycleRequest(overrides);
  return { ...req, deployment: { productionEndpointName: req.deployment.productionEndpointName } };
}

/** When the lifecycle entered `stage` (its first time), in workflow time. */
export function enteredAt(state: { transitions: { stage: string; at: string }[] }, stage: string): number {
  const t = state.transitions.find((x) => x.stage === stage);
  if (!t) throw new Error(`never entered ${stage}: ${state.transitions.map((x) => x.stage).join(' → ')}`);
  return Date.parse(t.at);
}

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;
const eventMs = (e: HistoryEvent) =>
  Number(e.eventTime?.seconds ?? 0) * 1000 + (e.eventTime?.nanos ?? 0) / 1e6;
const durationMs = (d: { seconds?: unknown; nanos?: number | null } | null | undefined) =>
  Number(d?.seconds ?? 0) * 1000 + (d?.nanos ?? 0) / 1e6;

/** One activity of a workflow's history, as the server recorded it (server time). */
export interface ActivitySpan {
  scheduledAt: number;
  startedAt?: number;
  /** Completed, failed, timed out or cancelled. */
  closedAt?: number;
  outcome?: 'completed' | 'failed' | 'timed-out' | 'canceled';
  /** The attempt that closed it (1: no retry, so no heartbeat or start-to-close timeout on the way). */
  attempt?: number;
  heartbeatTimeoutMs: number;
  startToCloseTimeoutMs: number;
}

/** Every `activityType` activity of the workflow, in the order scheduled, from its history. */
export async function activitySpans(handle: LifecycleHandle, activityType: string): Promise<ActivitySpan[]> {
  const events = (await handle.fetchHistory()).events ?? [];
  const spans = new Map<number, ActivitySpan>();
  for (const e of events) {
    const scheduled = e.activityTaskScheduledEventAttributes;
    if (scheduled?.activityType?.name === activityType) {
      spans.set(Number(e.eventId), {
        scheduledAt: eventMs(e),
        heartbeatTimeoutMs: durationMs(scheduled.heartbeatTimeout),
        startToCloseTimeoutMs: durationMs(scheduled.startToCloseTimeout),
      });
      continue;
    }
    const started = e.activityTaskStartedEventAttributes;
    const span = (id: unknown) => spans.get(Number(id));
    if (started && span(started.scheduledEventId)) {
      Object.assign(span(started.scheduledEventId)!, { startedAt: eventMs(e), attempt: started.attempt });
      continue;
    }
    const closed: [ActivitySpan['outcome'], { scheduledEventId?: unknown } | null | undefined][] = [
      ['completed', e.activityTaskCompletedEventAttributes],
      ['failed', e.activityTaskFailedEventAttributes],
      ['timed-out', e.activityTaskTimedOutEventAttributes],
      ['canceled', e.activityTaskCanceledEventAttributes],
    ];
    for (const [outcome, attrs] of closed) {
      if (attrs && span(attrs.scheduledEventId))
        Object.assign(span(attrs.scheduledEventId)!, { closedAt: eventMs(e), outcome });
    }
  }
  return [...spans.values()];
}
