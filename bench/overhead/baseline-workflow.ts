/**
 * The baseline of the orchestration-overhead benchmark: the activity calls one lifecycle made, in
 * its order and with its inputs, and nothing else (no state, no queries, no search attributes, no
 * lock, no timers). Calls one workflow task of the lifecycle scheduled together run together.
 */
import { proxyActivities } from '@temporalio/workflow';

export interface RecordedCall {
  activityType: string;
  args: unknown[];
}

type AnyActivity = (...args: unknown[]) => Promise<unknown>;

export async function activityCallsBaseline(batches: RecordedCall[][]): Promise<number> {
  const activities = proxyActivities<Record<string, AnyActivity>>({
    startToCloseTimeout: '1 minute',
    retry: { maximumAttempts: 1 },
  });
  for (const batch of batches) {
    await Promise.all(batch.map((call) => activities[call.activityType]!(...call.args)));
  }
  return batches.length;
}
