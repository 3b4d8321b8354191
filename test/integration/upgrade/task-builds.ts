/**
 * What a workflow's history says about the builds that ran it: the build of every completed workflow
 * task (the server records the worker's deployment version on WorkflowTaskCompleted), and every
 * workflow task that failed with a nondeterminism error, the failure an incompatible build causes.
 */
import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';

type History = temporal.api.history.v1.IHistory;
const { WorkflowTaskFailedCause } = temporal.api.enums.v1;

export interface TaskBuilds {
  workflowId: string;
  /** The build of each completed workflow task, in order ('' for an unversioned worker). */
  builds: string[];
  /** Workflow tasks failed with a nondeterminism error: event id and the SDK's message. */
  nondeterminism: { eventId: number; message: string }[];
  /** Every failed workflow task, whatever the cause. */
  failedTasks: number;
  history: History;
}

export function taskBuilds(workflowId: string, history: History): TaskBuilds {
  const events = history.events ?? [];
  return {
    workflowId,
    history,
    builds: events.flatMap((e) => {
      const a = e.workflowTaskCompletedEventAttributes;
      return a ? [a.deploymentVersion?.buildId ?? ''] : [];
    }),
    nondeterminism: events.flatMap((e) => {
      const a = e.workflowTaskFailedEventAttributes;
      return a?.cause === WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_NON_DETERMINISTIC_ERROR
        ? [{ eventId: Number(e.eventId), message: a.failure?.message ?? '' }]
        : [];
    }),
    failedTasks: events.filter((e) => e.workflowTaskFailedEventAttributes).length,
  };
}

export async function fetchTaskBuilds(client: Client, workflowId: string): Promise<TaskBuilds> {
  return taskBuilds(workflowId, await client.workflow.getHandle(workflowId).fetchHistory());
}

/** Runs of consecutive equal builds: ['A', 'A', 'B'] → ['A', 'B']. */
export function buildSequence(builds: string[]): string[] {
  return builds.filter((b, i) => i === 0 || builds[i - 1] !== b);
}

/** Whether the history holds a timer of exactly `ms`: build B's marker (changed-workflow-bundle.ts). */
export function hasTimerOf(history: History, ms: number): boolean {
  return (history.events ?? []).some((e) => {
    const t = e.timerStartedEventAttributes?.startToFireTimeout;
    return !!t && Number(t.seconds ?? 0) * 1000 + Math.round((t.nanos ?? 0) / 1e6) === ms;
  });
}
