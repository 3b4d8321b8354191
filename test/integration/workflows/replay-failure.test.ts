/**
 * What a developer sees when a change to workflows/ breaks a recorded history: the recorded histories
 * replayed against a bundle with a deliberate change (a new timer right after the lifecycle pins
 * itself at the approval decision, as the upgrade drill's build B). The failure must name the
 * history, the event, and what to do; and the split of fixtures must hold: a change after the
 * approval breaks only current-build histories of runs past the approval, never a history every
 * build must replay.
 */
import { readdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { temporal } from '@temporalio/proto';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildChangedBundle,
  EXTRA_TIMER_AFTER_PIN,
  type ChangedBundle,
} from '../../helpers/changed-workflow-bundle';
import { EVERY_BUILD, HistoryReplayError, replayHistory, THIS_BUILD } from '../../helpers/replay-history';

const { History } = temporal.api.history.v1;
const FIXTURES = join(__dirname, '../../fixtures/histories');

let changed: ChangedBundle;
beforeAll(async () => {
  // Every replay logs its worker's state changes at INFO; only warnings matter here.
  Runtime.install({ logger: new DefaultLogger('WARN') });
  changed = await buildChangedBundle(EXTRA_TIMER_AFTER_PIN);
});
afterAll(async () => changed?.remove());

async function load(file: string) {
  return History.decode(await readFile(join(FIXTURES, file)));
}

async function replayError(file: string, advice: string): Promise<HistoryReplayError | undefined> {
  const history = await load(file);
  const name = file.replace(/^current-build\//, '').slice(0, -3);
  return replayHistory(changed.path, { name, file: `test/fixtures/histories/${file}`, history }, advice).then(
    () => undefined,
    (err: unknown) => err as HistoryReplayError,
  );
}

/** The first event the workflow code produced after pinToBuild completed: where B's timer goes. */
function firstCommandAfterPin(history: temporal.api.history.v1.IHistory): number {
  const events = history.events ?? [];
  const scheduled = events.find(
    (e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'pinToBuild',
  );
  const completed = events.find(
    (e) => Number(e.activityTaskCompletedEventAttributes?.scheduledEventId) === Number(scheduled?.eventId),
  );
  const after = events.find(
    (e) =>
      Number(e.eventId) > Number(completed?.eventId) &&
      !e.workflowTaskScheduledEventAttributes &&
      !e.workflowTaskStartedEventAttributes &&
      !e.workflowTaskCompletedEventAttributes,
  );
  if (!after) throw new Error('no pinToBuild in this history');
  return Number(after.eventId);
}

describe('a recorded history that no longer replays', () => {
  it('names the history, the event, what the history has there, and what to do', async () => {
    const history = await load('current-build/canary-promoted.pb');
    const err = await replayError('current-build/canary-promoted.pb', THIS_BUILD);
    expect(err).toBeInstanceOf(HistoryReplayError);
    const at = firstCommandAfterPin(history);
    expect(err!.eventId).toBe(at);
    const message = err!.message;
    expect(message).toContain('"canary-promoted" (test/fixtures/histories/current-build/canary-promoted.pb)');
    expect(message).toMatch(new RegExp(`at event ${at} of ${history.events.length}: the history has \\w+`));
    expect(message).toContain('where the code now produces a timer command');
    expect(message).toContain('the last command before it: ActivityTaskScheduled (pinToBuild)');
    expect(message).toMatch(/What to do: .*new build.*RECORD_HISTORIES=1 .*patched\("<change-id>"\)/s);
    // The SDK's own words stay, for the details.
    expect(message).toMatch(/SDK: \[TMPRL1100\] Nondeterminism error/);
  });

  const currentBuild = readdirSync(join(FIXTURES, 'current-build')).filter((f) => f.endsWith('.pb'));
  it('breaks every current-build history past the approval and none before it', async () => {
    const broken: string[] = [];
    for (const file of currentBuild) {
      const history = await load(`current-build/${file}`);
      const approved = (history.events ?? []).some(
        (e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'pinToBuild',
      );
      const err = await replayError(`current-build/${file}`, THIS_BUILD);
      if (err) broken.push(file);
      expect(!!err, `${file}: ${err?.message ?? 'replayed'}`).toBe(approved);
    }
    // The paths past the approval: promoted ×2, rolled back ×3, validation-failed, cancelled in the canary, needs-attention ×2.
    expect(broken.length).toBeGreaterThanOrEqual(9);
  });

  const everyBuild = readdirSync(FIXTURES).filter((f) => f.endsWith('.pb'));
  it.each(everyBuild)('%s, which every build must replay, still replays after this change', async (file) => {
    expect((await replayError(file, EVERY_BUILD))?.message).toBeUndefined();
  });
});
