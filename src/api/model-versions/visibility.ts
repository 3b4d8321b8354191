/**
 * Listing lifecycles from Temporal visibility: the query built from validated filters (so no caller
 * text is ever spliced into it unchecked), the search attributes decoded, page tokens as base64url.
 */
import type { temporal } from '@temporalio/proto';
import { LIFECYCLE_WORKFLOW_TYPE } from '../../shared/messages';

export interface ListFilter {
  group?: string;
  stage?: string;
  modelVersion?: number;
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
}

/** Values reaching here passed a regex that excludes quotes; escaping is a second fence. */
const quote = (value: string) => `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

export function visibilityQuery(filter: ListFilter): string {
  const clauses = [`WorkflowType = ${quote(LIFECYCLE_WORKFLOW_TYPE)}`];
  if (filter.group) clauses.push(`ModelPackageGroup = ${quote(filter.group)}`);
  if (filter.stage) clauses.push(`LifecycleStage = ${quote(filter.stage)}`);
  if (filter.modelVersion !== undefined) clauses.push(`ModelVersion = ${filter.modelVersion}`);
  return clauses.join(' AND ');
}

function decodeAttribute(payload: temporal.api.common.v1.IPayload | undefined): unknown {
  if (!payload?.data) return undefined;
  try {
    const value: unknown = JSON.parse(Buffer.from(payload.data).toString('utf8'));
    return Array.isArray(value) ? value[0] : value;
  } catch {
    return undefined;
  }
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

export function summarize(info: temporal.api.workflow.v1.IWorkflowExecutionInfo): ModelVersionSummary {
  const fields = info.searchAttributes?.indexedFields ?? {};
  const text = (key: string) => {
    const v = decodeAttribute(fields[key] ?? undefined);
    return typeof v === 'string' ? v : undefined;
  };
  const version = decodeAttribute(fields.ModelVersion ?? undefined);
  return {
    id: info.execution?.workflowId ?? '',
    runId: info.execution?.runId ?? '',
    status: WORKFLOW_STATUS[info.status ?? 0] ?? 'UNKNOWN',
    stage: text('LifecycleStage'),
    modelPackageGroup: text('ModelPackageGroup'),
    modelVersion: typeof version === 'number' ? version : undefined,
    endpointName: text('EndpointName'),
    startTime: timestampToIso(info.startTime),
    closeTime: timestampToIso(info.closeTime),
  };
}

export const encodePageToken = (token: Uint8Array | null | undefined) =>
  token && token.length > 0 ? Buffer.from(token).toString('base64url') : undefined;

export const decodePageToken = (token: string | undefined) =>
  token ? new Uint8Array(Buffer.from(token, 'base64url')) : undefined;
