/**
 * The Temporal server built from go.temporal.io/server v1.29.1, all four services (frontend,
 * history, matching, worker) in one process on PostgreSQL: the same server and persistence as
 * docker-compose's `temporal` service, without the image. Its config is written at each start from
 * the cluster's ports and PostgreSQL, after the schema tool has set the databases up.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Connection } from '@temporalio/client';
import { startChild, type Child } from './child-process';
import { ensureGoProgram } from './go-binaries';
import type { PostgresEndpoint } from './postgres';
import { setUpTemporalSchema } from './temporal-schema';

/** Every port the server binds; the frontend's gRPC port is the one clients use. */
export interface TemporalServerPorts {
  frontend: number;
  frontendHttp: number;
  frontendMembership: number;
  history: number;
  historyMembership: number;
  matching: number;
  matchingMembership: number;
  worker: number;
  workerMembership: number;
  metrics: number;
}

/** The layout of the dev config in the server repository: frontend port + fixed offsets. */
export function defaultServerPorts(frontend: number): TemporalServerPorts {
  return {
    frontend,
    frontendHttp: frontend + 10,
    frontendMembership: frontend - 300,
    history: frontend + 1,
    historyMembership: frontend - 299,
    matching: frontend + 2,
    matchingMembership: frontend - 298,
    worker: frontend + 6,
    workerMembership: frontend - 294,
    metrics: frontend + 767,
  };
}

export interface TemporalServerOptions {
  dir: string;
  logDir: string;
  ports: TemporalServerPorts;
  postgres: PostgresEndpoint;
  /** Shards are fixed when the databases are made; 4 as in the server's own dev config. */
  historyShards?: number;
  echo?: boolean;
}

export interface RunningTemporalServer {
  address: string;
  child: Child;
  stop(): Promise<void>;
}

const yamlString = (s: string) => JSON.stringify(s);

function datastore(pg: PostgresEndpoint, database: string, maxConns: number): string {
  return `
      sql:
        pluginName: "postgres12"
        databaseName: ${yamlString(database)}
        connectAddr: ${yamlString(`${pg.host}:${pg.port}`)}
        connectProtocol: "tcp"
        user: ${yamlString(pg.user)}
        password: ${yamlString(pg.password)}
        maxConns: ${maxConns}
        maxIdleConns: ${maxConns}
        maxConnLifetime: "1h"`;
}

export function serverConfigYaml(o: TemporalServerOptions, dynamicConfigPath: string): string {
  const p = o.ports;
  const service = (grpc: number, membership: number, http?: number) => `
    rpc:
      grpcPort: ${grpc}
      membershipPort: ${membership}
      bindOnLocalHost: true${http ? `\n      httpPort: ${http}` : ''}`;
  return `# Written by cluster/temporal-server.ts at each start; edits are lost.
log:
  stdout: true
  level: warn
persistence:
  defaultStore: postgres-default
  visibilityStore: postgres-visibility
  numHistoryShards: ${o.historyShards ?? 4}
  datastores:
    postgres-default:${datastore(o.postgres, 'temporal', 20)}
    postgres-visibility:${datastore(o.postgres, 'temporal_visibility', 10)}
global:
  membership:
    maxJoinDuration: 30s
    broadcastAddress: "127.0.0.1"
  metrics:
    prometheus:
      framework: "tally"
      timerType: "histogram"
      listenAddress: "127.0.0.1:${p.metrics}"
services:
  frontend:${service(p.frontend, p.frontendMembership, p.frontendHttp)}
  history:${service(p.history, p.historyMembership)}
  matching:${service(p.matching, p.matchingMembership)}
  worker:${service(p.worker, p.workerMembership)}
clusterMetadata:
  enableGlobalNamespace: false
  failoverVersionIncrement: 10
  masterClusterName: "active"
  currentClusterName: "active"
  clusterInformation:
    active:
      enabled: true
      initialFailoverVersion: 1
      rpcName: "frontend"
      rpcAddress: "127.0.0.1:${p.frontend}"
dcRedirectionPolicy:
  policy: "noop"
dynamicConfigClient:
  filepath: ${yamlString(dynamicConfigPath)}
  pollInterval: "10s"
`;
}

/** The dynamic config, shared with docker-compose.yml (which mounts the same file). */
export const DYNAMIC_CONFIG_PATH = join(__dirname, 'temporal-dynamic-config.yaml');

async function waitUntilServing(address: string, child: Child, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  for (;;) {
    if (child.process.exitCode !== null || child.process.signalCode !== null) {
      throw new Error(`temporal server exited; see ${child.logFile}:\n${child.tail().slice(-3000)}`);
    }
    try {
      const connection = await Connection.connect({ address, connectTimeout: 1000 });
      try {
        await connection.workflowService.getSystemInfo({});
        return;
      } finally {
        await connection.close();
      }
    } catch (err) {
      last = (err as Error).message;
    }
    if (Date.now() > deadline)
      throw new Error(`Temporal server not serving at ${address} after ${timeoutMs} ms: ${last}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

export async function startTemporalServer(o: TemporalServerOptions): Promise<RunningTemporalServer> {
  const executable = await ensureGoProgram('server');
  await setUpTemporalSchema(o.postgres, o.logDir);
  const configDir = join(o.dir, 'config');
  await mkdir(configDir, { recursive: true });
  // It carries the database password: readable by us only.
  await writeFile(join(configDir, 'cluster.yaml'), serverConfigYaml(o, DYNAMIC_CONFIG_PATH), { mode: 0o600 });
  const child = startChild({
    name: 'temporal',
    command: executable,
    args: ['--root', o.dir, '--config', 'config', '--env', 'cluster', '--allow-no-auth', 'start'],
    logFile: join(o.logDir, 'temporal-server.log'),
    ...(o.echo ? { echo: true } : {}),
    stopTimeoutMs: 20_000,
  });
  const address = `127.0.0.1:${o.ports.frontend}`;
  try {
    await waitUntilServing(address, child, 90_000);
  } catch (err) {
    await child.stop();
    throw err;
  }
  return { address, child, stop: () => child.stop() };
}
