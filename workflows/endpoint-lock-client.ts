/**
 * The lifecycle's side of the endpoint lock: ask, wait for the grant signal, release on every path.
 * The grant's token arrives in the signal, so it is in this run's history and survives replay; the
 * release carries it, and the lock ignores a release with any other token (see endpoint-lock.ts).
 */
import { CancellationScope, condition, setHandler, workflowInfo } from '@temporalio/workflow';
import { lockGrantedSignal } from '../src/shared/messages';
import { aws } from './activity-proxies';

export class EndpointLockClient {
  private granted = false;
  private requested = false;
  private token: string | undefined;

  constructor(private readonly endpointName: string) {
    setHandler(lockGrantedSignal, async ({ endpointName, token }) => {
      if (endpointName !== this.endpointName) return;
      if (!this.requested) {
        // A grant that crossed our release (we gave up while it was on its way): hand it straight back.
        if (token) await CancellationScope.nonCancellable(() => this.releaseWith(token));
        return;
      }
      // A later grant replaces the token: a fresh lock run that found us holding grants us anew.
      this.granted = true;
      this.token = token;
    });
  }

  /** Waits for the grant; returns at once if this run already holds the lock. */
  async acquire(): Promise<void> {
    if (this.requested && this.granted) return;
    this.requested = true;
    await aws.requestEndpointLock({
      endpointName: this.endpointName,
      requesterWorkflowId: workflowInfo().workflowId,
      requesterRunId: workflowInfo().runId,
    });
    await condition(() => this.granted);
  }

  /** Safe on every path: does nothing when the lock was never asked for. */
  async release(): Promise<void> {
    if (!this.requested) return;
    const token = this.granted ? this.token : undefined;
    this.requested = false;
    this.granted = false;
    this.token = undefined;
    // No token yet: this withdraws us from the queue.
    await CancellationScope.nonCancellable(() => this.releaseWith(token));
  }

  private releaseWith(token: string | undefined): Promise<void> {
    return aws.releaseEndpointLock({
      endpointName: this.endpointName,
      requesterWorkflowId: workflowInfo().workflowId,
      requesterRunId: workflowInfo().runId,
      ...(token ? { token } : {}),
    });
  }
}
