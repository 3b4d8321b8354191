/**
 * The Temporal Web UI against the cluster's server: the UI server of github.com/temporalio/ui-server
 * v2.42.1, the same UI the CLI's dev server embeds (see go-binaries.ts for why not the CLI itself).
 * docker-compose runs `temporalio/ui:2.42.1`, which is this server in an image.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startChild, type Child } from './child-process';
import { ensureGoProgram } from './go-binaries';
import { waitForTcp } from './postgres';

export interface TemporalUiOptions {
  dir: string;
  logDir: string;
  temporalAddress: string;
  port: number;
  namespace: string;
  echo?: boolean;
}

export interface RunningTemporalUi {
  url: string;
  child: Child;
  stop(): Promise<void>;
}

export function uiConfigYaml(o: TemporalUiOptions): string {
  return `# Written by cluster/temporal-ui.ts at each start; edits are lost.
temporalGrpcAddress: ${JSON.stringify(o.temporalAddress)}
host: 127.0.0.1
port: ${o.port}
publicPath: ""
enableUi: true
defaultNamespace: ${JSON.stringify(o.namespace)}
refreshInterval: 1m
notifyOnNewVersion: false
cors:
  cookieInsecure: true
  allowOrigins: []
auth:
  enabled: false
`;
}

export async function startTemporalUi(o: TemporalUiOptions): Promise<RunningTemporalUi> {
  const executable = await ensureGoProgram('ui');
  const configDir = join(o.dir, 'config');
  await mkdir(configDir, { recursive: true });
  await writeFile(join(configDir, 'cluster.yaml'), uiConfigYaml(o));
  const child = startChild({
    name: 'temporal-ui',
    command: executable,
    args: ['--root', o.dir, '--config', 'config', '--env', 'cluster', 'start'],
    logFile: join(o.logDir, 'temporal-ui.log'),
    ...(o.echo ? { echo: true } : {}),
  });
  const exitedEarly = child.exited.then((code) => {
    throw new Error(`temporal-ui exited (${code}):\n${child.tail().slice(-2000)}`);
  });
  exitedEarly.catch(() => undefined); // an exit after start-up is the supervisor's business
  try {
    await Promise.race([waitForTcp('127.0.0.1', o.port, 30_000), exitedEarly]);
  } catch (err) {
    await child.stop();
    throw err;
  }
  return { url: `http://127.0.0.1:${o.port}`, child, stop: () => child.stop() };
}
