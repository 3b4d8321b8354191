/**
 * Makes every AWS call made inside an activity give up when the activity is cancelled: by the
 * workflow, by a heartbeat timeout, or by a worker shutting down after its grace time. Without it a
 * slow call holds the activity, and the worker's shutdown, until AWS answers; with it the attempt
 * ends at once and Temporal hands the activity to another worker, where the call's own idempotency
 * (derived names, ClientToken) makes the retry safe.
 */
import { Context } from '@temporalio/activity';

type Handler = (args: unknown) => Promise<unknown>;

/** The part of an AWS SDK v3 client's middleware stack used here. */
export interface MiddlewareStackLike {
  add(middleware: (next: Handler) => Handler, options: { step: 'initialize'; name: string }): void;
}

function currentCancellationSignal(): AbortSignal | undefined {
  try {
    return Context.current().cancellationSignal;
  } catch {
    return undefined; // not inside an activity (the API, scripts, tests)
  }
}

function rejectOnAbort(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) => {
    signal.addEventListener('abort', () => reject(signal.reason as Error), { once: true });
  });
}

export function cancelWithActivity(stack: MiddlewareStackLike): void {
  stack.add(
    (next) => async (args) => {
      const signal = currentCancellationSignal();
      if (!signal) return next(args);
      if (signal.aborted) throw signal.reason as Error;
      return Promise.race([next(args), rejectOnAbort(signal)]);
    },
    { step: 'initialize', name: 'cancelWithActivity' },
  );
}
