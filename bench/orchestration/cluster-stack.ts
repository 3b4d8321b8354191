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
import { requireTokenFor } from '../../src/api/auth/static-tokens';
import type { ParkingStack } from './parked-at-gate';
import { freePort } from './stack';
import { rssMiB, treePssMiB } from './stats';

export interface ClusterParkingStack extends ParkingStack {
  stop(): Promise<void>;
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
    // freePort stays below 32768, as the Temporal server's PostgreSQL schema needs (smallint ports).
    TEMPORAL_PORT: String(await freePort()),
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
  const faults = `${cluster.emulatorUrl}/_emulator/faults`;
  return {
    label: `PostgreSQL cluster, ${o.workers} workers`,
    maxCachedWorkflows: o.maxCachedWorkflows,
    client,
    namespace: cluster.namespace,
    apiUrl: cluster.apiUrl,
    token: (role) => requireTokenFor(cluster.tokens, role),
    memory: () => ({
      workers: cluster.workers.map((w) => rssMiB(w.pid)),
      server: rssMiB(cluster.serverPid),
      ...(cluster.postgresPid ? { database: treePssMiB(cluster.postgresPid) } : {}),
    }),
    processes: () => [
      { role: 'Temporal server', pid: cluster.serverPid },
      { role: 'API', pid: cluster.apiPid },
      ...cluster.workers.map((w) => ({ role: 'workers' as const, pid: w.pid })),
      ...(cluster.postgresPid ? [{ role: 'PostgreSQL' as const, pid: cluster.postgresPid, tree: true }] : []),
    ],
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
