/**
 * Guards running workflows against incompatible code changes: a recorded history of every terminal
 * path must replay on the current workflow code. Each path is also run fresh here and replayed at
 * once (so a path that stops replaying with itself is caught too); `RECORD_HISTORIES=1` writes the
 * fresh histories as the new fixtures (see README, "Changing the workflow safely").
 */
import { readdirSync } from 'node:fs';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { temporal } from '@temporalio/proto';
import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { LifecycleStage } from '../../../src/shared/lifecycle-state';
import { approveSignal, rejectSignal } from '../../../src/shared/messages';
import {
  command,
  lifecycleRequest,
  startHarness,
  startLifecycle,
  waitFor,
  waitForStage,
  type Harness,
  type LifecycleHandle,
} from './lifecycle-harness';

const { History } = temporal.api.history.v1;
// Binary protobuf: the SDK's JSON history reader trips over two copies of protobufjs in this install.
const FIXTURES = join(__dirname, '../../fixtures/histories');

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => h?.stop());

async function replay(history: temporal.api.history.v1.History, name: string): Promise<void> {
  try {
    await Worker.runReplayHistory(
      { workflowBundle: { codePath: inject('workflowBundlePath') } },
      history,
      name,
    );
  } catch (err) {
    throw new Error(
      `the recorded history "${name}" no longer replays on the current workflow code: ${(err as Error).message}\n` +
        'Runs like it may be in flight. Gate the change with patched("<change-id>") so old runs keep the old ' +
        'path, or ship it as a new worker build (see README, "Upgrading the service"). Re-record the fixtures ' +
        'only once no run on the old code is left: RECORD_HISTORIES=1 npx vitest run --project integration ' +
        'test/integration/workflows/replay.test.ts',
      { cause: err },
    );
  }
}

async function approved(overrides: Parameters<typeof lifecycleRequest>[0] = {}, seed = true) {
  const req = lifecycleRequest(overrides);
  const endpoint = req.deployment.productionEndpointName;
  if (seed) h.fake.seedProduction(endpoint, req.modelPackageGroup);
  const handle = await startLifecycle(h, req);
  await waitForStage(handle, 'awaiting-approval');
  await handle.signal(approveSignal, { by: 'alice' });
  return { req, endpoint, handle };
}

const settle = (handle: LifecycleHandle) => handle.result().catch(() => undefined);

/** Every terminal path the lifecycle has, each driven to its end against the in-memory SageMaker. */
const PATHS: Record<string, { stage: LifecycleStage; run(): Promise<LifecycleHandle> }> = {
  'canary-promoted': {
    stage: 'promoted',
    async run() {
      return (await approved()).handle;
    },
  },
  'first-deployment-promoted': {
    stage: 'promoted',
    async run() {
      return (await approved({}, false)).handle;
    },
  },
  'rolled-back-by-health': {
    stage: 'rolled-back',
    async run() {
      const req = lifecycleRequest();
      h.fake.scriptVerdicts(req.deployment.productionEndpointName, ['healthy', 'unhealthy']);
      return (await approved(req)).handle;
    },
  },
  'rolled-back-by-operator': {
    stage: 'rolled-back',
    async run() {
      const req = lifecycleRequest();
      h.fake.scriptVerdicts(req.deployment.productionEndpointName, ['hold']);
      const { handle } = await approved(req);
      await waitForStage(handle, 'canary');
      await command(handle, 'rollback', 'oscar', 'manual');
      return handle;
    },
  },
  'rolled-back-after-failure': {
    stage: 'rolled-back',
    async run() {
      const req = lifecycleRequest();
      const endpoint = req.deployment.productionEndpointName;
      h.fake.fail('setVariantWeights', {
        when: (i: { endpointName: string; weights: Record<string, number> }) =>
          i.endpointName === endpoint && i.weights.v2 === 50,
      });
      return (await approved(req)).handle;
    },
  },
  rejected: {
    stage: 'rejected',
    async run() {
      const handle = await startLifecycle(h, lifecycleRequest());
      await waitForStage(handle, 'awaiting-approval');
      await handle.signal(rejectSignal, { by: 'alice', reason: 'auc too low' });
      return handle;
    },
  },
  expired: {
    stage: 'expired',
    async run() {
      return startLifecycle(h, lifecycleRequest({ approval: { mode: 'manual', deadlineSeconds: 1 } }));
    },
  },
  'validation-failed': {
    stage: 'validation-failed',
    async run() {
      const req = lifecycleRequest();
      h.fake.failValidation(`${req.deployment.productionEndpointName}-stg`, 'answer is not JSON');
      return (await approved(req)).handle;
    },
  },
  'cancelled-awaiting-approval': {
    stage: 'cancelled',
    async run() {
      const handle = await startLifecycle(h, lifecycleRequest());
      await waitForStage(handle, 'awaiting-approval');
      await handle.cancel();
      return handle;
    },
  },
  'cancelled-during-canary': {
    stage: 'cancelled',
    async run() {
      const req = lifecycleRequest();
      h.fake.scriptVerdicts(req.deployment.productionEndpointName, ['hold']);
      const { handle } = await approved(req);
      await waitForStage(handle, 'canary');
      await handle.cancel();
      return handle;
    },
  },
  'needs-attention-retried': {
    stage: 'rolled-back',
    async run() {
      const req = lifecycleRequest();
      const endpoint = req.deployment.productionEndpointName;
      h.fake.scriptVerdicts(endpoint, ['unhealthy']);
      const remove = h.fake.fail('setVariantWeights', {
        when: (i: { endpointName: string; weights: Record<string, number> }) =>
          i.endpointName === endpoint && i.weights.v1 === 100,
      });
      const { handle } = await approved(req);
      await waitForStage(handle, 'needs-attention');
      remove();
      await command(handle, 'retry-rollback', 'oscar', 'permissions fixed');
      return handle;
    },
  },
  'needs-attention-released': {
    stage: 'released',
    async run() {
      const req = lifecycleRequest();
      const endpoint = req.deployment.productionEndpointName;
      h.fake.scriptVerdicts(endpoint, ['unhealthy']);
      h.fake.fail('setVariantWeights', {
        when: (i: { endpointName: string; weights: Record<string, number> }) =>
          i.endpointName === endpoint && i.weights.v1 === 100,
      });
      const { handle } = await approved(req);
      await waitForStage(handle, 'needs-attention');
      await command(handle, 'release', 'oscar', 'fixed by hand');
      return handle;
    },
  },
};

describe.concurrent('workflow replay', () => {
  it.each(Object.keys(PATHS))('a fresh "%s" history replays deterministically', async (name) => {
    const path = PATHS[name]!;
    const handle = await path.run();
    await settle(handle);
    const final = await waitFor(handle, (s) => s.stage === path.stage, `stage ${path.stage}`);
    expect(final.stage).toBe(path.stage);
    const history = History.decode(History.encode(await handle.fetchHistory()).finish());
    await replay(history, name);
    const tag = process.env.RECORD_HISTORIES;
    if (tag) {
      // `1` replaces a path's fixture; any other tag adds one beside the old (`<path>-<tag>.pb`).
      const file = tag === '1' ? `${name}.pb` : `${name}-${tag}.pb`;
      await writeFile(join(FIXTURES, file), History.encode(history).finish());
    }
  });

  it('every terminal path has a recorded history', async () => {
    const recorded = (await readdir(FIXTURES)).filter((f) => f.endsWith('.pb')).map((f) => f.slice(0, -3));
    expect(recorded).toEqual(expect.arrayContaining(Object.keys(PATHS)));
  });

  const recorded = readdirSync(FIXTURES).filter((f) => f.endsWith('.pb'));
  it.each(recorded)('the recorded history %s still replays', async (file) => {
    const history = History.decode(await readFile(join(FIXTURES, file)));
    expect(history.events.length).toBeGreaterThan(10);
    await replay(history, file.slice(0, -3));
  });
});
