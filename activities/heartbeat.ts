/**
 * Heartbeats while an activity runs, so a worker that dies in the middle of an AWS call is noticed
 * by the heartbeat timeout (seconds) instead of the start-to-close timeout (sized for the slowest
 * call). A live worker keeps heartbeating however long AWS takes, so the short heartbeat timeout
 * never cuts a slow but healthy call. Heartbeats also carry a cancellation to the activity.
 *
 * Activities that heartbeat with progress details of their own (watchHealth, validateEndpoint) are left alone: a
 * detail-less heartbeat from here would overwrite the details a retried attempt resumes from.
 */
import { Context } from '@temporalio/activity';

/** Well inside the shortest heartbeat timeout the workflow sets (workflows/activity-proxies.ts). */
export const HEARTBEAT_EVERY_MS = 1_000;

function currentContext(): Context | undefined {
  try {
    return Context.current();
  } catch {
    return undefined; // called outside an activity (unit tests calling the function directly)
  }
}

export function heartbeating<A extends unknown[], R>(
  fn: (...args: A) => Promise<R>,
): (...args: A) => Promise<R> {
  return async (...args: A) => {
    const ctx = currentContext();
    if (!ctx) return fn(...args);
    ctx.heartbeat();
    const timer = setInterval(() => ctx.heartbeat(), HEARTBEAT_EVERY_MS);
    try {
      return await fn(...args);
    } finally {
      clearInterval(timer);
    }
  };
}

/** Wraps every activity of `activities` except those named in `own` (they heartbeat themselves). */
export function withHeartbeats<T extends object>(activities: T, own: readonly (keyof T)[]): T {
  return Object.fromEntries(
    Object.entries(activities).map(([name, fn]) => [
      name,
      own.includes(name as keyof T) ? fn : heartbeating(fn as (...args: unknown[]) => Promise<unknown>),
    ]),
  ) as T;
}
