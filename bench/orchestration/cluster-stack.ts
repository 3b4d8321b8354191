/**
 * The production-shaped topology for the parked benchmark: `npm run cluster`'s own start-up
 * (PostgreSQL, the Temporal server built from go.temporal.io/server, N worker processes, the API,
 * the emulator as its own process) in a temporary DATA_DIR on ports of its own, without the UI.
 */
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { clusterSettings } from '../../cluster/settings';
import { startCluster } from '../../cluster/start-cluster';
import type { ParkingStack } from './parked-at-gate';
import { freePort } from './stack';
import { rssMiB, treePssMiB } from './stats';

export interface ClusterParkingStack extends ParkingStack {
  stop(): Promise<void>;
}

/** A port below 32768: Temporal's PostgreSQL schema keeps membership ports in a smallint. */
async function lowFreePort(): Promise<number> {
  for (;;) {
    const port = await freePort();
    if (port < 32_000) return port;
  }
}

export async function startClusterParkingStack(o: {
  workers: number;
  maxCachedWorkflows: number;
  log: (line: string) => void;
}): Promise<ClusterParkingStack> {
  const dataDir = await mkdtemp(join(tmpdir(), 'mvl-bench-cluster-'));
  await chmod(dataDir, 0o755); // PostgreSQL runs as the postgres user when we are root
  Object.assign(process.env, {
    DATA_DIR: dataDir,
    TEMPORAL_PORT: String(await lowFreePort()),
    EMULATOR_PORT: String(await freePort()),
    API_PORT: String(await freePort()),
    POSTGRES_PORT: String(await freePort()),
    CLUSTER_WORKERS: String(o.workers),
    EMULATOR_TRAFFIC: '',
    LOG_LEVEL: 'warn',
  });
  const cluster = await startCluster(clusterSettings(), {
    ui: false,
    emulatorDelays: { createMs: 0, updateMs: 0 },
    workerEnv: { WORKER_MAX_CACHED_WORKFLOWS: String(o.maxCachedWorkflows), LOG_LEVEL: 'info' },
    log: (line) => o.log(`  cluster: ${line}`),
  });
  const connection = await Connection.connect({ address: cluster.temporalAddress });
  const client = new Client({ connection, namespace: cluster.namespace });
  const token = (role: string) => cluster.tokens.find((t) => (t.roles as string[]).includes(role))!.token;
  const faults = `${cluster.emulatorUrl}/_emulator/faults`;
  return {
    label: `PostgreSQL cluster, ${o.workers} workers`,
    maxCachedWorkflows: o.maxCachedWorkflows,
    client,
    namespace: cluster.namespace,
    apiUrl: cluster.apiUrl,
    token,
    memory: () => ({
      workers: cluster.workers.map((w) => rssMiB(w.pid)),
      server: rssMiB(cluster.serverPid),
      ...(cluster.postgresPid ? { database: treePssMiB(cluster.postgresPid) } : {}),
    }),
    async refuseStagingCreateModel() {
      const res = await fetch(faults, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ operation: 'CreateModel', kind: 'throttle' }),
      });
      if (res.status !== 201) throw new Error(`emulator fault: HTTP ${res.status} ${await res.text()}`);
      const { faults: added } = (await res.json()) as { faults: { id: string }[] };
      return async () => void (await fetch(`${faults}/${added[0]!.id}`, { method: 'DELETE' }));
    },
    async stop() {
      await connection.close();
      await cluster.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
