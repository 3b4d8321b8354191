/**
 * The upgrade drill (README, "Upgrading the service while lifecycles run"): real worker processes of
 * two builds on the run's dev server, the real activities against the emulator, and the README's own
 * CLI steps (readme-steps.ts).
 *
 * - Build A is the current code (the run's prebuilt bundle). On it: lifecycles parked at the approval
 *   gate, one in staging (its CreateEndpoint held by the emulator), one baking in the canary, and one
 *   in needs-attention (its rollback refused through the emulator's fault API).
 * - Build B is a real incompatible change made by the test: a copy of workflows/ with a new timer
 *   right after the lifecycle pins itself (changed-workflow-bundle.ts), bundled, and served by workers
 *   with their own build id. A run that started on A and replayed on B past the approval would fail
 *   with a nondeterminism error; a run that reaches the approval on B shows B's timer.
 * - B is made current with the README's steps; then every lifecycle must end as it would have without
 *   the upgrade: the runs pinned to A on A, the parked ones (and new tasks of the endpoint locks) on B,
 *   with no nondeterminism failure in any history; and A must drain and stop.
 * - Then the service is rolled back to A the same way, and B drains.
 */
import { readFileSync } from 'node:fs';
import { DescribeEndpointCommand } from '@aws-sdk/client-sagemaker';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ensureTemporalCli } from '../../../dev/ensure-temporal-cli';
import type { LifecycleRequest } from '../../../src/shared/lifecycle-input';
import type { LifecycleStage, LifecycleState } from '../../../src/shared/lifecycle-state';
import { approveSignal, endpointLockWorkflowId, stateQuery } from '../../../src/shared/messages';
import { packageVersion, workflowBuildId } from '../../../src/worker/build-id';
import {
  B_TIMER_MS,
  buildChangedBundle,
  EXTRA_TIMER_AFTER_PIN,
  type ChangedBundle,
} from '../../helpers/changed-workflow-bundle';
import {
  CHAOS_TRAFFIC_PER_SECOND,
  chaosRequest,
  sleep,
  startChaosEnv,
  waitForState,
  type ChaosEnv,
} from '../chaos/chaos-harness';
import { seedProduction } from '../emulator/emulator-harness';
import type { WorkerProcess } from '../worker/worker-process';
import { command, type LifecycleHandle } from '../workflows/lifecycle-harness';
import { field, listedWorkflowIds, stepRunner, type StepRunner } from './readme-steps';
import { buildSequence, fetchTaskBuilds, hasTimerOf, type TaskBuilds } from './task-builds';

const started = Date.now();
const elapsed = () => `${((Date.now() - started) / 1000).toFixed(1)} s`;
const say = (line: string) => console.log(`[drill ${elapsed()}] ${line}`);

interface Lifecycle {
  name: string;
  req: LifecycleRequest;
  handle: LifecycleHandle;
}

let env: ChaosEnv;
let bundleB: ChangedBundle;
let cli: StepRunner;
let deployment: string;
let buildA: string;
let buildB: string;
const workersOf: Record<string, WorkerProcess[]> = {};
const lifecycles: Record<string, Lifecycle> = {};

function startBuild(build: 'A' | 'B'): WorkerProcess {
  const w = env.startWorker(build === 'B' ? { WORKFLOW_BUNDLE_PATH: bundleB.path } : {});
  (workersOf[build] ??= []).push(w);
  return w;
}

async function readyBuild(w: WorkerProcess): Promise<string> {
  await w.ready;
  const version = /"deploymentVersion":"([^"]+)"/.exec(w.output())?.[1];
  if (!version) throw new Error(`worker logged no deployment version:\n${w.output().slice(-1000)}`);
  return version.slice(deployment.length + 1);
}

async function untilLogged(w: WorkerProcess, pattern: RegExp, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!pattern.test(w.output())) {
    if (Date.now() > deadline) throw new Error(`worker never logged ${pattern}:\n${w.output().slice(-1500)}`);
    await sleep(200);
  }
}

async function startLifecycle(
  name: string,
  overrides: Parameters<typeof chaosRequest>[0] = {},
  approval?: LifecycleRequest['approval'],
) {
  const req = { ...chaosRequest(overrides), ...(approval ? { approval } : {}) };
  // Validation is not what this drill is about: a 40 ms answer once took over the 2 s default budget
  // on the 2-core machine under a full test run (load average 40), failing staging's version.
  req.deployment.latencyBudgetMs = 30_000;
  await seedProduction(env, req.modelPackageGroup, req.deployment.productionEndpointName);
  env.sendTraffic(req.deployment.productionEndpointName, CHAOS_TRAFFIC_PER_SECOND);
  const handle = await env.start(req);
  lifecycles[name] = { name, req, handle };
  return lifecycles[name];
}

const stageIs = (stage: LifecycleStage) => (s: LifecycleState) => s.stage === stage;

async function approve(l: Lifecycle, by = 'alice@ml') {
  await l.handle.signal(approveSignal, { by });
}

/** Every history of the drill: the lifecycles and their endpoints' lock workflows. */
async function allTaskBuilds(): Promise<TaskBuilds[]> {
  const ids = Object.values(lifecycles).flatMap((l) => [
    l.handle.workflowId,
    endpointLockWorkflowId(l.req.deployment.productionEndpointName),
  ]);
  return Promise.all(ids.map((id) => fetchTaskBuilds(env.temporal.client, id).catch(() => undefined))).then(
    (all) => all.filter((t): t is TaskBuilds => !!t),
  );
}

function failOnNondeterminism(all: TaskBuilds[]): void {
  const nameOf = (id: string) =>
    Object.values(lifecycles).find((l) => l.handle.workflowId === id)?.name ?? id;
  const bad = all.filter((t) => t.nondeterminism.length > 0);
  if (bad.length) {
    const each = bad.map(
      (t) =>
        `${nameOf(t.workflowId)} (${t.workflowId}) at event ${t.nondeterminism[0]!.eventId}: ${t.nondeterminism[0]!.message}`,
    );
    throw new Error(`nondeterminism failures: ${each.join('; ')}`);
  }
}

/**
 * Runs `step`; when it fails, a nondeterminism failure in any history is the better explanation (a
 * command to a run whose task keeps failing on the wrong build is refused: "Workflow Task in failed state").
 */
async function explained<T>(step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (err) {
    failOnNondeterminism(await allTaskBuilds());
    throw err;
  }
}

/** Waits until every lifecycle named has closed, failing at once on a nondeterminism failure in any history. */
async function endOf(names: string[], timeoutMs: number): Promise<Record<string, LifecycleState>> {
  const ends: Record<string, LifecycleState> = {};
  const deadline = Date.now() + timeoutMs;
  while (Object.keys(ends).length < names.length) {
    failOnNondeterminism(await allTaskBuilds());
    for (const name of names.filter((n) => !ends[n])) {
      const { handle } = lifecycles[name]!;
      if ((await handle.describe()).status.name === 'RUNNING') continue;
      // A cancelled or failed run's result is an error; its state says how it ended.
      ends[name] = await handle.result().catch(() => handle.query(stateQuery));
      say(`${name} ended ${ends[name].stage}: ${ends[name].outcome ?? ''}`);
    }
    if (Date.now() > deadline) {
      const open = names.filter((n) => !ends[n]);
      throw new Error(`still running after ${timeoutMs} ms: ${open.join(', ')}`);
    }
    await sleep(1000);
  }
  return ends;
}

async function servingVariants(endpointName: string) {
  const d = await env.aws.sagemaker.send(new DescribeEndpointCommand({ EndpointName: endpointName }));
  return (d.ProductionVariants ?? []).map((v) => [v.VariantName, v.CurrentWeight]);
}

async function untilDrained(build: string, other: string, timeoutMs = 45_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const out = await cli.run('5', { old: build, new: other });
    if (field(out, 'DrainageStatus') === 'drained') return out;
    if (Date.now() > deadline) throw new Error(`build ${build} never drained:\n${out}`);
    await sleep(1000);
  }
}

beforeAll(async () => {
  const [chaos, changed, cliPath] = await Promise.all([
    startChaosEnv(),
    buildChangedBundle(EXTRA_TIMER_AFTER_PIN),
    ensureTemporalCli(),
  ]);
  env = chaos;
  bundleB = changed;
  deployment = `mvl-${env.temporal.taskQueue}`;
  cli = stepRunner({
    cliPath,
    address: inject('temporalAddress'),
    namespace: inject('temporalNamespace'),
    deploymentName: deployment,
  });
  say('B bundled, emulator up');
}, 120_000);

afterAll(async () => {
  await env?.stop();
  await bundleB?.remove();
  say(`README steps run: ${cli?.log.map((s) => `${s.id} (${s.ms} ms)`).join(', ')}`);
});

describe.sequential('upgrading the service while lifecycles run', () => {
  it('moves parked lifecycles to build B, finishes every pinned one on build A, with no nondeterminism; A drains and stops', async () => {
    // Build A: the first worker of a fresh deployment makes its build current.
    const a = startBuild('A');
    buildA = await readyBuild(a);
    expect(buildA).toBe(
      workflowBuildId(packageVersion(), readFileSync(inject('workflowBundlePath'), 'utf8')),
    );
    await untilLogged(a, /this build is now current/);
    say(`build A ${buildA} current`);
    // Build B's workers start beside A's (a deployment of the new release): they register B, and wait.
    const b = startBuild('B');

    // Lifecycles on A, one per endpoint. Faults match by operation only, so each is placed in turn.
    const parked = await startLifecycle('parked');
    const quorum = await startLifecycle('parked-quorum', {}, { mode: 'quorum', quorum: 2 });
    const attention = await startLifecycle('needs-attention', { bakeSeconds: 60 });
    const canary = await startLifecycle('canary', { bakeSeconds: 8 });
    const staging = await startLifecycle('staging');
    for (const l of Object.values(lifecycles))
      await waitForState(l.handle, stageIs('awaiting-approval'), `${l.name} parked`, 60_000);

    // needs-attention: the rollback's weights call refused, then the fault lifted (the run waits for an operator).
    await approve(attention);
    await waitForState(
      attention.handle,
      (s) => s.stage === 'canary' && s.canary?.stepIndex === 0,
      'the 10 % bake',
      60_000,
    );
    const deny = env.emulator.state.faults.add({
      operation: 'UpdateEndpointWeightsAndCapacities',
      kind: 'deny',
    });
    await command(attention.handle, 'rollback', 'oscar@ml', 'drill');
    await waitForState(attention.handle, stageIs('needs-attention'), 'needs-attention', 60_000);
    env.emulator.state.faults.remove(deny.id);

    buildB = await readyBuild(b);
    expect(buildB).toBe(workflowBuildId(packageVersion(), bundleB.code));
    expect(buildB).not.toBe(buildA);
    await untilLogged(b, new RegExp(`build ${buildB} is not current \\(${buildA} is\\)`));

    // canary: baking (8 s a step); from here to the switch takes seconds.
    await approve(canary);
    await waitForState(canary.handle, stageIs('canary'), 'canary bake', 60_000);

    // staging: its staging endpoint's creation held by the emulator for 20 s, past the switch.
    const hold = env.emulator.state.faults.add({
      operation: 'CreateEndpoint',
      kind: 'delay',
      delayMs: 20_000,
      count: 1,
    });
    await approve(staging);
    await expect.poll(() => hold.hits, { timeout: 60_000, interval: 100 }).toBe(1);

    const builds = { old: buildA, new: buildB };
    const described = await cli.run('1', builds);
    expect(field(described, 'CurrentVersionBuildID')).toBe(buildA);
    expect(described).toContain(buildB);

    const positions = Object.fromEntries(
      await Promise.all(
        Object.values(lifecycles).map(async (l) => [
          l.name,
          (await waitForState(l.handle, () => true, 'state', 10_000)).stage,
        ]),
      ),
    );
    expect(positions).toEqual({
      parked: 'awaiting-approval',
      'parked-quorum': 'awaiting-approval',
      'needs-attention': 'needs-attention',
      canary: 'canary',
      staging: 'deploying-staging',
    });
    say(`on A: ${JSON.stringify(positions)}`);

    // The README's switch: ramp, then current.
    const ramped = await cli.run('2', builds);
    expect(ramped).toMatch(/Successfully/i);
    expect(field(await cli.run('1', builds), 'RampingVersionPercentage')).toBe('10');
    await cli.run('3', builds);
    const afterSwitch = await cli.run('1', builds);
    expect(field(afterSwitch, 'CurrentVersionBuildID')).toBe(buildB);
    const switchedAt = Date.now();
    say('B current');

    // What keeps A alive: exactly the runs past their approval.
    const pinnedToA = listedWorkflowIds(await cli.run('4', builds)).sort();
    expect(pinnedToA, 'pinned to A (README step 4)').toEqual(
      [attention, canary, staging].map((l) => l.handle.workflowId).sort(),
    );

    await explained(async () => {
      // The parked ones get their next tasks: on B.
      await approve(parked);
      await quorum.handle.signal(approveSignal, { by: 'bob@ml' });
      await waitForState(quorum.handle, (s) => (s.approval?.approvals.length ?? 0) === 1, 'one vote', 30_000);
      // needs-attention answered, on A.
      await command(attention.handle, 'retry-rollback', 'oscar@ml', 'IAM policy restored');
    });

    const ends = await endOf(['parked', 'staging', 'canary', 'needs-attention'], 120_000);
    say(`all ended ${((Date.now() - switchedAt) / 1000).toFixed(1)} s after the switch`);
    expect(ends.parked!.stage).toBe('promoted');
    expect(ends.staging!.stage).toBe('promoted');
    expect(ends.canary!.stage).toBe('promoted');
    expect(ends['needs-attention']!.stage).toBe('rolled-back');
    expect(ends.canary!.verdicts.map((v) => v.canaryWeight)).toEqual([10, 50, 100]);
    for (const l of [parked, staging, canary]) {
      expect(await servingVariants(l.req.deployment.productionEndpointName)).toEqual([['v2', 1]]);
    }
    expect(await servingVariants(attention.req.deployment.productionEndpointName)).toEqual([['v1', 1]]);

    // The histories: who ran what, and not one nondeterminism failure.
    const all = await allTaskBuilds();
    failOnNondeterminism(all);
    const of = (l: Lifecycle) => all.find((t) => t.workflowId === l.handle.workflowId)!;
    const lockOf = (l: Lifecycle) =>
      all.find((t) => t.workflowId === endpointLockWorkflowId(l.req.deployment.productionEndpointName))!;
    for (const l of [staging, canary, attention]) {
      expect(buildSequence(of(l).builds), `${l.name} ran only on A`).toEqual([buildA]);
      expect(hasTimerOf(of(l).history, B_TIMER_MS), `${l.name} never ran B's code`).toBe(false);
    }
    // The endpoint locks are auto-upgrade: taken on A, their later tasks (the release) ran on B; the one
    // staging's run asked for after the switch started on B. A lifecycle pinned to A signals either alike.
    for (const l of [canary, attention]) {
      expect(buildSequence(lockOf(l).builds), `${l.name}'s lock moved to B`).toEqual([buildA, buildB]);
    }
    expect(buildSequence(lockOf(staging).builds)).toEqual([buildB]);
    expect(buildSequence(of(parked).builds), 'the parked run moved to B').toEqual([buildA, buildB]);
    expect(hasTimerOf(of(parked).history, B_TIMER_MS), "the parked run ran B's new code").toBe(true);
    expect(buildSequence(lockOf(parked).builds)).toEqual([buildB]);
    expect(buildSequence(of(quorum).builds)).toEqual([buildA, buildB]);
    say(
      `histories: ${all.length}, workflow tasks ${all.reduce((n, t) => n + t.builds.length, 0)}, failed tasks ${all.reduce((n, t) => n + t.failedTasks, 0)}, nondeterminism 0`,
    );

    // A drains: nothing pinned to it, the server says drained; then its workers stop cleanly.
    expect(listedWorkflowIds(await cli.run('4', builds))).toEqual([]);
    await untilDrained(buildA, buildB);
    say('A drained');
    a.child.kill('SIGTERM');
    expect(await a.exited).toBe(0);
    expect(a.output()).toMatch(/worker stopped/);
    say('A stopped');
  }, 300_000);

  it('rolls the service back to A: a parked lifecycle moves back and pins itself to A, B drains and stops', async () => {
    const quorum = lifecycles['parked-quorum']!;
    const a = startBuild('A');
    expect(await readyBuild(a)).toBe(buildA);
    await cli.run('R', { old: buildA, new: buildB });
    expect(field(await cli.run('1', { old: buildA, new: buildB }), 'CurrentVersionBuildID')).toBe(buildA);
    say('rolled back: A current again');

    // Its next task (the second vote) runs on A again; it pins itself to A and goes on with A's code
    // (no B timer before staging). Cancelled there: how it ends after that is the first test's subject.
    await quorum.handle.signal(approveSignal, { by: 'carol@ml' });
    await waitForState(quorum.handle, stageIs('deploying-staging'), 'staging on A', 60_000);
    expect(listedWorkflowIds(await cli.run('4', { old: buildA, new: buildB }))).toEqual([
      quorum.handle.workflowId,
    ]);
    await quorum.handle.cancel();
    const ends = await endOf(['parked-quorum'], 60_000);
    expect(ends['parked-quorum']!.stage).toBe('cancelled');
    const t = await fetchTaskBuilds(env.temporal.client, quorum.handle.workflowId);
    expect(t.nondeterminism).toEqual([]);
    expect(buildSequence(t.builds), 'parked on A, a vote on B, the rest on A').toEqual([
      buildA,
      buildB,
      buildA,
    ]);
    expect(hasTimerOf(t.history, B_TIMER_MS)).toBe(false);

    // B drains with the roles swapped: the parked run it had is back on A, the one it pinned has ended.
    const swapped = { old: buildB, new: buildA };
    expect(listedWorkflowIds(await cli.run('4', swapped))).toEqual([]);
    await untilDrained(buildB, buildA);
    const b = workersOf.B![0]!;
    b.child.kill('SIGTERM');
    expect(await b.exited).toBe(0);
    say('B drained and stopped');
  }, 180_000);
});
