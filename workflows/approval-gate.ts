/**
 * The approval gate: shows the new metrics beside production's, then waits for a decision from the
 * policy or from approvers, up to the deadline. One timer, however long it takes.
 */
import { condition, isCancellation, patched } from '@temporalio/workflow';
import { isApprovedServing } from '../src/shared/activity-contracts';
import type { LifecycleInput, MetricThreshold } from '../src/shared/lifecycle-input';
import type { VersionMetrics } from '../src/shared/lifecycle-state';
import { aws } from './activity-proxies';
import type { CommandInbox } from './commands';
import { failureText } from './failure-text';
import type { LifecycleRecord } from './lifecycle-record';

export type ApprovalOutcome =
  | { status: 'Approved'; by: string; reason: string }
  | { status: 'Rejected'; by: string; reason: string; expired: boolean };

/**
 * The metrics of the version production runs: the approved package marked as serving the endpoint
 * (never a leftover canary). The comparison informs approvers; failing to read it must not stop the
 * lifecycle, so a failure is a warning and no comparison.
 */
export async function productionVersionMetrics(
  endpointName: string,
  record: LifecycleRecord,
): Promise<VersionMetrics | null> {
  try {
    const endpoint = await aws.describeEndpoint(endpointName);
    // Runs parked at the gate before this rule took the highest-weight variant; they replay as they ran.
    const serving = patched('serving-version-is-approved-and-marked')
      ? endpoint?.variants.find((v) => v.modelPackageArn && isApprovedServing(v))?.modelPackageArn
      : endpoint?.variants.filter((v) => v.modelPackageArn).sort((a, b) => b.weight - a.weight)[0]
          ?.modelPackageArn;
    return serving ? await aws.describeVersionMetrics(serving) : null;
  } catch (err) {
    if (isCancellation(err)) throw err;
    record.warn(`metrics of the version serving ${endpointName} unavailable: ${failureText(err)}`);
    return null;
  }
}

/** Each threshold as a sentence with its numbers; `held` false when any fails or is missing. */
export function judgeThresholds(metrics: Record<string, number>, thresholds: MetricThreshold[]) {
  const lines = thresholds.map((t) => {
    const value = metrics[t.metric];
    const holds = value !== undefined && (t.op === '>=' ? value >= t.value : value <= t.value);
    return {
      holds,
      text: `${t.metric} ${value ?? 'missing'} ${holds ? 'meets' : 'fails'} ${t.op} ${t.value}`,
    };
  });
  return { held: lines.every((l) => l.holds), summary: lines.map((l) => l.text).join('; ') };
}

export async function runApprovalGate(
  input: LifecycleInput,
  record: LifecycleRecord,
  inbox: CommandInbox,
): Promise<ApprovalOutcome> {
  const policy = input.approval;
  const deadlineMs = policy.deadlineSeconds * 1000;
  record.state.approval = {
    mode: policy.mode,
    requiredApprovals: policy.mode === 'quorum' ? policy.quorum : 1,
    deadline: new Date(Date.now() + deadlineMs).toISOString(),
    approvals: [],
    comparison: {
      candidate: input.metrics,
      production: await productionVersionMetrics(input.deployment.productionEndpointName, record),
    },
  };
  const approval = record.state.approval;
  record.enter('awaiting-approval', 'workflow');

  let outcome: ApprovalOutcome;
  if (policy.mode === 'automatic') {
    const { held, summary } = judgeThresholds(input.metrics, policy.thresholds);
    outcome = held
      ? { status: 'Approved', by: 'policy:automatic', reason: `all thresholds hold: ${summary}` }
      : {
          status: 'Rejected',
          by: 'policy:automatic',
          reason: `thresholds failed: ${summary}`,
          expired: false,
        };
  } else {
    const decided = await condition(
      () => inbox.rejection !== undefined || inbox.approvals.length >= approval.requiredApprovals,
      deadlineMs,
    );
    if (!decided) {
      outcome = {
        status: 'Rejected',
        by: 'workflow',
        reason: `no decision within ${policy.deadlineSeconds} s (deadline ${approval.deadline})`,
        expired: true,
      };
    } else if (inbox.rejection) {
      outcome = { status: 'Rejected', ...inbox.rejection, expired: false };
    } else {
      const names = inbox.approvals.map((a) => a.by);
      const comments = inbox.approvals.map((a) => a.comment).filter(Boolean);
      outcome = {
        status: 'Approved',
        by: names.join(', '),
        reason: `approved by ${names.join(', ')}${comments.length ? `: ${comments.join('; ')}` : ''}`,
      };
    }
  }
  approval.decision = {
    status: outcome.status,
    by: outcome.by,
    reason: outcome.reason,
    at: new Date().toISOString(),
  };
  await aws.recordApprovalDecision({
    modelPackageArn: record.state.modelPackageArn!,
    status: outcome.status,
    description: outcome.reason,
    decidedBy: outcome.by,
  });
  return outcome;
}
