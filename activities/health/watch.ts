/**
 * watchHealth: one heartbeating activity per bake step, so history holds one event pair per step
 * however long the bake. Checks every interval, returns at once on an unhealthy verdict, returns
 * healthy once the bake time has passed with a healthy last check, and waits for evidence up to
 * `maxWaitForEvidenceSeconds` past the bake before returning insufficient-data (the workflow then
 * fails safe). Times count from `sinceEpochMs`, so a retried attempt keeps the original deadlines,
 * and the check count resumes from the last heartbeat.
 */
import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { Context } from '@temporalio/activity';
import type {
  HealthVerdict,
  LifecycleActivities,
  WatchHealthInput,
} from '../../src/shared/activity-contracts';
import { judgeCanary } from './judge';
import { readHealthSample } from './metrics';

/** Heartbeat details: what a retried attempt resumes from. */
export interface WatchProgress {
  checks: number;
  lastStatus?: HealthVerdict['status'];
}

/** Heartbeat at least this often while sleeping, so a heartbeat timeout shorter than the interval works. */
const HEARTBEAT_EVERY_MS = 10_000;

async function sleepHeartbeating(ms: number, progress: WatchProgress): Promise<void> {
  const ctx = Context.current();
  for (let left = ms; left > 0; left -= HEARTBEAT_EVERY_MS) {
    await ctx.sleep(Math.min(left, HEARTBEAT_EVERY_MS)); // throws CancelledFailure when cancelled
    ctx.heartbeat(progress);
  }
}

export function createHealthActivities(deps: {
  cloudwatch: CloudWatchClient;
  now?: () => number;
}): Pick<LifecycleActivities, 'watchHealth'> {
  const now = deps.now ?? Date.now;

  async function check(input: WatchHealthInput, checks: number): Promise<HealthVerdict> {
    const at = now();
    const sample = await readHealthSample(deps.cloudwatch, {
      endpointName: input.endpointName,
      canaryVariant: input.canaryVariant,
      stableVariant: input.stableVariant,
      sinceEpochMs: input.sinceEpochMs,
      nowEpochMs: at,
      policy: input.policy,
    });
    return {
      at: new Date(at).toISOString(),
      endpointName: input.endpointName,
      canaryWeight: input.canaryWeight,
      ...judgeCanary(sample, input.policy),
      ...sample,
      checks,
    };
  }

  return {
    async watchHealth(input) {
      const ctx = Context.current();
      const resumed = ctx.info.heartbeatDetails as WatchProgress | undefined;
      let checks = resumed?.checks ?? 0;
      const bakeEndsAt = input.sinceEpochMs + input.bakeSeconds * 1000;
      const evidenceDeadline = bakeEndsAt + input.policy.maxWaitForEvidenceSeconds * 1000;
      const intervalMs = input.intervalSeconds * 1000;

      for (;;) {
        checks += 1;
        const verdict = await check(input, checks);
        const progress: WatchProgress = { checks, lastStatus: verdict.status };
        ctx.heartbeat(progress);

        const t = now();
        if (verdict.status === 'unhealthy') return verdict;
        if (verdict.status === 'healthy' && t >= bakeEndsAt) return verdict;
        if (t >= evidenceDeadline) return verdict;
        // Wake for the next interval, but never past the bake's end or the evidence deadline.
        const nextDeadline = t < bakeEndsAt ? bakeEndsAt : evidenceDeadline;
        await sleepHeartbeating(Math.min(intervalMs, nextDeadline - t), progress);
      }
    },
  };
}
