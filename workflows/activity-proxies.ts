/**
 * Activity stubs with the retry and timeout policy each kind of call needs.
 * Validation errors and a Failed endpoint are never retried; everything else backs off.
 */
import { proxyActivities } from '@temporalio/workflow';
import { ErrorTypes, type LifecycleActivities } from '../src/shared/activity-contracts';

const NON_RETRYABLE = [
  ErrorTypes.Validation,
  ErrorTypes.EndpointFailed,
  ErrorTypes.NotFound,
  'WorkerMisconfigured',
];

/** Plain AWS calls: seconds each, transient failures retried with exponential backoff. */
export const aws = proxyActivities<LifecycleActivities>({
  startToCloseTimeout: '2 minutes',
  retry: {
    initialInterval: '1 second',
    backoffCoefficient: 2,
    maximumInterval: '1 minute',
    maximumAttempts: 20,
    nonRetryableErrorTypes: NON_RETRYABLE,
  },
});

export type EndpointCalls = Pick<
  LifecycleActivities,
  'awaitEndpointInService' | 'deployEndpointConfig' | 'setVariantWeights' | 'deleteEndpoint'
>;

/**
 * Calls that meet an endpoint which is still Creating/Updating. The retry policy IS the poll loop:
 * every attempt frees the worker slot, and retries add no events to history.
 */
export function endpointCalls(pollSeconds: number, timeoutSeconds: number): EndpointCalls {
  return proxyActivities<EndpointCalls>({
    startToCloseTimeout: '1 minute',
    scheduleToCloseTimeout: timeoutSeconds * 1000,
    retry: {
      initialInterval: pollSeconds * 1000,
      backoffCoefficient: 1,
      nonRetryableErrorTypes: NON_RETRYABLE,
    },
  });
}

/** One heartbeating watch per bake step: history grows with steps, not with bake time. */
export function healthWatch(bakeSeconds: number, maxWaitSeconds: number, intervalSeconds: number) {
  return proxyActivities<Pick<LifecycleActivities, 'watchHealth'>>({
    startToCloseTimeout: (bakeSeconds + maxWaitSeconds + 120) * 1000,
    heartbeatTimeout: Math.max(30, intervalSeconds * 3) * 1000,
    retry: { initialInterval: '2 seconds', maximumAttempts: 5, nonRetryableErrorTypes: NON_RETRYABLE },
  }).watchHealth;
}
