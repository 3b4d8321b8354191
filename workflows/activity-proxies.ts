/**
 * Activity stubs with the retry and timeout policy each kind of call needs.
 *
 * Two bounds per call: the heartbeat timeout notices a dead worker within seconds (every activity
 * heartbeats while it runs, activities/heartbeat.ts), and the start-to-close timeout, sized to the
 * call, bounds a live worker stuck on an answer that never comes. Validation errors and a Failed
 * endpoint are never retried; everything else backs off.
 */
import { proxyActivities } from '@temporalio/workflow';
import { ErrorTypes, type LifecycleActivities } from '../src/shared/activity-contracts';

const NON_RETRYABLE = [
  ErrorTypes.Validation,
  ErrorTypes.EndpointFailed,
  ErrorTypes.NotFound,
  ErrorTypes.WorkerMisconfigured,
];

/** A dead worker's attempt is retried this long after its last heartbeat. */
const HEARTBEAT_TIMEOUT = '15 seconds';

/** Plain AWS calls: seconds each (the SDK's own socket timeout is 60 s), transient failures backed off. */
export const aws = proxyActivities<LifecycleActivities>({
  startToCloseTimeout: '90 seconds',
  heartbeatTimeout: HEARTBEAT_TIMEOUT,
  retry: {
    initialInterval: '1 second',
    backoffCoefficient: 2,
    maximumInterval: '1 minute',
    maximumAttempts: 20,
    nonRetryableErrorTypes: NON_RETRYABLE,
  },
});

/**
 * Notifications are best-effort: a few attempts, then the workflow records the failure and goes on.
 * A webhook outage must never turn a finished promotion or rollback into a failure.
 */
export const notifier = proxyActivities<Pick<LifecycleActivities, 'notify'>>({
  startToCloseTimeout: '30 seconds',
  heartbeatTimeout: HEARTBEAT_TIMEOUT,
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumAttempts: 4 },
});

/** Sending sample payloads: the start-to-close grows with their number; the heartbeat stays short. */
export function validation(payloadCount: number, latencyBudgetMs: number) {
  return proxyActivities<Pick<LifecycleActivities, 'validateEndpoint'>>({
    // Each payload: up to 3 attempts, each cut off at twice the budget (activities/validation.ts).
    startToCloseTimeout: 60_000 + payloadCount * 3 * (2 * latencyBudgetMs + 1_000),
    heartbeatTimeout: HEARTBEAT_TIMEOUT,
    // A throttled or unanswered invocation fails the attempt; the retry resumes from the heartbeat's
    // progress, so retries are cheap and throttling (30 % in the chaos suite) must not exhaust them.
    retry: {
      initialInterval: '1 second',
      backoffCoefficient: 2,
      maximumInterval: '30 seconds',
      maximumAttempts: 20,
      nonRetryableErrorTypes: NON_RETRYABLE,
    },
  }).validateEndpoint;
}

export type EndpointCalls = Pick<
  LifecycleActivities,
  'awaitEndpointInService' | 'deployEndpointConfig' | 'setVariantWeights' | 'deleteEndpoint'
>;

/**
 * Calls that meet an endpoint which is still Creating/Updating. The retry policy IS the poll loop:
 * every attempt frees the worker slot, and retries add no events to history. Each attempt is one or
 * two API calls, so its start-to-close is short.
 */
export function endpointCalls(pollSeconds: number, timeoutSeconds: number): EndpointCalls {
  return proxyActivities<EndpointCalls>({
    startToCloseTimeout: '30 seconds',
    heartbeatTimeout: HEARTBEAT_TIMEOUT,
    scheduleToCloseTimeout: timeoutSeconds * 1000,
    retry: {
      initialInterval: pollSeconds * 1000,
      backoffCoefficient: 1,
      nonRetryableErrorTypes: NON_RETRYABLE,
    },
  });
}

/**
 * Traffic back to the stable variant: the one call that stops a bad model hurting users, so the
 * tightest bounds of all. A lost attempt is retried within seconds; the poll is twice as eager.
 */
export function rollbackCalls(
  pollSeconds: number,
  timeoutSeconds: number,
): Pick<LifecycleActivities, 'setVariantWeights' | 'awaitEndpointInService'> {
  return proxyActivities<Pick<LifecycleActivities, 'setVariantWeights' | 'awaitEndpointInService'>>({
    startToCloseTimeout: '20 seconds',
    heartbeatTimeout: '8 seconds',
    scheduleToCloseTimeout: timeoutSeconds * 1000,
    retry: {
      initialInterval: Math.max(250, (pollSeconds * 1000) / 2),
      backoffCoefficient: 1,
      nonRetryableErrorTypes: NON_RETRYABLE,
    },
  });
}

/** One heartbeating watch per bake step: history grows with steps, not with bake time. */
export function healthWatch(bakeSeconds: number, maxWaitSeconds: number) {
  return proxyActivities<Pick<LifecycleActivities, 'watchHealth'>>({
    startToCloseTimeout: (bakeSeconds + maxWaitSeconds + 120) * 1000,
    // watchHealth heartbeats at least every 10 s, also while it sleeps between checks.
    heartbeatTimeout: '25 seconds',
    retry: { initialInterval: '2 seconds', maximumAttempts: 5, nonRetryableErrorTypes: NON_RETRYABLE },
  }).watchHealth;
}

/** The post-promotion watch: one heartbeating activity for the whole window (history stays bounded). */
export function promotionWatch(watchSeconds: number) {
  return proxyActivities<Pick<LifecycleActivities, 'watchPromoted'>>({
    startToCloseTimeout: (watchSeconds + 300) * 1000,
    heartbeatTimeout: '25 seconds',
    retry: { initialInterval: '2 seconds', maximumAttempts: 5, nonRetryableErrorTypes: NON_RETRYABLE },
  }).watchPromoted;
}
