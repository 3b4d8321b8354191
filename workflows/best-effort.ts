/**
 * Steps whose failure must not change an outcome: clean-up after the endpoint is already safe, and
 * notifications. A failure is recorded in the state (warnings, notifications) and the lifecycle goes
 * on; cancellation still stops it.
 */
import { CancellationScope, isCancellation } from '@temporalio/workflow';
import type { LifecycleNotification } from '../src/shared/activity-contracts';
import { notifier } from './activity-proxies';
import { failureText } from './failure-text';
import type { LifecycleRecord } from './lifecycle-record';

export async function bestEffort(record: LifecycleRecord, what: string, step: () => Promise<unknown>) {
  try {
    await step();
  } catch (err) {
    if (isCancellation(err)) throw err;
    record.warn(`${what} failed: ${failureText(err)}`);
  }
}

/** Notifies without ever failing the lifecycle; runs even while the lifecycle is being cancelled. */
export async function notifyBestEffort(
  record: LifecycleRecord,
  notification: Omit<LifecycleNotification, 'workflowId' | 'modelPackageGroup' | 'endpointName'>,
): Promise<void> {
  const { state } = record;
  try {
    await CancellationScope.nonCancellable(() =>
      notifier.notify({
        workflowId: state.workflowId,
        modelPackageGroup: state.modelPackageGroup,
        endpointName: state.productionEndpointName,
        ...(state.modelPackageArn ? { modelPackageArn: state.modelPackageArn } : {}),
        ...(state.modelVersion !== undefined ? { modelVersion: state.modelVersion } : {}),
        ...notification,
      }),
    );
    record.notification(notification.kind);
  } catch (err) {
    record.notification(notification.kind, failureText(err));
  }
}
