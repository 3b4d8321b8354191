/**
 * Runs a step that an operator's command may cut short: when `interrupt()` turns true first, the
 * step's scope is cancelled (its activity is told through the next heartbeat) and the caller acts
 * on the command at once instead of after the step.
 */
import { CancellationScope, condition } from '@temporalio/workflow';

export type Interruptible<T> = { done: true; value: T } | { done: false };

export async function interruptible<T>(
  step: () => Promise<T>,
  interrupt: () => boolean,
): Promise<Interruptible<T>> {
  if (interrupt()) return { done: false };
  const scope = new CancellationScope();
  let outcome: { ok: true; value: T } | { ok: false; error: unknown } | undefined;
  const running = scope.run(step).then(
    (value) => void (outcome = { ok: true, value }),
    (error: unknown) => void (outcome = { ok: false, error }),
  );
  await condition(() => outcome !== undefined || interrupt());
  if (outcome === undefined) {
    scope.cancel();
    await running;
    return { done: false };
  }
  if (!outcome.ok) throw outcome.error;
  return { done: true, value: outcome.value };
}
