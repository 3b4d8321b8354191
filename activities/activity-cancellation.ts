/**
 * Makes every AWS call made inside an activity give up when the activity is cancelled: by the
 * workflow, by a heartbeat timeout, or by a worker shutting down after its grace time. Without it a
 * slow call holds the activity, and the worker's shutdown, until AWS answers; with it the attempt
 * ends at once and Temporal hands the activity to another worker, where the call's own idempotency
 * (derived names, ClientToken) makes the retry safe.
 *
 * The activity's cancellation signal is handed to the SDK as the call's `abortSignal`, so the SDK's
 * HTTP handler aborts the request and closes its socket (nothing is left waiting for AWS's answer).
 */
import { Context } from '@temporalio/activity';

function currentCancellationSignal(): AbortSignal | undefined {
  try {
    return Context.current().cancellationSignal;
  } catch {
    return undefined; // not inside an activity (the API, scripts, tests)
  }
}

type Send = (command: never, options?: { abortSignal?: AbortSignal }) => Promise<unknown>;

/** The part of an AWS SDK v3 client used here: `send(command, options)` (the promise form). */
interface Sender {
  send: Send;
}

export function cancelWithActivity<C extends Sender>(client: C): C {
  const send: Send = client.send.bind(client);
  const cancellable: Send = async (command, options) => {
    const signal = currentCancellationSignal();
    if (!signal) return send(command, options);
    if (signal.aborted) throw signal.reason as Error;
    // A caller's own signal (a per-request cap) still counts: whichever aborts first ends the call.
    const abortSignal = options?.abortSignal ? AbortSignal.any([signal, options.abortSignal]) : signal;
    try {
      return await send(command, { ...options, abortSignal });
    } catch (err) {
      // The SDK answers an abort with its own AbortError; the activity ends with Temporal's reason.
      if (signal.aborted) throw signal.reason as Error;
      throw err;
    }
  };
  client.send = cancellable;
  return client;
}
