/**
 * Chaos set-up: an AWS emulator in this process, a Temporal server (the run's shared one, or a test's
 * own), and the worker as a child process that a test SIGKILLs and restarts.
 *
 * Each case gets an emulator of its own: fault rules match by operation name only, so two cases on
 * one emulator would hold each other's calls. An emulator is an HTTP server in this process and
 * starts in milliseconds; the worker processes are what cost.
 */
import { randomUUID } from 'node:crypto';
import {
  DescribeModelPackageCommand,
  ListEndpointConfigsCommand,
  ListEndpointsCommand,
  ListModelPackagesCommand,
  ListModelsCommand,
  type SageMakerClient,
} from '@aws-sdk/client-sagemaker';
import { Client, Connection } from '@temporalio/client';
import type { temporal } from '@temporalio/proto';
import { inject } from 'vitest';
import { createAwsClients } from '../../../activities';
import type { FaultRule, FaultSpec } from '@model-version-lifecycle/sagemaker-emulator';
import { startEmulator, type Emulator } from '@model-version-lifecycle/sagemaker-emulator';
import { lifecycleWorkflowId, type LifecycleRequest } from '../../../src/shared/lifecycle-input';
import { isFinalStage, type LifecycleState } from '../../../src/shared/lifecycle-state';
import {
  approveSignal,
  ENDPOINT_LOCK_WORKFLOW_TYPE,
  LIFECYCLE_WORKFLOW_TYPE,
  stateQuery,
} from '../../../src/shared/messages';
import type { modelVersionLifecycle } from '../../../workflows';
import type { TestTemporal } from '../../helpers/temporal';
import { EMULATOR_HEALTH, emulatorRequest, type EmulatorHarness } from '../emulator/emulator-harness';
import type { LifecycleHandle } from '../workflows/lifecycle-harness';
import { spawnWorker, type WorkerProcess } from '../worker/worker-process';

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Enough traffic that a 10 % canary reaches the request's 20-invocation minimum within a 2 s bake. */
export const CHAOS_TRAFFIC_PER_SECOND = 150;

export interface ChaosEnv extends EmulatorHarness {
  /** The worker now running, if any. */
  worker(): WorkerProcess | undefined;
  /** Every worker process this env started, in order. */
  workers: WorkerProcess[];
  /** Starts a worker process; `env` adds to (or overrides) the env's worker variables for this one. */
  startWorker(env?: Record<string, string>): WorkerProcess;
  /** SIGKILLs the running worker and waits until the process is gone. */
  killWorker(): Promise<void>;
  start(request: LifecycleRequest): Promise<LifecycleHandle>;
}

export interface ChaosEnvOptions {
  /** A Temporal server of the test's own; default the run's shared one. */
  temporal?: { address: string; namespace: string };
  /** Extra variables for the worker processes. */
  workerEnv?: Record<string, string>;
}

export async function startChaosEnv(options: ChaosEnvOptions = {}): Promise<ChaosEnv> {
  process.env.AWS_ACCESS_KEY_ID ??= 'test';
  process.env.AWS_SECRET_ACCESS_KEY ??= 'test';
  const address = options.temporal?.address ?? inject('temporalAddress');
  const namespace = options.temporal?.namespace ?? inject('temporalNamespace');
  const emulator = await startEmulator({
    port: 0,
    metricPeriodSeconds: 1,
    createDelayMs: 300,
    updateDelayMs: 300,
  });
  const aws = createAwsClients({ region: 'us-east-1', endpoint: emulator.url });
  const connection = await Connection.connect({ address });
  const client = new Client({ connection, namespace });
  const taskQueue = `chaos-${randomUUID()}`;
  const inProcessWorker = () => {
    throw new Error('chaos tests run the worker as a child process: use startWorker()');
  };
  const testTemporal: TestTemporal = {
    client,
    taskQueue,
    withWorker: inProcessWorker,
    startWorker: inProcessWorker,
    close: () => connection.close(),
  };
  const workers: WorkerProcess[] = [];
  const started: LifecycleHandle[] = [];
  const current = () => workers.find((w) => w.child.exitCode === null && w.child.signalCode === null);
  return {
    temporal: testTemporal,
    emulator,
    aws,
    workers,
    worker: current,
    sendTraffic(endpointName, ratePerSecond) {
      const traffic = emulator.state.traffic;
      traffic.setRules([
        ...traffic.rules.filter((r) => r.endpoint !== endpointName),
        { endpoint: endpointName, ratePerSecond },
      ]);
    },
    startWorker(env = {}) {
      const w = spawnWorker({
        TEMPORAL_ADDRESS: address,
        TEMPORAL_NAMESPACE: namespace,
        TEMPORAL_TASK_QUEUE: taskQueue,
        // A deployment of this env's own: its first worker makes the build current, and a restarted
        // worker (same bundle, so the same build) serves lifecycles pinned to it.
        TEMPORAL_DEPLOYMENT_NAME: `mvl-${taskQueue}`,
        AWS_ENDPOINT_URL: emulator.url,
        AWS_ACCESS_KEY_ID: 'test',
        AWS_SECRET_ACCESS_KEY: 'test',
        // A test's end stops its workers by SIGKILL anyway; no need to wait out a grace time.
        WORKER_SHUTDOWN_GRACE_SECONDS: '1',
        // As in production, the worker runs a prebuilt bundle (the run's, from global setup) rather
        // than bundling at start: a restart then costs what a production restart costs.
        WORKFLOW_BUNDLE_PATH: inject('workflowBundlePath'),
        ...options.workerEnv,
        ...env,
      });
      workers.push(w);
      return w;
    },
    async killWorker() {
      const w = current();
      if (!w) throw new Error('no worker running');
      await w.kill();
    },
    async start(request) {
      const handle = await client.workflow.start<typeof modelVersionLifecycle>(LIFECYCLE_WORKFLOW_TYPE, {
        taskQueue,
        workflowId: lifecycleWorkflowId(request.modelPackageGroup, request.idempotencyKey),
        args: [request],
      });
      started.push(handle);
      return handle;
    },
    async stop() {
      // By pid, every one this env started; a no-op for those already gone.
      await Promise.all(workers.map((w) => w.kill()));
      // A failed case may leave its lifecycle running, and every endpoint's lock workflow runs on: end
      // both so nothing of this env stays on a shared server.
      const lockIds = started.length ? await lockWorkflowIds(client, taskQueue).catch(() => []) : [];
      await Promise.all(
        [...started.map((h) => h.workflowId), ...lockIds].map((id) =>
          client.workflow
            .getHandle(id)
            .terminate('chaos test finished')
            .catch(() => undefined),
        ),
      );
      await connection.close();
      await emulator.close();
    },
  };
}

/** The endpoint lock workflows on `taskQueue` that are still running. */
async function lockWorkflowIds(client: Client, taskQueue: string): Promise<string[]> {
  const ids: string[] = [];
  for await (const w of client.workflow.list({
    query: `TaskQueue = '${taskQueue}' AND ExecutionStatus = 'Running'`,
  })) {
    if (w.type === ENDPOINT_LOCK_WORKFLOW_TYPE) ids.push(w.workflowId);
  }
  return ids;
}

/** The emulator lifecycle request with second-scale bakes and polls. */
export function chaosRequest(
  overrides: Parameters<typeof emulatorRequest>[0] & { bakeSeconds?: number } = {},
): LifecycleRequest {
  const req = emulatorRequest(overrides);
  return {
    ...req,
    deployment: {
      ...req.deployment,
      bakeSeconds: overrides.bakeSeconds ?? 2,
      healthCheckIntervalSeconds: 1,
      endpointPollSeconds: 1,
      health: EMULATOR_HEALTH,
    },
  };
}

/**
 * Polls the state query until `check` holds. A query needs a live worker, and in these tests there
 * is none for a while (killed, or still bundling its workflows): a failed query is asked again.
 */
export async function waitForState(
  handle: LifecycleHandle,
  check: (s: LifecycleState) => boolean,
  what: string,
  timeoutMs: number,
): Promise<LifecycleState> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer yet';
  for (;;) {
    try {
      const state = await handle.query(stateQuery);
      if (check(state)) return state;
      if (isFinalStage(state.stage)) {
        throw new Error(`lifecycle ended ${state.stage} before ${what}: ${state.outcome ?? ''}`);
      }
      last = `stage ${state.stage}`;
    } catch (err) {
      if (/^lifecycle ended/.test((err as Error).message)) throw err;
      last = `query failed: ${(err as Error).message}`;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; ${last}`);
    await sleep(200);
  }
}

/** Approves as an approver would, once the lifecycle asks (a kill may come first, hence the wait). */
export async function approveWhenAsked(handle: LifecycleHandle, timeoutMs = 240_000): Promise<void> {
  await waitForState(handle, (s) => s.stage === 'awaiting-approval', 'awaiting-approval', timeoutMs);
  await handle.signal(approveSignal, { by: 'alice@ml' });
}

/**
 * Holds the `nth` call of `operation` (counted from now) for `holdMs`, and resolves once it is being
 * held. A zero-delay rule counts the calls; the hold rule is added once n-1 have passed, which is
 * safe because the lifecycle's calls of one operation are seconds apart.
 */
export async function holdCall(
  emulator: Emulator,
  operation: string,
  nth: number,
  holdMs: number,
  timeoutMs = 240_000,
): Promise<{ rule: FaultRule; heldAt: number }> {
  const faults = emulator.state.faults;
  const counter = faults.add({ operation, kind: 'delay', delayMs: 0 });
  const deadline = Date.now() + timeoutMs;
  let hold: FaultRule | undefined;
  try {
    for (;;) {
      if (!hold && counter.hits >= nth - 1) {
        if (counter.hits > nth - 1)
          throw new Error(`missed ${operation} call ${nth}: ${counter.hits} passed`);
        hold = faults.add({ operation, kind: 'delay', delayMs: holdMs, count: 1 } satisfies FaultSpec);
      }
      if (hold && hold.hits === 1) return { rule: hold, heldAt: Date.now() };
      if (Date.now() > deadline) throw new Error(`no ${operation} call ${nth} within ${timeoutMs} ms`);
      await sleep(5);
    }
  } finally {
    faults.remove(counter.id);
  }
}

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

const eventMs = (e: HistoryEvent) =>
  Number(e.eventTime?.seconds ?? 0) * 1000 + (e.eventTime?.nanos ?? 0) / 1e6;

/** The latest scheduled activity of `activityType` that has not completed: the one in flight. */
export async function inFlightActivity(
  handle: LifecycleHandle,
  activityType: string,
): Promise<{ scheduledEventId: number; activityId: string }> {
  const events = (await handle.fetchHistory()).events ?? [];
  const closed = new Set(
    events.flatMap((e) => {
      const a =
        e.activityTaskCompletedEventAttributes ??
        e.activityTaskFailedEventAttributes ??
        e.activityTaskTimedOutEventAttributes ??
        e.activityTaskCanceledEventAttributes;
      return a ? [Number(a.scheduledEventId)] : [];
    }),
  );
  const open = events.filter(
    (e) =>
      e.activityTaskScheduledEventAttributes?.activityType?.name === activityType &&
      !closed.has(Number(e.eventId)),
  );
  if (open.length !== 1) throw new Error(`expected one ${activityType} in flight, found ${open.length}`);
  return {
    scheduledEventId: Number(open[0]!.eventId),
    activityId: open[0]!.activityTaskScheduledEventAttributes!.activityId!,
  };
}

/** The attempt the server is on for a pending activity; undefined once it is no longer pending. */
export async function pendingAttempt(
  handle: LifecycleHandle,
  activityId: string,
): Promise<number | undefined> {
  const pending = (await handle.describe()).raw.pendingActivities ?? [];
  return pending.find((a) => a.activityId === activityId)?.attempt ?? undefined;
}

/**
 * When the server gave up on attempt `attempt` of `activityId` (its heartbeat or start-to-close
 * timeout fired, so the next attempt is scheduled), polled every 100 ms; or when the activity was
 * no longer pending, if that came first. The server's view: needs no worker.
 */
export async function noticedLostAt(
  handle: LifecycleHandle,
  activityId: string,
  attempt: number,
  timeoutMs: number,
): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const now = await pendingAttempt(handle, activityId);
    if (now === undefined || now > attempt) return Date.now();
    if (Date.now() > deadline) throw new Error(`attempt ${attempt} of activity ${activityId} never given up`);
    await sleep(100);
  }
}

/**
 * When the activity scheduled as `scheduledEventId` completed, by the server's clock (same host),
 * polling its history until then. Throws on a failure or after `timeoutMs`.
 */
export async function completedAt(
  handle: LifecycleHandle,
  scheduledEventId: number,
  timeoutMs: number,
): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const events = (await handle.fetchHistory()).events ?? [];
    for (const e of events) {
      if (Number(e.activityTaskCompletedEventAttributes?.scheduledEventId) === scheduledEventId)
        return eventMs(e);
      const failed = e.activityTaskFailedEventAttributes ?? e.activityTaskTimedOutEventAttributes;
      if (failed && Number(failed.scheduledEventId) === scheduledEventId) {
        throw new Error(
          `activity ${scheduledEventId} did not complete: ${JSON.stringify(failed.failure?.message)}`,
        );
      }
    }
    if (Date.now() > deadline)
      throw new Error(`activity ${scheduledEventId} still in flight after ${timeoutMs} ms`);
    await sleep(250);
  }
}

/** Every resource of one case, through the real SDK's List* calls, named with the case's ids blanked. */
export interface ResourceInventory {
  /** Per version: its approval status and the endpoint it is marked as serving, if any. */
  packages: { version: number | undefined; status: string | undefined; serving: string | undefined }[];
  models: string[];
  endpointConfigs: string[];
  endpoints: { name: string; status: string | undefined }[];
}

async function listAll<T>(page: (token?: string) => Promise<{ items: T[]; next?: string }>): Promise<T[]> {
  const all: T[] = [];
  let token: string | undefined;
  do {
    const p = await page(token);
    all.push(...p.items);
    token = p.next;
  } while (token);
  return all;
}

/**
 * Names carry the group (`e2e-<id>`) and a hash of the workflow ID; both differ between two runs of
 * the same scenario, so they are replaced to compare a disturbed run with an undisturbed one.
 */
function normalise(name: string, group: string): string {
  return name
    .split(group)
    .join('G')
    .replace(/-[0-9a-z]{7}$/, '-H');
}

export async function inventory(sagemaker: SageMakerClient, group: string): Promise<ResourceInventory> {
  const mine = (name: string | undefined) => !!name?.startsWith(`${group}-`);
  const packages = await listAll(async (NextToken) => {
    const r = await sagemaker.send(
      new ListModelPackagesCommand({ ModelPackageGroupName: group, MaxResults: 100, NextToken }),
    );
    return { items: r.ModelPackageSummaryList ?? [], next: r.NextToken };
  });
  const models = await listAll(async (NextToken) => {
    const r = await sagemaker.send(new ListModelsCommand({ MaxResults: 100, NextToken }));
    return { items: r.Models ?? [], next: r.NextToken };
  });
  const configs = await listAll(async (NextToken) => {
    const r = await sagemaker.send(new ListEndpointConfigsCommand({ MaxResults: 100, NextToken }));
    return { items: r.EndpointConfigs ?? [], next: r.NextToken };
  });
  const endpoints = await listAll(async (NextToken) => {
    const r = await sagemaker.send(new ListEndpointsCommand({ MaxResults: 100, NextToken }));
    return { items: r.Endpoints ?? [], next: r.NextToken };
  });
  return {
    packages: (
      await Promise.all(
        packages.map(async (p) => {
          const d = await sagemaker.send(
            new DescribeModelPackageCommand({ ModelPackageName: p.ModelPackageArn }),
          );
          const serving = d.CustomerMetadataProperties?.ServingEndpoint;
          return {
            version: p.ModelPackageVersion,
            status: p.ModelApprovalStatus,
            serving: serving === undefined ? undefined : normalise(serving, group),
          };
        }),
      )
    ).sort((a, b) => (a.version ?? 0) - (b.version ?? 0)),
    models: models
      .filter((m) => mine(m.ModelName))
      .map((m) => normalise(m.ModelName!, group))
      .sort(),
    endpointConfigs: configs
      .filter((c) => mine(c.EndpointConfigName))
      .map((c) => normalise(c.EndpointConfigName!, group))
      .sort(),
    endpoints: endpoints
      .filter((e) => mine(e.EndpointName))
      .map((e) => ({ name: normalise(e.EndpointName!, group), status: e.EndpointStatus }))
      .sort((a, b) => a.name.localeCompare(b.name)),
  };
}

/** What must be the same after a disturbed run as after an undisturbed one. */
export interface EndState {
  stage: LifecycleState['stage'];
  modelVersion: number | undefined;
  verdicts: [number, string][];
  rollbackBy: string | undefined;
  /** The production endpoint's variants and weights, as DescribeEndpoint reports them. */
  serving: [string | undefined, number | undefined][];
  resources: ResourceInventory;
}

export async function endStateOf(
  sagemaker: SageMakerClient,
  final: LifecycleState,
  describe: () => Promise<{ ProductionVariants?: { VariantName?: string; CurrentWeight?: number }[] }>,
): Promise<EndState> {
  const endpoint = await describe();
  return {
    stage: final.stage,
    modelVersion: final.modelVersion,
    // Which step a bad canary's evidence arrives at depends on traffic and the machine's load; that it
    // arrives, and only unhealthy evidence ends the run, does not: a rollback counts its unhealthy
    // verdicts, at step 0 meaning "any step".
    verdicts:
      final.stage === 'rolled-back'
        ? final.verdicts.filter((v) => v.status !== 'healthy').map((v): [number, string] => [0, v.status])
        : final.verdicts.map((v): [number, string] => [v.canaryWeight, v.status]),
    rollbackBy: final.rollback?.by,
    serving: (endpoint.ProductionVariants ?? []).map((v) => [v.VariantName, v.CurrentWeight]),
    resources: await inventory(sagemaker, final.modelPackageGroup),
  };
}

/**
 * How an undisturbed run of each scenario on a seeded endpoint ends (worker-kill.test.ts checks the
 * live undisturbed runs against these). G is the group, H a hash of the workflow ID.
 */
export const UNDISTURBED: Record<'promote' | 'rollback', EndState> = {
  promote: {
    stage: 'promoted',
    modelVersion: 2,
    verdicts: [
      [10, 'healthy'],
      [50, 'healthy'],
      [100, 'healthy'],
    ],
    rollbackBy: undefined,
    serving: [['v2', 1]],
    resources: {
      // The registry says which version serves: the new one, and no longer the old.
      packages: [
        { version: 1, status: 'Approved', serving: undefined },
        { version: 2, status: 'Approved', serving: 'G-prod' },
      ],
      // The previous version's model stays for a quick rollback; staging and canary configs are gone.
      models: ['G-v1-seed', 'G-v2-H'],
      endpointConfigs: ['G-prod-v2-H', 'G-v1-seed'],
      endpoints: [{ name: 'G-prod', status: 'InService' }],
    },
  },
  rollback: {
    stage: 'rolled-back',
    modelVersion: 2,
    verdicts: [[0, 'unhealthy']],
    rollbackBy: 'health-check',
    serving: [['v1', 1]],
    resources: {
      packages: [
        { version: 1, status: 'Approved', serving: 'G-prod' },
        { version: 2, status: 'Rejected', serving: undefined },
      ],
      models: ['G-v1-seed', 'G-v2-H'],
      endpointConfigs: ['G-prod-v2-rollback-H', 'G-v1-seed'],
      endpoints: [{ name: 'G-prod', status: 'InService' }],
    },
  },
};
