/**
 * Guards running workflows against incompatible code changes, in the two ways runs meet new code
 * (README, "Upgrading the service"):
 * - `test/fixtures/histories/*.pb`: runs that upgrade to every new build — parked at the approval
 *   gate, or ended before approval — and the endpoint lock. They must replay on any build: a change
 *   to registration, the approval gate or the lock needs `patched()`.
 * - `test/fixtures/histories/current-build/*.pb`: every terminal path in full. Runs are pinned to
 *   their build from the approval on, so these guard the current build: an intended change after
 *   the approval ships as a new build, and these are re-recorded (RECORD_HISTORIES=1).
 * Each path is also run fresh here and replayed at once.
 */
import { existsSync, readdirSync } from 'node:fs';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { temporal } from '@temporalio/proto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { LifecycleStage } from '../../../src/shared/lifecycle-state';
import { approveSignal, rejectSignal, releaseSignal } from '../../../src/shared/messages';
import type { RevertStage } from '../../../src/shared/revert';
import { EVERY_BUILD, replayHistory, THIS_BUILD } from '../../helpers/replay-history';
import {
  command,
  lifecycleRequest,
  approvedCanary,
  startHarness,
  startLifecycle,
  waitFor,
  waitForStage,
  type Harness,
  type LifecycleHandle,
} from './lifecycle-harness';
import {
  failWeightsTowardV1,
  promotedV2,
  startRevert,
  waitForRevert,
  type RevertHandle,
} from './revert-harness';

const { History } = temporal.api.history.v1;
// Binary protobuf: the SDK's JSON history reader trips over two copies of protobufjs in this install.
const FIXTURES = join(__dirname, '../../fixtures/histories');
const CURRENT_BUILD = join(FIXTURES, 'current-build');

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => h?.stop());

const replay = (history: temporal.api.history.v1.IHistory, name: string, file: string, advice: string) =>
  replayHistory(inject('workflowBundlePath'), { name, file, history }, advice);

const approved = (overrides: Parameters<typeof lifecycleRequest>[0] = {}) => approvedCanary(h, overrides);

const settle = (handle: LifecycleHandle) => handle.result().catch(() => undefined);

/** Runs parked where they upgrade to new builds: recorded while they wait, then ended. */
const PARKED: Record<string, () => Promise<LifecycleHandle>> = {
  'parked-awaiting-approval': async () => {
    const req = lifecycleRequest();
    h.fake.seedProduction(req.deployment.productionEndpointName, req.modelPackageGroup);
    const handle = await startLifecycle(h, req);
    await waitForStage(handle, 'awaiting-approval');
    return handle;
  },
  'parked-quorum-one-vote': async () => {
    const handle = await startLifecycle(h, lifecycleRequest({ approval: { mode: 'quorum', quorum: 2 } }));
    await waitForStage(handle, 'awaiting-approval');
    await handle.signal(approveSignal, { by: 'alice', reason: 'looks good' });
    await waitFor(handle, (s) => (s.approval?.approvals.length ?? 0) === 1, 'one vote');
    return handle;
  },
};

/** Every terminal path the lifecycle has, each driven to its end against the in-memory SageMaker. */
const PATHS: Record<string, { stage: LifecycleStage; run(): Promise<LifecycleHandle> }> = {
  'canary-promoted': {
    stage: 'promoted',
    async run() {
      return (await approved()).handle;
    },
  },
  'watched-promoted': {
    stage: 'promoted',
    async run() {
      const req = lifecycleRequest();
      h.fake.scriptWatch(req.deployment.productionEndpointName, 'healthy');
      return (await approved(req)).handle;
    },
  },
  'watch-reverted': {
    stage: 'reverted',
    async run() {
      const req = lifecycleRequest();
      h.fake.scriptWatch(req.deployment.productionEndpointName, 'unhealthy');
      return (await approved(req)).handle;
    },
  },
  'first-deployment-promoted': {
    stage: 'promoted',
    async run() {
      const handle = await startLifecycle(h, lifecycleRequest());
      await waitForStage(handle, 'awaiting-approval');
      await handle.signal(approveSignal, { by: 'alice' });
      return handle;
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

/**
 * The revert workflow's paths. A revert is not pinned to its build (it may wait long for the lock or
 * in needs-attention, and must then run on the build that is current), so its histories are of the
 * kind every later build must replay.
 */
const REVERT_PATHS: Record<string, { stage: RevertStage; run(): Promise<RevertHandle> }> = {
  'revert-one-step': {
    stage: 'reverted',
    async run() {
      return startRevert(h, (await promotedV2(h)).endpoint);
    },
  },
  'revert-canary': {
    stage: 'reverted',
    async run() {
      return startRevert(h, (await promotedV2(h)).endpoint, { canary: true, canarySteps: [10, 100] });
    },
  },
  'revert-needs-attention-released': {
    stage: 'released',
    async run() {
      const { endpoint } = await promotedV2(h);
      const clear = failWeightsTowardV1(h, endpoint);
      const handle = await startRevert(h, endpoint, { canary: true, canarySteps: [10, 100] });
      await waitForRevert(handle, (s) => s.stage === 'needs-attention');
      clear();
      await handle.signal(releaseSignal, { by: 'oscar', reason: 'set the weights by hand' });
      return handle;
    },
  },
  'revert-superseded': {
    stage: 'superseded',
    async run() {
      const { endpoint, v1 } = await promotedV2(h);
      return startRevert(h, endpoint, { cause: 'post-promotion-watch', expectedFromArn: v1.arn });
    },
  },
  'revert-refused': {
    stage: 'refused',
    async run() {
      return startRevert(h, (await promotedV2(h)).endpoint, { toVersion: 7 });
    },
  },
};

/** Paths that end before the approval: their full histories must replay on every build. */
const BEFORE_APPROVAL = new Set(['rejected', 'expired', 'cancelled-awaiting-approval']);

async function record(handle: LifecycleHandle | RevertHandle, name: string, dir: string, advice: string) {
  const history = History.decode(History.encode(await handle.fetchHistory()).finish());
  await replay(history, name, `a fresh run of ${name}`, advice);
  const tag = process.env.RECORD_HISTORIES;
  if (!tag) return;
  // `1` replaces a current-build fixture; histories every build must replay are only ever added.
  const file = join(dir, tag === '1' ? `${name}.pb` : `${name}-${tag}.pb`);
  if (dir === FIXTURES && existsSync(file)) return;
  await writeFile(file, History.encode(history).finish());
}

describe.concurrent('workflow replay', () => {
  it.each(Object.keys(PATHS))('a fresh "%s" history replays deterministically', async (name) => {
    const path = PATHS[name]!;
    const handle = await path.run();
    await settle(handle);
    const final = await waitFor(handle, (s) => s.stage === path.stage, `stage ${path.stage}`);
    expect(final.stage).toBe(path.stage);
    await record(handle, name, CURRENT_BUILD, THIS_BUILD);
    // Ended before the approval: also a history every later build must replay.
    if (BEFORE_APPROVAL.has(name) && process.env.RECORD_HISTORIES === '1') {
      await record(handle, name, FIXTURES, EVERY_BUILD);
    }
  });

  it.each(Object.keys(REVERT_PATHS))('a fresh "%s" history replays deterministically', async (name) => {
    const path = REVERT_PATHS[name]!;
    const handle = await path.run();
    const final = await handle.result();
    expect(final.stage).toBe(path.stage);
    // Added once, never replaced: runs of earlier builds may be in flight.
    await record(handle, name, process.env.RECORD_HISTORIES === '1' ? FIXTURES : CURRENT_BUILD, EVERY_BUILD);
  });

  it('every revert path has a history recorded by an earlier build', () => {
    const recorded = readdirSync(FIXTURES).filter((f) => f.endsWith('.pb'));
    for (const name of Object.keys(REVERT_PATHS)) expect(recorded).toContain(`${name}.pb`);
  });

  it.each(Object.keys(PARKED))('a fresh "%s" history replays deterministically', async (name) => {
    const handle = await PARKED[name]!();
    await record(handle, name, process.env.RECORD_HISTORIES === '1' ? FIXTURES : CURRENT_BUILD, EVERY_BUILD);
    await handle.terminate('recorded');
  });

  it('every terminal path has a history recorded by the current build', async () => {
    const recorded = (await readdir(CURRENT_BUILD))
      .filter((f) => f.endsWith('.pb'))
      .map((f) => f.slice(0, -3));
    expect(recorded).toEqual(expect.arrayContaining(Object.keys(PATHS)));
  });

  const everyBuild = readdirSync(FIXTURES).filter((f) => f.endsWith('.pb'));
  it.each(everyBuild)('the history %s, recorded by an earlier build, still replays', async (file) => {
    const history = History.decode(await readFile(join(FIXTURES, file)));
    expect(history.events.length).toBeGreaterThan(10);
    await replay(history, file.slice(0, -3), `test/fixtures/histories/${file}`, EVERY_BUILD);
  });

  const thisBuild = readdirSync(CURRENT_BUILD).filter((f) => f.endsWith('.pb'));
  it.each(thisBuild)('the history current-build/%s still replays', async (file) => {
    const history = History.decode(await readFile(join(CURRENT_BUILD, file)));
    expect(history.events.length).toBeGreaterThan(10);
    await replay(history, file.slice(0, -3), `test/fixtures/histories/current-build/${file}`, THIS_BUILD);
  });
});
