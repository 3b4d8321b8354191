/**
 * Guards running workflows against incompatible code changes: recorded histories must replay on
 * the current workflow code. After an intended change, wrap the new behaviour in `patched()`;
 * re-record (RECORD_HISTORIES=1) only for a new workflow type or once old runs have drained.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { temporal } from '@temporalio/proto';
import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { approveSignal } from '../../../src/shared/messages';
import {
  lifecycleRequest,
  startHarness,
  startLifecycle,
  waitForStage,
  type Harness,
} from './lifecycle-harness';

const { History } = temporal.api.history.v1;
// Binary protobuf: the SDK's JSON history reader trips over two copies of protobufjs in this install.
const FIXTURE = join(__dirname, '../../fixtures/histories/canary-promoted.pb');

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => h?.stop());

const replay = (history: temporal.api.history.v1.History, name: string) =>
  Worker.runReplayHistory({ workflowBundle: { codePath: inject('workflowBundlePath') } }, history, name);

describe('workflow replay', () => {
  it('a fresh canary history replays deterministically (and is recorded on request)', async () => {
    const req = lifecycleRequest();
    h.fake.seedProduction(req.deployment.productionEndpointName, req.modelPackageGroup);
    const handle = await startLifecycle(h, req);
    await waitForStage(handle, 'awaiting-approval');
    await handle.signal(approveSignal, { by: 'alice' });
    expect((await handle.result()).stage).toBe('promoted');
    const history = History.decode(History.encode(await handle.fetchHistory()).finish());
    await replay(history, handle.workflowId);
    if (process.env.RECORD_HISTORIES === '1') await writeFile(FIXTURE, History.encode(history).finish());
  });

  it('the recorded history of an earlier version of the code still replays', async () => {
    const history = History.decode(await readFile(FIXTURE));
    expect(history.events.length).toBeGreaterThan(50);
    await expect(replay(history, 'recorded canary-promoted')).resolves.toBeUndefined();
  });
});
