/**
 * Runs `temporal server start-dev` for the embedded local stack: state in a SQLite file (a restart
 * picks up the same workflows), the lifecycle's search attributes registered, Web UI on its port.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { Connection } from '@temporalio/client';
import { devServerSearchAttributeArgs } from '../src/shared/search-attributes';
import { ensureTemporalCli } from './ensure-temporal-cli';

export interface DevServerOptions {
  dataDir: string;
  port: number;
  uiPort: number;
  namespace: string;
  ip?: string;
}

export interface RunningDevServer {
  address: string;
  uiUrl: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

async function waitUntilReachable(address: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`temporal server exited with code ${child.exitCode}`);
    try {
      const connection = await Connection.connect({ address, connectTimeout: 1000 });
      await connection.workflowService.getSystemInfo({});
      await connection.close();
      return;
    } catch (err) {
      if (Date.now() > deadline)
        throw new Error(`Temporal dev server not reachable at ${address}: ${(err as Error).message}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}

export async function startTemporalDevServer(options: DevServerOptions): Promise<RunningDevServer> {
  const executable = await ensureTemporalCli();
  await mkdir(options.dataDir, { recursive: true });
  const ip = options.ip ?? '127.0.0.1';
  const args = [
    'server',
    'start-dev',
    '--ip',
    ip,
    '--port',
    String(options.port),
    '--ui-port',
    String(options.uiPort),
    '--namespace',
    options.namespace,
    '--db-filename',
    join(options.dataDir, 'temporal.sqlite'),
    '--log-level',
    'warn',
    ...devServerSearchAttributeArgs(),
  ];
  // Its own process group: Ctrl-C in the terminal reaches only our process, which stops the worker
  // (whose in-flight activities still need the server) before it stops the server.
  const child = spawn(executable, args, { stdio: ['ignore', 'inherit', 'inherit'], detached: true });
  const killOnExit = () => child.kill('SIGTERM');
  process.once('exit', killOnExit); // never leave it behind, even when our process dies on an error
  child.once('exit', () => process.off('exit', killOnExit));
  const address = `${ip}:${options.port}`;
  await waitUntilReachable(address, child, 60_000);
  return {
    address,
    uiUrl: `http://${ip}:${options.uiPort}`,
    process: child,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
