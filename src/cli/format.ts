/** Human-readable renderings of the API's answers. */
import type { ServingLineage } from '../shared/activity-contracts';
import type { LifecycleState } from '../shared/lifecycle-state';

export interface SummaryList {
  items: {
    id: string;
    stage?: string;
    modelPackageGroup?: string;
    modelVersion?: number;
    endpointName?: string;
    startTime?: string;
    status: string;
  }[];
  nextPageToken?: string;
}

export function formatStatus(s: LifecycleState): string {
  const lines = [
    `${s.workflowId}`,
    `  stage:       ${s.stage}${s.outcome ? ` (${s.outcome})` : ''}`,
    `  version:     ${s.modelPackageGroup} v${s.modelVersion ?? '?'}   registered by ${s.registeredBy}`,
    `  endpoint:    ${s.productionEndpointName}`,
  ];
  if (s.approval) {
    const a = s.approval;
    lines.push(
      `  approval:    ${a.mode}, ${a.approvals.length}/${a.requiredApprovals} approvals, deadline ${a.deadline}`,
    );
    const prod = a.comparison.production;
    for (const [name, value] of Object.entries(a.comparison.candidate)) {
      const before = prod?.metrics[name];
      lines.push(
        `    ${name}: ${value}${before === undefined ? '' : `  (production v${prod?.modelVersion}: ${before})`}`,
      );
    }
    if (a.decision)
      lines.push(`  decision:    ${a.decision.status} by ${a.decision.by}: ${a.decision.reason}`);
  }
  if (s.canary) {
    const c = s.canary;
    lines.push(
      `  canary:      ${c.canaryWeight}% (step ${c.stepIndex + 1}/${c.steps.length}: ${c.steps.join(' → ')})${c.paused ? ' PAUSED' : ''}`,
    );
  }
  const verdict = s.verdicts.at(-1);
  if (verdict)
    lines.push(
      `  last health: ${verdict.status} at ${verdict.canaryWeight}%${verdict.reasons.length ? `: ${verdict.reasons.join('; ')}` : ''}`,
    );
  if (s.rollback) lines.push(`  rollback:    by ${s.rollback.by}: ${s.rollback.reason}`);
  lines.push('  history:');
  for (const t of s.transitions)
    lines.push(`    ${t.at}  ${t.stage.padEnd(20)} ${t.actor}${t.note ? `  ${t.note}` : ''}`);
  return lines.join('\n');
}

export function formatList(list: SummaryList): string {
  if (list.items.length === 0) return 'no model versions match';
  const rows = list.items.map(
    (i) =>
      `${(i.stage ?? i.status).padEnd(20)} ${`${i.modelPackageGroup ?? '?'} v${i.modelVersion ?? '?'}`.padEnd(28)} ${i.id}`,
  );
  if (list.nextPageToken) rows.push(`… more: --page-token ${list.nextPageToken}`);
  return rows.join('\n');
}

export function formatEndpoint(e: ServingLineage): string {
  const lines = [`${e.endpointName} (${e.status}, config ${e.endpointConfigName})`];
  const total = e.variants.reduce((sum, v) => sum + v.weight, 0) || 1;
  for (const v of e.variants) {
    lines.push(
      `  ${v.variantName}: ${Math.round((v.weight / total) * 100)}% of traffic, model ${v.modelName}`,
    );
    if (v.modelVersion !== undefined)
      lines.push(
        `    version ${v.modelVersion}, ${v.approvalStatus ?? '?'}${v.approvedBy ? ` by ${v.approvedBy}` : ''}, registered by ${v.registeredBy ?? '?'}`,
      );
    if (v.lineage)
      lines.push(
        `    dataset ${v.lineage.datasetUri ?? '?'}@${v.lineage.datasetVersion ?? '?'}, commit ${v.lineage.codeCommit ?? '?'}, training job ${v.lineage.trainingJobName ?? '?'}`,
      );
  }
  return lines.join('\n');
}

export interface EndpointHistory {
  endpointName: string;
  items: {
    kind: 'lifecycle' | 'revert';
    id: string;
    stage?: string;
    modelVersion?: number;
    startTime?: string;
    by?: string;
    reason?: string;
    cause?: string;
    fromVersion?: number;
    toVersion?: number;
  }[];
}

export function formatHistory(h: EndpointHistory): string {
  const lines = [`${h.endpointName}`];
  for (const i of h.items) {
    const what =
      i.kind === 'revert'
        ? `revert v${i.fromVersion ?? '?'} → v${i.toVersion ?? '?'} by ${i.by ?? '?'} (${i.cause ?? '?'}): ${i.reason ?? ''}`
        : `lifecycle v${i.modelVersion ?? '?'}`;
    lines.push(`  ${i.startTime ?? ''}  ${(i.stage ?? '').padEnd(20)} ${what}   ${i.id}`);
  }
  if (h.items.length === 0) lines.push('  (nothing recorded)');
  return lines.join('\n');
}
