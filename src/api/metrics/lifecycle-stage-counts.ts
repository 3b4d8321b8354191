/**
 * Lifecycles per stage, counted in Temporal visibility at each scrape: the gauge of the API's
 * /metrics. Visibility groups counts only by ExecutionStatus, so each stage is one
 * CountWorkflowExecutions (run together). Active stages count running lifecycles only, so a run
 * terminated from the UI mid-canary does not stay "canary" forever; final stages count the closed
 * ones visibility still keeps (the namespace's retention).
 */
import type { Client } from '@temporalio/client';
import { ACTIVE_STAGES, FINAL_STAGES, type LifecycleStage } from '../../shared/lifecycle-state';
import { visibilityQuery } from '../model-versions/visibility';

export async function countLifecyclesByStage(
  client: Client,
  filter: { group?: string } = {},
): Promise<Map<LifecycleStage, number>> {
  const count = async (stage: LifecycleStage, runningOnly: boolean) => {
    const query =
      visibilityQuery({ ...filter, stage }) + (runningOnly ? ` AND ExecutionStatus = 'Running'` : '');
    const { count: n } = await client.workflow.count(query);
    return [stage, n] as const;
  };
  const counts = await Promise.all([
    ...ACTIVE_STAGES.map((s) => count(s, true)),
    ...FINAL_STAGES.map((s) => count(s, false)),
  ]);
  return new Map(counts);
}
