/**
 * What the orchestration benchmarks run on: a Temporal dev server of their own (SQLite in a temp
 * directory), the AWS emulator in this process (so a benchmark reads what it served, request by
 * request), and the worker and the API as child processes, as `npm run worker` / `npm run api`
 * run them, so their memory is their own.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { createAwsClients, type AwsClients } from '../../activities';
import type { Child } from '../../cluster/child-process';
import {
  buildWorkflowBundle,
  startApiProcess,
  startWorkerProcess,
  type ServiceEnv,
} from '../../cluster/service-processes';
import {
  formatStaticTokens,
  generateLocalTokens,
  requireTokenFor,
  type StaticToken,
} from '../../src/api/auth/static-tokens';
import { EMULATOR_EXECUTION_ROLE_ARN } from '../../src/config';
import { startTemporalDevServer, type RunningDevServer } from '../../dev/temporal-dev-server';
import type { ParkingStack } from './parked-at-gate';
import { rssMiB } from './stats';
import {
  startEmulator,
  type Emulator,
  type EmulatorOptions,
} from '@model-version-lifecycle/sagemaker-emulator';

export interface BenchStack {
  dir: string;
  temporal: RunningDevServer;
  client: Client;
  emulator: Emulator;
  aws: AwsClients;
  worker: Child;
  api: { url: string; child: Child };
  tokens: StaticToken[];
  taskQueue: string;
  token(role: string): string;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  for (;;) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    const free = await new Promise<boolean>((resolve) => {
      const s = createServer();
      s.once('error', () => resolve(false));
      s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
    });
    if (free) return port;
  }
}

export async function startBenchStack(
  emulatorOptions: EmulatorOptions,
  workerEnv: Record<string, string> = {},
): Promise<BenchStack> {
  process.env.AWS_ACCESS_KEY_ID ??= 'local';
  process.env.AWS_SECRET_ACCESS_KEY ??= 'local';
  const dir = await mkdtemp(join(tmpdir(), 'mvl-bench-'));
  const logDir = join(dir, 'logs');
  const temporal = await startTemporalDevServer({
    dataDir: dir,
    port: await freePort(),
    uiPort: await freePort(),
    namespace: 'default',
  });
  const connection = await Connection.connect({ address: temporal.address });
  const client = new Client({ connection, namespace: 'default' });
  const emulator = await startEmulator({ port: 0, ...emulatorOptions });
  const aws = createAwsClients({ region: 'us-east-1', endpoint: emulator.url });
  const bundle = join(dir, 'workflow-bundle.js');
  await buildWorkflowBundle(bundle, logDir);
  const taskQueue = 'model-version-lifecycle';
  const service: ServiceEnv = {
    TEMPORAL_ADDRESS: temporal.address,
    TEMPORAL_NAMESPACE: 'default',
    TEMPORAL_TASK_QUEUE: taskQueue,
    AWS_REGION: 'us-east-1',
    AWS_ENDPOINT_URL: emulator.url,
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    NOTIFY_WEBHOOK_URL: '',
    LOG_LEVEL: 'warn',
  };
  const worker = startWorkerProcess({
    name: 'worker',
    service: { ...service, LOG_LEVEL: 'info' },
    executionRoleArn: EMULATOR_EXECUTION_ROLE_ARN,
    shutdownGraceSeconds: 1,
    workflowBundlePath: bundle,
    logDir,
    extraEnv: workerEnv,
  });
  await worker.waitForOutput(/"msg":"worker polling"/, 120_000);
  const tokens = generateLocalTokens();
  const api = await startApiProcess({
    service,
    host: '127.0.0.1',
    port: await freePort(),
    authTokens: formatStaticTokens(tokens),
    logDir,
  });
  return {
    dir,
    temporal,
    client,
    emulator,
    aws,
    worker,
    api,
    tokens,
    taskQueue,
    token: (role) => requireTokenFor(tokens, role),
    async stop() {
      await api.child.stop();
      await worker.stop();
      await connection.close();
      await emulator.close();
      await temporal.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** The dev-server stack as the parked benchmark sees it (its worker started with `maxCachedWorkflows`). */
export function devParkingStack(stack: BenchStack, maxCachedWorkflows: number): ParkingStack {
  return {
    label: 'dev server (SQLite), 1 worker',
    maxCachedWorkflows,
    client: stack.client,
    namespace: 'default',
    apiUrl: stack.api.url,
    token: (role) => stack.token(role),
    memory: () => ({ workers: [rssMiB(stack.worker.pid)], server: rssMiB(stack.temporal.process.pid!) }),
    processes: () => [
      { role: 'Temporal server', pid: stack.temporal.process.pid! },
      { role: 'API', pid: stack.api.child.pid },
      { role: 'workers', pid: stack.worker.pid },
    ],
    refuseStagingCreateModel() {
      const fault = stack.emulator.state.faults.add({ operation: 'CreateModel', kind: 'throttle' });
      return Promise.resolve(() => Promise.resolve(void stack.emulator.state.faults.remove(fault.id)));
    },
  };
}
