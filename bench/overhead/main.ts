/**
 * `npm run bench:overhead`: what the orchestration itself costs (issue 11), written to BENCHMARKS.md's
 * "Orchestration overhead" section.
 *   --lifecycles N  lifecycles per round (default 40)
 *   --rounds R      rounds, each lifecycles then baseline (default 3)
 *   --concurrency C lifecycles (or baselines) in flight at once (default 10)
 *
 * Each round: N lifecycles (automatic approval, 1 s bakes answered at once, canary 10/50/100 on an endpoint serving
 * v1, no post-promotion watch) against the in-memory SageMaker, which answers at once; then, on a
 * fresh in-memory SageMaker seeded the same way, N baseline runs that make the same activity calls
 * with the same inputs and nothing else (baseline-workflow.ts), recorded from the lifecycles'
 * histories. Same dev server, same worker process, same run. The ratio of the wall-clock times is
 * the orchestration's cost over bare activity scheduling, with activities that cost nothing: an
 * upper bound of what it adds to real SageMaker calls, which take seconds to minutes each.
 *
 * History events per lifecycle are also compared for a 1 s and a 3600 s bake: the bake runs inside
 * one heartbeating activity, so its length must not add events (the in-memory SageMaker answers the
 * health watch at once, so no hour is waited).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, loadavg, platform, release, totalmem, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection, type WorkflowHandle } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { bundleWorkflowCode, NativeConnection, Worker } from '@temporalio/worker';
import { format } from 'prettier';
import { TEMPORAL_CLI_VERSION } from '../../dev/ensure-temporal-cli';
import { startTemporalDevServer } from '../../dev/temporal-dev-server';
import { lifecycleWorkflowId, type LifecycleRequest } from '../../src/shared/lifecycle-input';
import type { modelVersionLifecycle } from '../../workflows';
import { createFakeSageMaker, type FakeSageMaker } from '../../test/helpers/fake-sagemaker';
import { writeSection } from '../benchmarks-file';
import { freePort } from '../orchestration/stack';
import { median, quantile, spread } from '../orchestration/stats';
import type { activityCallsBaseline, RecordedCall } from './baseline-workflow';

const { EventType } = temporal.api.enums.v1;
type History = temporal.api.history.v1.IHistory;

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
};
const log = (line: string) => console.error(`[bench:overhead] ${line}`);

/**
 * Activities that act on Temporal rather than SageMaker (the endpoint lock's requests and releases,
 * build pinning, lock recovery's listing): they exist only because of the orchestration, so the
 * baseline does not make them; they count on the lifecycle's side of the ratio.
 */
const ORCHESTRATION_ONLY = new Set([
  'requestEndpointLock',
  'releaseEndpointLock',
  'pinToBuild',
  'findEndpointLockUsers',
  'describeLockHolder',
]);

function request(round: number, i: number, bakeSeconds: number): LifecycleRequest {
  const id = `r${round}-${i}-${Date.now().toString(36)}`;
  return {
    modelPackageGroup: `bench-${id}`,
    idempotencyKey: `train-${id}`,
    registeredBy: 'pipeline@bench',
    artifactUri: `s3://models/${id}/model.tar.gz`,
    inferenceImage: '123456789012.dkr.ecr.us-east-1.amazonaws.com/sklearn:1',
    metrics: { auc: 0.91 },
    lineage: {
      datasetUri: 's3://data/churn',
      datasetVersion: '7',
      codeCommit: 'abc123',
      trainingJobName: id,
    },
    approval: { mode: 'automatic', thresholds: [{ metric: 'auc', op: '>=', value: 0.5 }] },
    deployment: {
      productionEndpointName: `e-${id}`,
      canarySteps: [10, 50, 100],
      bakeSeconds,
      watchSeconds: 0,
      healthCheckIntervalSeconds: 1,
      endpointPollSeconds: 1,
    },
  };
}

/** Runs `n` tasks with at most `concurrency` at once; resolves with the wall-clock seconds. */
async function timed(n: number, concurrency: number, task: (i: number) => Promise<void>): Promise<number> {
  const started = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(n, concurrency) }, async () => {
      while (next < n) await task(next++);
    }),
  );
  return (performance.now() - started) / 1000;
}

/** The activity calls a history holds, batched by the workflow task that scheduled them. */
function recordedCalls(history: History): RecordedCall[][] {
  const batches = new Map<number, RecordedCall[]>();
  for (const e of history.events ?? []) {
    if (e.eventType !== EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED) continue;
    const a = e.activityTaskScheduledEventAttributes!;
    const activityType = a.activityType?.name ?? '';
    if (ORCHESTRATION_ONLY.has(activityType)) continue;
    const args = (a.input?.payloads ?? []).map((p) => defaultPayloadConverter.fromPayload(p));
    const batch = Number(a.workflowTaskCompletedEventId ?? 0);
    batches.set(batch, [...(batches.get(batch) ?? []), { activityType, args }]);
  }
  return [...batches.values()];
}

const countOf = (history: History, type: temporal.api.enums.v1.EventType) =>
  (history.events ?? []).filter((e) => e.eventType === type).length;

interface RoundResult {
  lifecycleSeconds: number;
  baselineSeconds: number;
  lifecycleEvents: number[];
  baselineEvents: number[];
  lifecycleWorkflowTasks: number[];
  activityCalls: number[];
  skippedCalls: number[];
}

async function main(): Promise<void> {
  const n = arg('lifecycles', 40);
  const rounds = arg('rounds', 3);
  const concurrency = arg('concurrency', 10);
  const command = `npm run bench:overhead -- --lifecycles ${n} --rounds ${rounds} --concurrency ${concurrency}`;
  const started = Date.now();
  const loadAtStart = loadavg()[0]!;

  const dir = await mkdtemp(join(tmpdir(), 'mvl-bench-overhead-'));
  const port = await freePort();
  const server = await startTemporalDevServer({
    dataDir: dir,
    port,
    uiPort: await freePort(),
    namespace: 'default',
  });
  const address = `127.0.0.1:${port}`;
  const client = new Client({ connection: await Connection.connect({ address }) });
  const nativeConnection = await NativeConnection.connect({ address });
  const { code } = await bundleWorkflowCode({
    workflowsPath: require.resolve('./workflows.ts'),
    logger: { trace() {}, debug() {}, info() {}, warn: console.warn, error: console.error, log() {} },
  });

  async function withWorker<T>(taskQueue: string, fake: FakeSageMaker, body: () => Promise<T>): Promise<T> {
    const worker = await Worker.create({
      connection: nativeConnection,
      taskQueue,
      workflowBundle: { code },
      activities: fake.activities,
    });
    const running = worker.run();
    try {
      return await body();
    } finally {
      worker.shutdown();
      await running;
    }
  }

  const results: RoundResult[] = [];
  try {
    for (let round = 1; round <= rounds; round++) {
      const requests = Array.from({ length: n }, (_, i) => request(round, i, 1));
      const lifecycleQueue = `bench-lifecycle-${round}-${Date.now()}`;
      const fakeA = createFakeSageMaker({ temporal: { client, taskQueue: lifecycleQueue } });
      for (const r of requests)
        fakeA.seedProduction(r.deployment.productionEndpointName, r.modelPackageGroup);
      const histories: History[] = [];
      const lifecycleSeconds = await withWorker(lifecycleQueue, fakeA, () =>
        timed(n, concurrency, async (i) => {
          const req = requests[i]!;
          const handle: WorkflowHandle<typeof modelVersionLifecycle> = await client.workflow.start(
            'modelVersionLifecycle',
            {
              taskQueue: lifecycleQueue,
              workflowId: lifecycleWorkflowId(req.modelPackageGroup, req.idempotencyKey),
              args: [req],
            },
          );
          const final = await handle.result();
          if (final.stage !== 'promoted') throw new Error(`${handle.workflowId} ended ${final.stage}`);
          histories[i] = await handle.fetchHistory();
        }),
      );

      const baselineQueue = `bench-baseline-${round}-${Date.now()}`;
      const fakeB = createFakeSageMaker({ temporal: { client, taskQueue: baselineQueue } });
      for (const r of requests)
        fakeB.seedProduction(r.deployment.productionEndpointName, r.modelPackageGroup);
      const calls = histories.map(recordedCalls);
      const baselineHistories: History[] = [];
      const baselineSeconds = await withWorker(baselineQueue, fakeB, () =>
        timed(n, concurrency, async (i) => {
          const handle = await client.workflow.start<typeof activityCallsBaseline>('activityCallsBaseline', {
            taskQueue: baselineQueue,
            workflowId: `baseline-${requests[i]!.idempotencyKey}`,
            args: [calls[i]!],
          });
          await handle.result();
          baselineHistories[i] = await handle.fetchHistory();
        }),
      );

      const scheduled = (h: History) => countOf(h, EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED);
      results.push({
        lifecycleSeconds,
        baselineSeconds,
        lifecycleEvents: histories.map((h) => h.events?.length ?? 0),
        baselineEvents: baselineHistories.map((h) => h.events?.length ?? 0),
        lifecycleWorkflowTasks: histories.map((h) =>
          countOf(h, EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED),
        ),
        activityCalls: histories.map(scheduled),
        skippedCalls: histories.map((h, i) => scheduled(h) - calls[i]!.flat().length),
      });
      log(
        `round ${round}: ${n} lifecycles ${lifecycleSeconds.toFixed(2)} s, baseline ${baselineSeconds.toFixed(2)} s, ratio ${(lifecycleSeconds / baselineSeconds).toFixed(2)}`,
      );
    }

    // History size against bake length: one lifecycle each with a 1 s and a 3600 s bake.
    const bakeQueue = `bench-bake-${Date.now()}`;
    const fakeC = createFakeSageMaker({ temporal: { client, taskQueue: bakeQueue } });
    const eventsByBake = await withWorker(bakeQueue, fakeC, async () => {
      const out: Record<number, number> = {};
      for (const bake of [1, 3600]) {
        const req = request(0, bake, bake);
        fakeC.seedProduction(req.deployment.productionEndpointName, req.modelPackageGroup);
        const handle = await client.workflow.start<typeof modelVersionLifecycle>('modelVersionLifecycle', {
          taskQueue: bakeQueue,
          workflowId: lifecycleWorkflowId(req.modelPackageGroup, req.idempotencyKey),
          args: [req],
        });
        const final = await handle.result();
        if (final.stage !== 'promoted') throw new Error(`bake ${bake}: ended ${final.stage}`);
        out[bake] = (await handle.fetchHistory()).events?.length ?? 0;
      }
      return out;
    });

    const ratios = results.map((r) => r.lifecycleSeconds / r.baselineSeconds);
    const all = (pick: (r: RoundResult) => number[]) => results.flatMap(pick);
    const perLifecycleMs = results.map((r) => (r.lifecycleSeconds / n) * concurrency * 1000);
    const perBaselineMs = results.map((r) => (r.baselineSeconds / n) * concurrency * 1000);
    const cpu = cpus();
    const md = [
      '## Orchestration overhead (`npm run bench:overhead`)',
      '',
      `Generated by \`${command}\` on ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC in ${((Date.now() - started) / 60_000).toFixed(1)} min: ` +
        `${cpu[0]?.model ?? 'unknown CPU'} (${cpu.length} cores, shared with other work), ${(totalmem() / 2 ** 30).toFixed(0)} GiB, ${platform()} ${release()}, ` +
        `load average ${loadAtStart.toFixed(1)} at the start and ${loadavg()[0]!.toFixed(1)} at the end, Node ${process.version}; ` +
        `Temporal CLI ${TEMPORAL_CLI_VERSION} dev server (Server 1.29.1, SQLite file); one worker in the benchmark process.`,
      '',
      `Per round, ${n} lifecycles (automatic approval, canary 10/50/100 with 1 s bakes (the shortest the input allows; the in-memory SageMaker answers the health watch at once) over an endpoint serving v1, no post-promotion watch), ${concurrency} at a time, ` +
        'against the in-memory SageMaker (every call answered at once); then the baseline: a workflow making the same activity calls with the same inputs, ' +
        'batched as the lifecycle scheduled them, and nothing else, on a fresh in-memory SageMaker seeded the same way. ' +
        `The lifecycle's calls to Temporal itself (${[...ORCHESTRATION_ONLY].join(', ')}) are not replayed: they are part of the orchestration. ` +
        'With activities that cost nothing, the ratio is the orchestration over bare activity scheduling, an upper bound of what it adds to real SageMaker calls (seconds to minutes each).',
      '',
      '| figure | lifecycle | baseline | ratio | goal |',
      '| --- | --- | --- | --- | --- |',
      `| wall-clock time of a round (s), ${rounds} rounds | ${spread(
        results.map((r) => r.lifecycleSeconds),
        2,
      )} | ${spread(
        results.map((r) => r.baselineSeconds),
        2,
      )} | ${spread(ratios, 2)} | ≤ 1.3: ${median(ratios) <= 1.3 ? 'met' : '**missed**'} |`,
      `| time per run (ms; round time ÷ runs × concurrency) | ${spread(perLifecycleMs, 0)} | ${spread(perBaselineMs, 0)} | | |`,
      `| history events per run: median (min–max) | ${spread(
        all((r) => r.lifecycleEvents),
        0,
      )} | ${spread(
        all((r) => r.baselineEvents),
        0,
      )} | ${(median(all((r) => r.lifecycleEvents)) / median(all((r) => r.baselineEvents))).toFixed(2)} | |`,
      `| workflow tasks per lifecycle | ${spread(
        all((r) => r.lifecycleWorkflowTasks),
        0,
      )} | | | |`,
      `| activity calls per lifecycle (of which not replayed) | ${spread(
        all((r) => r.activityCalls),
        0,
      )} (${spread(
        all((r) => r.skippedCalls),
        0,
      )}) | | | |`,
      '',
      `History events per lifecycle by bake length (same path, one run each): 1 s bake ${eventsByBake[1]}, 3600 s bake ${eventsByBake[3600]} ` +
        `(goal: equal or nearly: ${Math.abs((eventsByBake[3600] ?? 0) - (eventsByBake[1] ?? 0)) <= 2 ? 'met' : '**missed**'}). ` +
        `p99 of lifecycle history events across rounds: ${quantile(
          all((r) => r.lifecycleEvents),
          0.99,
        )}.`,
      '',
    ].join('\n');
    if (!process.argv.includes('--no-write'))
      writeSection(
        join(__dirname, '../../BENCHMARKS.md'),
        'overhead',
        await format(md, { parser: 'markdown' }),
      );
    console.log(md);
  } finally {
    await nativeConnection.close();
    await client.connection.close();
    await server.stop();
    await rm(dir, { recursive: true, force: true });
  }
  process.exit(0);
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => process.exit(130));

main().catch((err: Error) => {
  console.error(err.stack ?? err.message);
  process.exit(1);
});
