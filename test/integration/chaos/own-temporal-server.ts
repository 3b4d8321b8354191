/**
 * A Temporal dev server of a test's own (the shared one must not be killed under other files),
 * started from the project's CLI binary on a SQLite file, so it can be SIGKILLed and restarted on
 * the same file and port with every workflow still there.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Connection } from '@temporalio/client';
import { ensureTemporalCli } from '../../../dev/ensure-temporal-cli';
import { devServerSearchAttributeArgs } from '../../../src/shared/search-attributes';

export interface OwnTemporalServer {
  address: string;
  namespace: string;
  /** The running server process. */
  process(): ChildProcess;
  /** SIGKILL: no shutdown, as a crashed host or an OOM kill would leave it. */
  kill(): Promise<void>;
  /** Starts it again on the same SQLite file and port; resolves when it answers. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

async function waitUntilAnswering(address: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`temporal server exited with code ${child.exitCode}`);
    try {
      const connection = await Connection.connect({ address, connectTimeout: 1000 });
      try {
        await connection.workflowService.getSystemInfo({});
        return;
      } finally {
        await connection.close();
      }
    } catch (err) {
      if (Date.now() > deadline)
        throw new Error(`temporal server at ${address} not answering: ${String(err)}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

const exited = (child: ChildProcess) =>
  new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });

export async function startOwnTemporalServer(): Promise<OwnTemporalServer> {
  const executable = await ensureTemporalCli();
  const dir = await mkdtemp(join(tmpdir(), 'mvl-chaos-temporal-'));
  const port = await freePort();
  const address = `127.0.0.1:${port}`;
  const namespace = 'default';
  const args = [
    'server',
    'start-dev',
    '--ip',
    '127.0.0.1',
    '--port',
    String(port),
    '--headless',
    '--namespace',
    namespace,
    '--db-filename',
    join(dir, 'db.sqlite'),
    '--log-level',
    'error',
    ...devServerSearchAttributeArgs(),
  ];
  let child: ChildProcess;
  const launch = async () => {
    child = spawn(executable, args, { stdio: ['ignore', 'ignore', 'inherit'] });
    const running = child;
    const killOnExit = () => running.kill('SIGKILL'); // never outlive the test process
    process.once('exit', killOnExit);
    running.once('exit', () => process.off('exit', killOnExit));
    await waitUntilAnswering(address, child, 60_000);
  };
  const kill = async () => {
    if (child.exitCode === null && child.signalCode === null) process.kill(child.pid!, 'SIGKILL');
    await exited(child);
  };
  await launch();
  return {
    address,
    namespace,
    process: () => child,
    kill,
    restart: launch,
    async stop() {
      await kill();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
