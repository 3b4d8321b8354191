/**
 * Listing lifecycles from Temporal visibility: the query built from validated filters (so no caller
 * text is ever spliced into it unchecked), the search attributes decoded, page tokens as base64url.
 */
// The SDK's own decoder of raw visibility attributes (what client.workflow.list uses), not re-exported at the root.
import { decodeTypedSearchAttributes } from '@temporalio/common/lib/converter/payload-search-attributes';
import type { temporal } from '@temporalio/proto';
import type { ApprovalState } from '../../shared/lifecycle-state';
import { LIFECYCLE_WORKFLOW_TYPE } from '../../shared/messages';
import { stateFromMemo } from '../../shared/state-memo';
import {
  EndpointNameKey,
  LifecycleStageKey,
  ModelPackageGroupKey,
  ModelVersionKey,
} from '../../shared/search-attributes';

export interface ListFilter {
  group?: string;
  stage?: string;
  modelVersion?: number;
  endpointName?: string;
}

export interface ModelVersionSummary {
  id: string;
  runId: string;
  status: string;
  stage?: string;
  modelPackageGroup?: string;
  modelVersion?: number;
  endpointName?: string;
  startTime?: string;
  closeTime?: string;
  /** From the run's memo (absent for runs started before it): what an inbox shows without reading each run. */
  registeredBy?: string;
  approval?: Omit<ApprovalState, 'comparison'>;
  outcome?: string;
}

/** The memo fields a list item reads; the rest of the memo (verdicts, commands) stays undecoded. */
export const SUMMARY_MEMO_FIELDS = ['registeredBy', 'state.core', 'state.approval'] as const;

/** Values reaching here passed a regex that excludes quotes; escaping is a second fence. */
const quote = (value: string) => `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

export function visibilityQuery(filter: ListFilter): string {
  const clauses = [`WorkflowType = ${quote(LIFECYCLE_WORKFLOW_TYPE)}`];
  if (filter.group) clauses.push(`ModelPackageGroup = ${quote(filter.group)}`);
  if (filter.stage) clauses.push(`LifecycleStage = ${quote(filter.stage)}`);
  if (filter.endpointName) clauses.push(`EndpointName = ${quote(filter.endpointName)}`);
  if (filter.modelVersion !== undefined) clauses.push(`ModelVersion = ${filter.modelVersion}`);
  return clauses.join(' AND ');
}

function timestampToIso(
  ts: temporal.api.workflow.v1.IWorkflowExecutionInfo['startTime'],
): string | undefined {
  if (!ts?.seconds) return undefined;
  return new Date(Number(ts.seconds) * 1000 + Math.floor((ts.nanos ?? 0) / 1e6)).toISOString();
}

const WORKFLOW_STATUS = [
  'UNSPECIFIED',
  'RUNNING',
  'COMPLETED',
  'FAILED',
  'CANCELLED',
  'TERMINATED',
  'CONTINUED_AS_NEW',
  'TIMED_OUT',
];

/** The approval without the metrics table (a list item stays small; the read has it). */
const withoutComparison = ({ comparison: _comparison, ...rest }: ApprovalState) => rest;

export function summarize(
  info: temporal.api.workflow.v1.IWorkflowExecutionInfo,
  memo?: Record<string, unknown>,
): ModelVersionSummary {
  const attributes = decodeTypedSearchAttributes(info.searchAttributes?.indexedFields);
  const state = stateFromMemo(memo)?.state;
  const registeredBy = state?.registeredBy ?? memo?.registeredBy;
  return {
    id: info.execution?.workflowId ?? '',
    runId: info.execution?.runId ?? '',
    status: WORKFLOW_STATUS[info.status ?? 0] ?? 'UNKNOWN',
    stage: attributes.get(LifecycleStageKey),
    modelPackageGroup: attributes.get(ModelPackageGroupKey),
    modelVersion: attributes.get(ModelVersionKey),
    endpointName: attributes.get(EndpointNameKey),
    startTime: timestampToIso(info.startTime),
    closeTime: timestampToIso(info.closeTime),
    ...(typeof registeredBy === 'string' ? { registeredBy } : {}),
    ...(state?.approval ? { approval: withoutComparison(state.approval) } : {}),
    ...(state?.outcome ? { outcome: state.outcome } : {}),
  };
}

export const encodePageToken = (token: Uint8Array | null | undefined) =>
  token && token.length > 0 ? Buffer.from(token).toString('base64url') : undefined;

export const decodePageToken = (token: string | undefined) =>
  token ? new Uint8Array(Buffer.from(token, 'base64url')) : undefined;
