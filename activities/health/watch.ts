/**
 * watchHealth: one heartbeating activity per bake step, so history holds one event pair per step
 * however long the bake. Checks every interval, returns at once on an unhealthy verdict, returns
 * healthy once the bake time has passed with a healthy last check, and waits for evidence up to
 * `maxWaitForEvidenceSeconds` past the bake before returning insufficient-data (the workflow then
 * fails safe). Times count from `sinceEpochMs`, so a retried attempt keeps the original deadlines,
 * and the check count resumes from the last heartbeat, as does the stable latency reference read at
 * the first look (the thresholds must stay fixed for the whole step for the test to be valid; read again
 * at each look while CloudWatch does not vouch for it, and no look is healthy meanwhile).
 * Every look is judged by the sequential rule (judge.ts), so looking often costs no false rollbacks;
 * the first look at or after the bake's end also runs the fixed-horizon test, once per step (kept in
 * the heartbeat, so a retried attempt does not run it again), on the bake's periods only.
 */
import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { Context } from '@temporalio/activity';
import type {
  DetectabilityActivities,
  HealthVerdict,
  LifecycleActivities,
  WatchHealthInput,
} from '../../src/shared/activity-contracts';
import { DEFAULT_CANARY_STEPS } from '../../src/shared/lifecycle-input';
import { createDetectabilityActivity } from './detectability-activity';
import { judgeLook, type HealthEvidence } from './judge';
import { readEvidence, readLatencyReference } from './metrics';

/** Heartbeat details: what a retried attempt resumes from. */
export interface WatchProgress {
  checks: number;
  lastStatus?: HealthVerdict['status'];
  /** null: read, and there was none (first deployment, or no stable latency before the step). */
  latencyReference?: HealthEvidence['latencyReference'] | null;
  /** The fixed-horizon test has run (once per step, at the first look at or after the bake's end). */
  finalLookDone?: boolean;
}

/**
 * Where this bake sits in the ramp. Without the fields, the default ramp (10/50/100) is assumed, with
 * the step found by its weight: never more α than the default configuration would spend.
 */
function budgetPosition(input: WatchHealthInput): { stepIndex: number; steps: readonly number[] } {
  const steps: readonly number[] = input.canarySteps ?? DEFAULT_CANARY_STEPS;
  const found = steps.indexOf(input.canaryWeight);
  return { steps, stepIndex: input.stepIndex ?? (found >= 0 ? found : 0) };
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
}): Pick<LifecycleActivities, 'watchHealth'> & DetectabilityActivities {
  const now = deps.now ?? Date.now;

  async function check(
    input: WatchHealthInput,
    checks: number,
    latencyReference: HealthEvidence['latencyReference'] | null,
    bakeEndsAt: number,
    finalLook: boolean,
    at: number,
    referenceProblems: string[],
  ): Promise<HealthVerdict> {
    const read = await readEvidence(deps.cloudwatch, {
      endpointName: input.endpointName,
      canaryVariant: input.canaryVariant,
      ...(input.stableVariant ? { stableVariant: input.stableVariant } : {}),
      sinceEpochMs: input.sinceEpochMs,
      nowEpochMs: at,
      policy: input.policy,
      ...(latencyReference ? { latencyReference } : {}),
    });
    const evidence = { ...read, problems: [...referenceProblems, ...read.problems] };
    const judgement = judgeLook(evidence, input.policy, {
      ...budgetPosition(input),
      finalLook,
      horizonEndMs: bakeEndsAt,
    });
    return {
      at: new Date(at).toISOString(),
      endpointName: input.endpointName,
      canaryWeight: input.canaryWeight,
      ...judgement,
      alarmsInAlarm: evidence.alarmsInAlarm,
      windowStart: evidence.windowStart,
      windowEnd: evidence.windowEnd,
      checks,
    };
  }

  return {
    ...createDetectabilityActivity({ cloudwatch: deps.cloudwatch, now }),
    async watchHealth(input) {
      const ctx = Context.current();
      const resumed = ctx.info.heartbeatDetails as WatchProgress | undefined;
      let checks = resumed?.checks ?? 0;
      let latencyReference = resumed?.latencyReference;
      let finalLookDone = resumed?.finalLookDone ?? false;
      /** The reference once CloudWatch vouches for it; until then its problems make each look insufficient. */
      const referenceProblems = async (): Promise<string[]> => {
        if (latencyReference !== undefined) return [];
        if (!input.stableVariant) {
          latencyReference = null;
          return [];
        }
        const read = await readLatencyReference(deps.cloudwatch, {
          endpointName: input.endpointName,
          stableVariant: input.stableVariant,
          sinceEpochMs: input.sinceEpochMs,
          policy: input.policy,
        });
        if (read.problems.length === 0) latencyReference = read.reference;
        return read.problems;
      };
      // The bake counts from the first whole metric period after the weight change (the window's
      // start), so it judges bakeSeconds of whole periods: 10 at 600 s, not 9 from a change mid-minute.
      const periodMs = input.policy.metricPeriodSeconds * 1000;
      const bakeEndsAt = Math.ceil(input.sinceEpochMs / periodMs) * periodMs + input.bakeSeconds * 1000;
      const evidenceDeadline = bakeEndsAt + input.policy.maxWaitForEvidenceSeconds * 1000;
      const intervalMs = input.intervalSeconds * 1000;

      for (;;) {
        checks += 1;
        // The fixed-horizon test once: at the first look at or after the bake's end, on the bake's periods.
        const at = now();
        const finalLook = !finalLookDone && at >= bakeEndsAt;
        const problems = await referenceProblems();
        const verdict = await check(
          input,
          checks,
          latencyReference ?? null,
          bakeEndsAt,
          finalLook,
          at,
          problems,
        );
        // Done once it ran: the judge skips it on incomplete data (the tests then carry no p-value).
        finalLookDone ||= finalLook && (verdict.tests ?? []).some((t) => t.pValue !== undefined);
        const progress: WatchProgress = {
          checks,
          lastStatus: verdict.status,
          ...(latencyReference !== undefined ? { latencyReference } : {}),
          ...(finalLookDone ? { finalLookDone } : {}),
        };
        ctx.heartbeat(progress);

        const t = now();
        if (verdict.status === 'unhealthy') return verdict;
        // Healthy only once the fixed-horizon test has run: a look that began before the bake's end
        // (and finished after it) has not run it, however late it returns.
        if (verdict.status === 'healthy' && finalLookDone) return verdict;
        // Past the deadline a healthy look that was not the final one gets the final one at once.
        if (t >= evidenceDeadline && (verdict.status !== 'healthy' || finalLookDone)) return verdict;
        // Wake for the next interval, but never past the bake's end or the evidence deadline.
        const nextDeadline = t < bakeEndsAt ? bakeEndsAt : evidenceDeadline;
        await sleepHeartbeating(Math.min(intervalMs, nextDeadline - t), progress);
      }
    },
  };
}
