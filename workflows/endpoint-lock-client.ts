/** The lifecycle's side of the endpoint lock: ask, wait for the grant signal, release on every path. */
import { CancellationScope, condition, setHandler, workflowInfo } from '@temporalio/workflow';
import { lockGrantedSignal } from '../src/shared/messages';
import { aws } from './activity-proxies';

export class EndpointLockClient {
  private granted = false;
  private requested = false;

  constructor(private readonly endpointName: string) {
    setHandler(lockGrantedSignal, ({ endpointName }) => {
      if (endpointName === this.endpointName) this.granted = true;
    });
  }

  async acquire(): Promise<void> {
    this.requested = true;
    await aws.requestEndpointLock({
      endpointName: this.endpointName,
      requesterWorkflowId: workflowInfo().workflowId,
    });
    await condition(() => this.granted);
  }

  /** Safe on every path: does nothing when the lock was never asked for. */
  async release(): Promise<void> {
    if (!this.requested) return;
    await CancellationScope.nonCancellable(() =>
      aws.releaseEndpointLock({
        endpointName: this.endpointName,
        requesterWorkflowId: workflowInfo().workflowId,
      }),
    );
    this.granted = false;
    this.requested = false;
  }
}
