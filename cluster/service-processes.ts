/**
 * The project's own processes in the cluster, each what its npm script runs (`npm run emulator`,
 * `npm run worker`, `npm run api`), given the variables docker-compose gives its containers
 * (x-service-env, and each service's own). Node runs them with tsx's loader in the process itself,
 * so the pid we hold, signal and kill is the program's.
 */
import { join } from 'node:path';
import { startChild, runToCompletion, type Child } from './child-process';

const ROOT = join(__dirname, '..');
const node = (script: string) => ({
  command: process.execPath,
  args: ['--import', 'tsx', join(ROOT, script)],
});

/** The entry points; one place to change when a layout move relocates them. */
export const ENTRY_POINTS = {
  emulator: 'packages/sagemaker-emulator/src/main.ts',
  worker: 'src/worker/main.ts',
  api: 'src/api/main.ts',
  bundle: 'scripts/build-workflow-bundle.ts',
} as const;

/** docker-compose's x-service-env, pointed at this cluster. */
export interface ServiceEnv {
  TEMPORAL_ADDRESS: string;
  TEMPORAL_NAMESPACE: string;
  TEMPORAL_TASK_QUEUE: string;
  AWS_REGION: string;
  AWS_ENDPOINT_URL: string;
  AWS_ACCESS_KEY_ID: string;
  AWS_SECRET_ACCESS_KEY: string;
  NOTIFY_WEBHOOK_URL: string;
  LOG_LEVEL: string;
}

interface Common {
  logDir: string;
  echo?: boolean;
}

/** Our environment minus the variables a child must get only from us (so a stray one cannot leak in). */
function baseEnv(extra: Record<string, string | undefined>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const [k, v] of Object.entries(extra)) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  return env;
}

export async function buildWorkflowBundle(out: string, logDir: string): Promise<void> {
  const { command, args } = node(ENTRY_POINTS.bundle);
  await runToCompletion({
    name: 'workflow-bundle',
    command,
    args: [...args, out],
    cwd: ROOT,
    logFile: join(logDir, 'workflow-bundle.log'),
  });
}

export interface EmulatorOptions extends Common {
  port: number;
  metricPeriodSeconds: number;
  traffic: string;
  stateFile: string;
  createDelayMs?: number;
  updateDelayMs?: number;
}

export async function startEmulatorProcess(o: EmulatorOptions): Promise<{ url: string; child: Child }> {
  const { command, args } = node(ENTRY_POINTS.emulator);
  const child = startChild({
    name: 'emulator',
    command,
    args,
    cwd: ROOT,
    env: baseEnv({
      EMULATOR_PORT: String(o.port),
      EMULATOR_HOST: '127.0.0.1',
      EMULATOR_METRIC_PERIOD_SECONDS: String(o.metricPeriodSeconds),
      EMULATOR_TRAFFIC: o.traffic,
      EMULATOR_STATE_FILE: o.stateFile,
      EMULATOR_CREATE_DELAY_MS:
        o.createDelayMs === undefined ? process.env.EMULATOR_CREATE_DELAY_MS : String(o.createDelayMs),
      EMULATOR_UPDATE_DELAY_MS:
        o.updateDelayMs === undefined ? process.env.EMULATOR_UPDATE_DELAY_MS : String(o.updateDelayMs),
    }),
    logFile: join(o.logDir, 'emulator.log'),
    ...(o.echo ? { echo: true } : {}),
  });
  await child.waitForOutput(/AWS emulator .* on http/, 60_000);
  return { url: `http://127.0.0.1:${o.port}`, child };
}

/**
 * The worker's heap limit, as docker-compose sets it: it bounds the workflow thread's heap too, so
 * V8 collects evicted runs instead of growing toward its default limit (BENCHMARKS.md: 10,000 parked
 * in about 600 MiB with the default cache, against 1.5 GiB without a limit).
 */
export const WORKER_NODE_OPTIONS = '--max-old-space-size=512';

export interface WorkerOptions extends Common {
  name: string;
  service: ServiceEnv;
  executionRoleArn: string;
  shutdownGraceSeconds: number;
  workflowBundlePath: string;
  deploymentName?: string;
  extraEnv?: Record<string, string>;
}

export function startWorkerProcess(o: WorkerOptions): Child {
  const { command, args } = node(ENTRY_POINTS.worker);
  return startChild({
    name: o.name,
    command,
    args,
    cwd: ROOT,
    env: baseEnv({
      ...o.service,
      SAGEMAKER_EXECUTION_ROLE_ARN: o.executionRoleArn,
      NODE_OPTIONS: WORKER_NODE_OPTIONS,
      WORKER_SHUTDOWN_GRACE_SECONDS: String(o.shutdownGraceSeconds),
      // As the image does: both workers run the one bundle built for the cluster, so they are one build.
      WORKFLOW_BUNDLE_PATH: o.workflowBundlePath,
      ...(o.deploymentName ? { TEMPORAL_DEPLOYMENT_NAME: o.deploymentName } : {}),
      ...o.extraEnv,
    }),
    logFile: join(o.logDir, `${o.name}.log`),
    ...(o.echo ? { echo: true } : {}),
    // The grace time for in-flight activities, and a little for the process to exit.
    stopTimeoutMs: (o.shutdownGraceSeconds + 10) * 1000,
  });
}

export interface ApiOptions extends Common {
  service: ServiceEnv;
  host: string;
  port: number;
  authTokens: string;
  extraEnv?: Record<string, string>;
}

export async function startApiProcess(o: ApiOptions): Promise<{ url: string; child: Child }> {
  const { command, args } = node(ENTRY_POINTS.api);
  const child = startChild({
    name: 'api',
    command,
    args,
    cwd: ROOT,
    env: baseEnv({
      ...o.service,
      API_HOST: o.host,
      API_PORT: String(o.port),
      AUTH_TOKENS: o.authTokens,
      ...o.extraEnv,
    }),
    logFile: join(o.logDir, 'api.log'),
    ...(o.echo ? { echo: true } : {}),
  });
  const url = `http://${o.host === '0.0.0.0' ? '127.0.0.1' : o.host}:${o.port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.process.exitCode !== null)
      throw new Error(`api exited (${child.process.exitCode}):\n${child.tail().slice(-2000)}`);
    const ok = await fetch(`${url}/health`).then(
      (r) => r.status < 500,
      () => false,
    );
    if (ok) return { url, child };
    if (Date.now() > deadline)
      throw new Error(`api not answering at ${url}/health after 60 s:\n${child.tail().slice(-2000)}`);
    await new Promise((r) => setTimeout(r, 300));
  }
}
