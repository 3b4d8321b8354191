/**
 * watchPromoted: after promotion, one heartbeating activity for the whole watch window. The previous
 * version no longer serves, so there is nothing to compare with in the same window; the promoted
 * version is judged instead against the previous version's recorded baseline (its numbers in the
 * canary's healthy verdicts), turned into the absolute limits of the same sequential rule (judge.ts):
 *   5xx rate   over  min(maxErrorRate, max(baseline's upper rate × maxErrorRateRatio, 0.1 %))
 *   latency    over  min(maxLatencyMs, baseline's highest latency × maxLatencyRatio)
 * Returns at once on an unhealthy verdict, `superseded` as soon as another deployment holds the
 * endpoint lock or the endpoint no longer serves the promoted model alone, and at the window's end
 * `healthy`, or `inconclusive` when the traffic never gave a verdict (never a revert on no evidence).
 */
import { Context } from '@temporalio/activity';
import { WorkflowNotFoundError } from '@temporalio/client';
import type {
  LifecycleActivities,
  PromotionBaseline,
  WatchPromotedInput,
  WatchPromotedResult,
} from '../../src/shared/activity-contracts';
import type { HealthPolicy } from '../../src/shared/lifecycle-input';
import { endpointLockWorkflowId, lockHolderQuery } from '../../src/shared/messages';
import type { ActivityDeps } from '../deps';
import { describeEndpointSnapshot } from '../endpoint-snapshot';
import { judgeLook } from './judge';
import { readEvidence } from './metrics';

/** No baseline is so clean that a 0.1 % 5xx rate counts as a regression. */
const ERROR_RATE_FLOOR = 0.001;
const HEARTBEAT_EVERY_MS = 10_000;

/** The limits the promoted version is held to: the baseline's, never looser than the policy's own. */
export function watchPolicy(policy: HealthPolicy, baseline: PromotionBaseline): HealthPolicy {
  // A one-sided upper bound of the baseline's rate (rule of three at zero errors): its sample was finite.
  const upper = (baseline.errors5xx + 3) / Math.max(1, baseline.invocations + 3);
  const maxErrorRate = Math.min(
    policy.maxErrorRate,
    Math.max(ERROR_RATE_FLOOR, upper * policy.maxErrorRateRatio),
  );
  const maxLatencyMs =
    baseline.latencyMs !== null && baseline.latencyMs > 0
      ? Math.min(policy.maxLatencyMs, baseline.latencyMs * policy.maxLatencyRatio)
      : policy.maxLatencyMs;
  return { ...policy, maxErrorRate, maxLatencyMs };
}

export function createPromotionWatchActivities(
  deps: Pick<ActivityDeps, 'cloudwatch' | 'sagemaker' | 'temporal'> & { now?: () => number },
): Pick<LifecycleActivities, 'watchPromoted'> {
  const now = deps.now ?? Date.now;

  /** Why the watch is over before its time: another deployment on the endpoint. */
  async function supersededBy(input: WatchPromotedInput): Promise<string | undefined> {
    if (deps.temporal) {
      try {
        const view = await deps.temporal.client.workflow
          .getHandle(endpointLockWorkflowId(input.endpointName))
          .query(lockHolderQuery);
        if (view.holder && view.holder !== input.lifecycleId)
          return `${view.holder} holds ${input.endpointName}`;
      } catch (err) {
        if (!(err instanceof WorkflowNotFoundError)) throw err;
      }
    }
    const endpoint = await describeEndpointSnapshot(deps.sagemaker, input.endpointName);
    if (!endpoint) return `${input.endpointName} no longer exists`;
    const alone = endpoint.variants.length === 1 && endpoint.variants[0]!.modelName === input.modelName;
    return alone ? undefined : `${input.endpointName} no longer serves ${input.modelName} alone`;
  }

  return {
    async watchPromoted(input): Promise<WatchPromotedResult> {
      const ctx = Context.current();
      let checks = (ctx.info.heartbeatDetails as { checks?: number } | undefined)?.checks ?? 0;
      const policy = watchPolicy(input.policy, input.baseline);
      const endsAt = input.sinceEpochMs + input.watchSeconds * 1000;
      for (;;) {
        const superseded = await supersededBy(input);
        if (superseded) return { status: 'superseded', checks, reason: superseded, limits: limitsOf(policy) };
        checks += 1;
        const at = now();
        const evidence = await readEvidence(deps.cloudwatch, {
          endpointName: input.endpointName,
          canaryVariant: input.variantName,
          sinceEpochMs: input.sinceEpochMs,
          nowEpochMs: at,
          policy,
        });
        const judgement = judgeLook(evidence, policy, {
          steps: [100],
          stepIndex: 0,
          finalLook: at >= endsAt,
        });
        const verdict = {
          at: new Date(at).toISOString(),
          endpointName: input.endpointName,
          canaryWeight: 100,
          ...judgement,
          alarmsInAlarm: evidence.alarmsInAlarm,
          windowStart: evidence.windowStart,
          windowEnd: evidence.windowEnd,
          checks,
        };
        ctx.heartbeat({ checks });
        const limits = limitsOf(policy);
        if (verdict.status === 'unhealthy') return { status: 'unhealthy', checks, verdict, limits };
        // The fixed-horizon test needs a complete look: an incomplete one at the end is read again,
        // up to maxWaitForEvidenceSeconds, before the watch gives up as inconclusive.
        const ranFinal = judgement.tests.some((t) => t.pValue !== undefined);
        const givesUpAt = endsAt + policy.maxWaitForEvidenceSeconds * 1000;
        if (at >= endsAt && (ranFinal || at >= givesUpAt)) {
          return verdict.status === 'healthy'
            ? { status: 'healthy', checks, verdict, limits }
            : { status: 'inconclusive', checks, verdict, limits };
        }
        for (
          let left = Math.min(input.intervalSeconds * 1000, (at < endsAt ? endsAt : givesUpAt) - at);
          left > 0;
          left -= HEARTBEAT_EVERY_MS
        ) {
          await ctx.sleep(Math.min(left, HEARTBEAT_EVERY_MS));
          ctx.heartbeat({ checks });
        }
      }
    },
  };
}

const limitsOf = (p: HealthPolicy) => ({ maxErrorRate: p.maxErrorRate, maxLatencyMs: p.maxLatencyMs });
