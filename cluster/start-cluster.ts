/**
 * The production-shaped topology of docker-compose.yml on this machine, without Docker:
 *   PostgreSQL → Temporal server (schema first) → namespace + search attributes → Temporal UI
 *   → AWS emulator (+ a v0 production endpoint) → workflow bundle → N workers → API.
 * Stops in the reverse order: the API, the workers (their in-flight activities still report to the
 * server), the emulator, the UI, the server, PostgreSQL. A failure while starting stops what started.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { createAwsClients } from '../activities';
import {
  formatStaticTokens,
  generateLocalTokens,
  parseStaticTokens,
  type StaticToken,
} from '../src/api/auth/static-tokens';
import { readLocalTokens, writeLocalTokens } from '../src/config/local-tokens';
import { lockDataDir } from '../dev/data-dir-lock';
import { seedProductionEndpoint } from '../dev/seed-production';
import type { Child } from './child-process';
import { prepareNamespace } from './namespace';
import { startLocalPostgres, useExternalPostgres, type RunningPostgres } from './postgres';
import {
  buildWorkflowBundle,
  startApiProcess,
  startEmulatorProcess,
  startWorkerProcess,
  type ServiceEnv,
} from './service-processes';
import type { ClusterSettings } from './settings';
import { defaultServerPorts, startTemporalServer, type TemporalServerPorts } from './temporal-server';
import { startTemporalUi } from './temporal-ui';

export interface ClusterOptions {
  /** Copy every child's output to our stderr, prefixed (default: only into the log files). */
  echo?: boolean;
  /** Every port the Temporal server binds; default the dev config's layout around TEMPORAL_PORT. */
  serverPorts?: TemporalServerPorts;
  /** Skip the Temporal UI (tests). */
  ui?: boolean;
  /** Emulator endpoint delays (default the emulator's own). */
  emulatorDelays?: { createMs: number; updateMs: number };
  /** Extra variables for the workers (tests: a deployment of their own, a short grace time). */
  workerEnv?: Record<string, string>;
  log?: (line: string) => void;
}

export interface Cluster {
  temporalAddress: string;
  namespace: string;
  taskQueue: string;
  uiUrl?: string;
  emulatorUrl: string;
  apiUrl: string;
  postgres: { host: string; port: number; external: boolean };
  tokens: StaticToken[];
  workers: Child[];
  /** The Temporal server's and the API's processes, and our own PostgreSQL's postmaster (none for POSTGRES_URL): benchmarks read their memory and CPU. */
  serverPid: number;
  apiPid: number;
  postgresPid?: number;
  /** Starts one more worker process like the others. */
  startWorker(name: string): Child;
  logDir: string;
  stop(): Promise<void>;
}

async function localTokens(settings: ClusterSettings): Promise<StaticToken[]> {
  if (settings.authTokens) return parseStaticTokens(settings.authTokens);
  const existing = await readLocalTokens(settings.dataDir);
  if (existing) return existing;
  const tokens = generateLocalTokens();
  await writeLocalTokens(settings.dataDir, tokens);
  return tokens;
}

export async function startCluster(
  settings: ClusterSettings,
  options: ClusterOptions = {},
): Promise<Cluster> {
  const log = options.log ?? ((line: string) => console.error(`[cluster] ${line}`));
  const echo = options.echo ?? false;
  // The emulator accepts any credentials; the seed below and every child use these unless given others.
  process.env.AWS_ACCESS_KEY_ID ??= 'local';
  process.env.AWS_SECRET_ACCESS_KEY ??= 'local';
  await mkdir(settings.logDir, { recursive: true });
  const unlock = lockDataDir(settings.dir);
  const stops: { name: string; stop: () => Promise<void> }[] = [
    { name: 'data-dir lock', stop: () => Promise.resolve(unlock()) },
  ];
  const stopAll = async () => {
    for (const s of stops.reverse()) {
      await s.stop().catch((err: Error) => log(`stopping ${s.name}: ${err.message}`));
    }
  };
  const timed = async <T>(what: string, fn: () => Promise<T>): Promise<T> => {
    const started = Date.now();
    const result = await fn();
    log(`${what} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
    return result;
  };

  try {
    const pg: RunningPostgres = await timed(
      settings.postgres.url
        ? 'PostgreSQL: using POSTGRES_URL'
        : `PostgreSQL on 127.0.0.1:${settings.postgres.port}`,
      () =>
        settings.postgres.url
          ? useExternalPostgres(settings.postgres.url)
          : startLocalPostgres({
              dataDir: join(settings.dir, 'postgres'),
              port: settings.postgres.port,
              user: settings.postgres.user,
              password: settings.postgres.password,
              logDir: settings.logDir,
              echo,
            }),
    );
    stops.push({ name: 'postgres', stop: () => pg.stop() });

    const server = await timed('Temporal server on PostgreSQL (schema set up)', () =>
      startTemporalServer({
        dir: join(settings.dir, 'temporal'),
        logDir: settings.logDir,
        ports: options.serverPorts ?? defaultServerPorts(settings.temporalPort),
        postgres: pg,
        echo,
      }),
    );
    stops.push({ name: 'temporal server', stop: () => server.stop() });

    const namespace = settings.service.temporal.namespace;
    await timed(`namespace ${namespace} and search attributes`, () =>
      prepareNamespace(server.address, namespace),
    );

    let uiUrl: string | undefined;
    if (options.ui ?? true) {
      const ui = await timed('Temporal UI', () =>
        startTemporalUi({
          dir: join(settings.dir, 'temporal-ui'),
          logDir: settings.logDir,
          temporalAddress: server.address,
          port: settings.uiPort,
          namespace,
          echo,
        }),
      );
      stops.push({ name: 'temporal ui', stop: () => ui.stop() });
      uiUrl = ui.url;
    }

    const emulator = await timed('AWS emulator', () =>
      startEmulatorProcess({
        port: settings.emulatorPort,
        metricPeriodSeconds: settings.localStack.emulatorMetricPeriodSeconds,
        traffic: settings.emulatorTraffic,
        stateFile: join(settings.dir, 'emulator-state.json'),
        logDir: settings.logDir,
        echo,
        ...(options.emulatorDelays
          ? { createDelayMs: options.emulatorDelays.createMs, updateDelayMs: options.emulatorDelays.updateMs }
          : {}),
      }),
    );
    stops.push({ name: 'emulator', stop: () => emulator.child.stop() });
    const region = settings.service.aws.region;
    await seedProductionEndpoint(createAwsClients({ region, endpoint: emulator.url }).sagemaker, {
      endpointName: settings.localStack.productionEndpointName,
      executionRoleArn: settings.executionRoleArn,
    });

    const bundlePath = join(settings.dir, 'workflow-bundle.js');
    await timed('workflow bundle', () => buildWorkflowBundle(bundlePath, settings.logDir));

    const service: ServiceEnv = {
      TEMPORAL_ADDRESS: server.address,
      TEMPORAL_NAMESPACE: namespace,
      TEMPORAL_TASK_QUEUE: settings.service.temporal.taskQueue,
      AWS_REGION: region,
      AWS_ENDPOINT_URL: emulator.url,
      AWS_ACCESS_KEY_ID: process.env.AWS_ACCESS_KEY_ID,
      AWS_SECRET_ACCESS_KEY: process.env.AWS_SECRET_ACCESS_KEY,
      NOTIFY_WEBHOOK_URL: settings.service.notifyWebhookUrl ?? '',
      LOG_LEVEL: settings.service.logLevel,
    };
    const workers: Child[] = [];
    const startWorker = (name: string) => {
      const w = startWorkerProcess({
        name,
        service,
        executionRoleArn: settings.executionRoleArn,
        shutdownGraceSeconds: settings.service.worker.shutdownGraceSeconds,
        workflowBundlePath: bundlePath,
        logDir: settings.logDir,
        echo,
        ...(options.workerEnv ? { extraEnv: options.workerEnv } : {}),
      });
      workers.push(w);
      return w;
    };
    // Every worker, and only then the API: stop in reverse stops the API first, then all workers at once.
    await timed(`${settings.workers} workers polling`, async () => {
      const started = Array.from({ length: settings.workers }, (_, i) => startWorker(`worker-${i + 1}`));
      await Promise.all(started.map((w) => w.waitForOutput(/"msg":"worker polling"/, 120_000)));
    });
    stops.push({ name: 'workers', stop: async () => void (await Promise.all(workers.map((w) => w.stop()))) });

    const tokens = await localTokens(settings);
    const api = await timed('API', () =>
      startApiProcess({
        service,
        host: settings.apiHost,
        port: settings.apiPort,
        authTokens: formatStaticTokens(tokens),
        logDir: settings.logDir,
        echo,
      }),
    );
    stops.push({ name: 'api', stop: () => api.child.stop() });

    let stopped: Promise<void> | undefined;
    return {
      temporalAddress: server.address,
      namespace,
      taskQueue: service.TEMPORAL_TASK_QUEUE,
      ...(uiUrl ? { uiUrl } : {}),
      emulatorUrl: emulator.url,
      apiUrl: api.url,
      postgres: { host: pg.host, port: pg.port, external: !pg.child },
      tokens,
      workers,
      serverPid: server.child.pid,
      apiPid: api.child.pid,
      ...(pg.child ? { postgresPid: pg.child.pid } : {}),
      startWorker,
      logDir: settings.logDir,
      stop: () => (stopped ??= stopAll()),
    };
  } catch (err) {
    await stopAll();
    throw err;
  }
}
