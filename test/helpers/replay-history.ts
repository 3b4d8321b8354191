/**
 * Replays a recorded history against a workflow bundle and, when it no longer replays, says which
 * history, at which event (with what the history holds there and the last command before it), and
 * what to do. The SDK's own message names an event id only, deep inside a Rust debug string.
 */
import { temporal } from '@temporalio/proto';
import { Worker } from '@temporalio/worker';
import { DROPPED_WORKFLOW_SPANS } from '../../src/worker/create-worker';

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;
const { EventType } = temporal.api.enums.v1;

/** What to do, for the two kinds of fixture (README, "Changing the workflow safely"). */
export const EVERY_BUILD =
  'runs like this one (parked at the approval gate, ended before it, or the endpoint lock) move to every new ' +
  'build, so this change would break them in production. Keep their old path: ' +
  'if (patched("<change-id>")) { new } else { old } (README, "Changing the workflow safely"). ' +
  'Never re-record these histories while such runs may exist.';
export const THIS_BUILD =
  'this history is of the current build. Unintended: undo the change. Intended and after the approval ' +
  'decision (runs are pinned to their build from there): ship it as a new build (README, "Upgrading the ' +
  'service") and re-record: RECORD_HISTORIES=1 npx vitest run --project integration ' +
  'test/integration/workflows/replay.test.ts -t fresh. Intended and in registration or the approval gate: ' +
  'gate it with patched("<change-id>") instead.';

export interface RecordedHistory {
  /** Its name in the test, e.g. 'canary-promoted'. */
  name: string;
  /** Where it is stored, relative to the repository, for the message. */
  file?: string;
  history: temporal.api.history.v1.IHistory;
}

export class HistoryReplayError extends Error {
  override name = 'HistoryReplayError';
  constructor(
    message: string,
    readonly eventId: number | undefined,
    options: { cause: unknown },
  ) {
    super(message, options);
  }
}

/** `EVENT_TYPE_ACTIVITY_TASK_SCHEDULED` → `ActivityTaskScheduled`. */
function typeName(e: HistoryEvent): string {
  const raw = EventType[e.eventType ?? 0] ?? `event type ${e.eventType}`;
  return raw
    .replace(/^EVENT_TYPE_/, '')
    .toLowerCase()
    .replace(/(^|_)([a-z])/g, (_, __, c: string) => c.toUpperCase());
}

function seconds(d: { seconds?: unknown; nanos?: number | null } | null | undefined): string {
  const s = Number(d?.seconds ?? 0) + (d?.nanos ?? 0) / 1e9;
  return `${s} s`;
}

/** What a reader needs to find the spot in the workflow code: the activity, timer, marker, signal… */
export function describeEvent(e: HistoryEvent): string {
  const detail =
    e.activityTaskScheduledEventAttributes?.activityType?.name ??
    (e.timerStartedEventAttributes ? seconds(e.timerStartedEventAttributes.startToFireTimeout) : undefined) ??
    (e.markerRecordedEventAttributes
      ? [
          e.markerRecordedEventAttributes.markerName,
          patchIdOf(e.markerRecordedEventAttributes.details?.['patch-data']?.payloads?.[0]?.data),
        ]
          .filter(Boolean)
          .join(' ')
      : undefined) ??
    (e.upsertWorkflowSearchAttributesEventAttributes
      ? Object.keys(
          e.upsertWorkflowSearchAttributesEventAttributes.searchAttributes?.indexedFields ?? {},
        ).join(', ')
      : undefined) ??
    e.signalExternalWorkflowExecutionInitiatedEventAttributes?.signalName ??
    e.workflowExecutionSignaledEventAttributes?.signalName ??
    e.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest?.input?.name ??
    e.startChildWorkflowExecutionInitiatedEventAttributes?.workflowType?.name ??
    undefined;
  return `${typeName(e)}${detail ? ` (${detail})` : ''}`;
}

function patchIdOf(data: Uint8Array | null | undefined): string | undefined {
  if (!data) return undefined;
  try {
    return (JSON.parse(Buffer.from(data).toString('utf8')) as { id?: string }).id;
  } catch {
    return undefined;
  }
}

/** Events a workflow's code produces (commands), as opposed to the server's and workers' events. */
function isCommandEvent(e: HistoryEvent): boolean {
  return !!(
    e.activityTaskScheduledEventAttributes ??
    e.timerStartedEventAttributes ??
    e.markerRecordedEventAttributes ??
    e.upsertWorkflowSearchAttributesEventAttributes ??
    e.signalExternalWorkflowExecutionInitiatedEventAttributes ??
    e.startChildWorkflowExecutionInitiatedEventAttributes ??
    e.workflowPropertiesModifiedEventAttributes ??
    e.requestCancelExternalWorkflowExecutionInitiatedEventAttributes
  );
}

/** The event id the SDK's nondeterminism message points at, if it names one. */
export function failedEventId(message: string): number | undefined {
  const m = /HistoryEvent\(id: (\d+)/.exec(message) ?? /event(?: id)?[: ]+(\d+)/i.exec(message);
  return m ? Number(m[1]) : undefined;
}

/** The SDK's one line that matters, without the wrapping debug structures. */
function sdkReason(message: string): string {
  return /\[TMPRL\d+\][^"]*/.exec(message)?.[0] ?? message;
}

export function explainReplayFailure(
  recorded: RecordedHistory,
  err: unknown,
  advice: string,
): HistoryReplayError {
  const message = (err as Error).message ?? String(err);
  const events = recorded.history.events ?? [];
  const id = failedEventId(message);
  const where = recorded.file ? ` (${recorded.file})` : '';
  const lines = [`the recorded history "${recorded.name}"${where} no longer replays on this workflow code.`];
  const at = id === undefined ? undefined : events.find((e) => Number(e.eventId) === id);
  if (at) {
    const before = events.filter((e) => Number(e.eventId) < id! && isCommandEvent(e)).at(-1);
    const code = /(\w+) machine does not handle/.exec(message)?.[1];
    lines.push(
      `  at event ${id} of ${events.length}: the history has ${describeEvent(at)}` +
        (code ? `, where the code now produces a ${code.toLowerCase()} command` : '') +
        (before
          ? `; the last command before it: ${describeEvent(before)} (event ${Number(before.eventId)})`
          : '') +
        '.',
    );
  } else {
    lines.push('  at an event the SDK did not name (see its message below).');
  }
  lines.push(`  SDK: ${sdkReason(message)}`);
  lines.push(`  What to do: ${advice}`);
  return new HistoryReplayError(lines.join('\n'), id, { cause: err });
}

export async function replayHistory(
  bundlePath: string,
  recorded: RecordedHistory,
  advice: string,
): Promise<void> {
  try {
    await Worker.runReplayHistory(
      // A traced run's workflow spans are made again on replay: dropped, as a worker without tracing does.
      { workflowBundle: { codePath: bundlePath }, sinks: DROPPED_WORKFLOW_SPANS },
      recorded.history,
      recorded.name,
    );
  } catch (err) {
    throw explainReplayFailure(recorded, err, advice);
  }
}
