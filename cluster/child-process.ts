/**
 * One supervised child of `npm run cluster`: its output to a log file (and, prefixed, to ours), a
 * stop that asks with SIGTERM and insists with SIGKILL, and no orphan when we die.
 *
 * Orphans: on Linux each child is exec'd through `setpriv --pdeathsig TERM` (util-linux), so the
 * kernel sends it SIGTERM when our process dies, even by SIGKILL; `setpriv` also drops to another
 * user (PostgreSQL refuses to run as root). setpriv execs the program, so the pid we hold is the
 * program's own. Elsewhere the child is spawned plainly and stopped by our exit handler.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { dirname } from 'node:path';

export interface ChildSpec {
  /** Short name for the log prefix and messages, e.g. `worker-1`. */
  name: string;
  command: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Everything the child writes goes here. */
  logFile: string;
  /** Also copy its output to our stderr, prefixed with the name. */
  echo?: boolean;
  /** Run as this system user (needs root). */
  user?: string;
  /** Signal that asks the child to stop; SIGTERM unless it prefers another (PostgreSQL: SIGINT = fast). */
  stopSignal?: NodeJS.Signals;
  /** How long a stop waits before SIGKILL. */
  stopTimeoutMs?: number;
}

export interface Child {
  name: string;
  pid: number;
  process: ChildProcess;
  logFile: string;
  /** Resolves with the exit code (or the signal's name) once the process is gone. */
  exited: Promise<number | string>;
  /** The output so far that matched nothing yet; for error messages. */
  tail(): string;
  /** Resolves when a line of output matches; rejects if the process exits first or on timeout. */
  waitForOutput(pattern: RegExp, timeoutMs: number): Promise<void>;
  stop(): Promise<void>;
  /** SIGKILL and wait: a crash, as an OOM kill or a node drain would do it. */
  kill(): Promise<void>;
}

let setprivAvailable: boolean | undefined;
function hasSetpriv(): boolean {
  if (process.platform !== 'linux') return false;
  setprivAvailable ??= spawnSync('setpriv', ['--help'], { stdio: 'ignore' }).status === 0;
  return setprivAvailable;
}

function launch(spec: ChildSpec): { command: string; args: string[] } {
  if (!hasSetpriv()) {
    if (spec.user) throw new Error(`${spec.name}: running as ${spec.user} needs setpriv (util-linux)`);
    return { command: spec.command, args: spec.args };
  }
  const asUser = spec.user ? ['--reuid', spec.user, '--regid', spec.user, '--init-groups'] : [];
  return { command: 'setpriv', args: [...asUser, '--pdeathsig', 'TERM', '--', spec.command, ...spec.args] };
}

const TAIL_CHARS = 8000;

export function startChild(spec: ChildSpec): Child {
  mkdirSync(dirname(spec.logFile), { recursive: true });
  const log: WriteStream = createWriteStream(spec.logFile, { flags: 'a' });
  const { command, args } = launch(spec);
  const child = spawn(command, args, {
    cwd: spec.cwd,
    env: spec.env ?? process.env,
    stdio: ['ignore', 'pipe', 'pipe'],
    // Its own process group: a Ctrl-C in the terminal reaches only us, and we stop the children in
    // order (the workers before the server their in-flight activities report to).
    detached: true,
  });
  if (child.pid === undefined) throw new Error(`${spec.name}: could not start ${spec.command}`);
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);

  let tail = '';
  let partial = '';
  const watchers: { pattern: RegExp; resolve: () => void }[] = [];
  const onData = (chunk: Buffer) => {
    const text = chunk.toString();
    log.write(text);
    tail = (tail + text).slice(-TAIL_CHARS);
    const lines = (partial + text).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) {
      if (spec.echo) process.stderr.write(`[${spec.name}] ${line}\n`);
      for (const w of [...watchers]) {
        if (w.pattern.test(line)) {
          watchers.splice(watchers.indexOf(w), 1);
          w.resolve();
        }
      }
    }
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  const exited = new Promise<number | string>((resolve) => {
    child.once('exit', (code, signal) => {
      process.off('exit', killOnExit);
      log.end();
      resolve(code ?? signal ?? 'unknown');
    });
  });
  const gone = () => child.exitCode !== null || child.signalCode !== null;

  const signalAndWait = async (signal: NodeJS.Signals, timeoutMs: number) => {
    if (gone()) return;
    child.kill(signal);
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((r) => (timer = setTimeout(() => r('timeout'), timeoutMs)));
    const result = await Promise.race([exited, timedOut]);
    clearTimeout(timer);
    if (result === 'timeout' && !gone()) {
      child.kill('SIGKILL');
      await exited;
    }
  };

  return {
    name: spec.name,
    pid: child.pid,
    process: child,
    logFile: spec.logFile,
    exited,
    tail: () => tail,
    waitForOutput(pattern, timeoutMs) {
      if (tail.split('\n').some((line) => pattern.test(line))) return Promise.resolve();
      return new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => {
          reject(
            new Error(
              `${spec.name}: no output matching ${pattern} within ${timeoutMs} ms:\n${tail.slice(-2000)}`,
            ),
          );
        }, timeoutMs);
        watchers.push({
          pattern,
          resolve: () => {
            clearTimeout(timer);
            resolve();
          },
        });
        void exited.then((code) => {
          clearTimeout(timer);
          reject(new Error(`${spec.name} exited (${code}); its last output:\n${tail.slice(-2000)}`));
        });
      });
    },
    stop: () => signalAndWait(spec.stopSignal ?? 'SIGTERM', spec.stopTimeoutMs ?? 15_000),
    kill: () => signalAndWait('SIGKILL', 10_000),
  };
}

/** Runs a command to completion (a schema tool, initdb), its output into the log; throws with the output on failure. */
export async function runToCompletion(
  spec: Omit<ChildSpec, 'stopSignal' | 'stopTimeoutMs'>,
): Promise<string> {
  const child = startChild(spec);
  const code = await child.exited;
  if (code !== 0) {
    throw new Error(
      `${spec.name} failed (${code}): ${spec.command} ${spec.args.join(' ')}\n${child.tail().slice(-3000)}`,
    );
  }
  return child.tail();
}
