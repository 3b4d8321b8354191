/**
 * The lifecycle worker as a real child process (`node --import tsx src/worker/main.ts`, what
 * `npm run worker` runs): the worker-process tests send it SIGTERM, the chaos tests SIGKILL it as an
 * OOM kill or a node drain would and start another. `--import tsx` keeps the worker in this one process: the pid we kill is the worker itself.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

const ROOT = join(__dirname, '../../..');

export interface WorkerProcess {
  child: ChildProcess;
  pid: number;
  /** Date.now() when the process was spawned. */
  spawnedAt: number;
  /** Resolves with Date.now() when the worker logged that it polls (workflow bundle built, connected). */
  ready: Promise<number>;
  exited: Promise<number | null>;
  output(): string;
  /** SIGKILL, then wait until the process is gone. */
  kill(): Promise<void>;
}

export function spawnWorker(env: Record<string, string>): WorkerProcess {
  let output = '';
  const spawnedAt = Date.now();
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'src/worker/main.ts')], {
    cwd: ROOT,
    env: { ...process.env, LOG_LEVEL: 'info', ...env },
  });
  if (child.pid === undefined) throw new Error('worker process did not start');
  // Never outlive the test process, even when vitest ends it after a timeout before `finally` runs.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  child.once('exit', () => process.off('exit', killOnExit));
  const exited = new Promise<number | null>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve(child.exitCode);
    else child.once('exit', (code) => resolve(code));
  });
  const ready = new Promise<number>((resolve, reject) => {
    const onData = (d: Buffer) => {
      output += d.toString();
      if (/"msg":"worker polling"/.test(output)) resolve(Date.now());
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    void exited.then((code) =>
      reject(
        new Error(`worker exited (${code ?? child.signalCode}) before polling:\n${output.slice(-2000)}`),
      ),
    );
  });
  // Nobody may await `ready` (a worker killed before it polls); its rejection is not an error then.
  ready.catch(() => undefined);
  return {
    child,
    pid: child.pid,
    spawnedAt,
    ready,
    exited,
    output: () => output,
    async kill() {
      if (child.exitCode === null && child.signalCode === null) process.kill(child.pid!, 'SIGKILL');
      await exited;
    },
  };
}
