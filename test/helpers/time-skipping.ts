/**
 * A time-skipping Temporal environment for one test file: Temporal's Java test server (installed by
 * dev/ensure-temporal-test-server.ts) with a worker on the run's workflow bundle. Awaiting a workflow's
 * `result()` lets the server jump over timers, so a 7-day deadline passes in well under a second.
 *
 * Time is global to the server: the tests of a file that uses it must run one after another.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createServer, Socket } from 'node:net';
import { Context } from '@temporalio/activity';
import { ActivityCancelledError, type Client } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time';
import { temporal } from '@temporalio/proto';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import { inject } from 'vitest';
import { LIFECYCLE_SEARCH_ATTRIBUTES } from '../../src/shared/search-attributes';

/** A JVM with a 30 MB classpath takes 2-15 s to listen on two busy cores; generous, it is polled. */
const SERVER_READY_TIMEOUT_MS = 90_000;

const INDEXED_VALUE_TYPE = {
  KEYWORD: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
  INT: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_INT,
} as const;

export interface TimeSkippingTemporal {
  env: TestWorkflowEnvironment;
  client: Client;
  taskQueue: string;
  /** Starts a worker that polls until `stop()`. */
  startWorker(activities: object): Promise<{ stop(): Promise<void> }>;
  close(): Promise<void>;
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

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket();
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.once('error', () => done(false));
    socket.connect(port, '127.0.0.1', () => done(true));
  });
}

/** Starts the server process and waits until it listens; fails with its output when it exits or never does. */
async function startServer(launcher: string, port: number): Promise<ChildProcess> {
  const child = spawn(launcher, [String(port)], { stdio: ['ignore', 'ignore', 'pipe'] });
  let output = '';
  child.stderr.on('data', (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-4000);
  });
  let exited: string | undefined;
  child.once('exit', (code, signal) => (exited = `exited with ${code ?? signal}`));
  child.once('error', (err) => (exited = `could not start: ${err.message}`));
  const deadline = Date.now() + SERVER_READY_TIMEOUT_MS;
  while (!(await accepts(port))) {
    if (exited || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(
        `time-skipping test server ${launcher} ${port} ${exited ?? `did not listen within ${SERVER_READY_TIMEOUT_MS} ms`}\n${output}`,
      );
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return child;
}

export async function startTimeSkippingTemporal(): Promise<TimeSkippingTemporal> {
  try {
    Runtime.install({ logger: new DefaultLogger('WARN') });
  } catch {
    // already installed by an earlier helper in this process
  }
  const launcher = inject('timeSkippingServerPath');
  const port = await freePort();
  const server = await startServer(launcher, port);
  let env: TestWorkflowEnvironment;
  try {
    // The SDK attaches to the server started above: its own spawn would allow the JVM only 5 s.
    env = await TestWorkflowEnvironment.createTimeSkipping({
      server: {
        executable: { type: 'existing-path', path: launcher },
        port,
        extraArgs: ['--already-running'],
      },
    });
    await env.connection.operatorService.addSearchAttributes({
      namespace: env.namespace ?? 'default',
      searchAttributes: Object.fromEntries(
        LIFECYCLE_SEARCH_ATTRIBUTES.map((k) => [k.name, INDEXED_VALUE_TYPE[k.type]]),
      ),
    });
  } catch (err) {
    server.kill('SIGKILL');
    throw err;
  }
  const taskQueue = `time-skipping-${randomUUID()}`;
  return {
    env,
    client: env.client,
    taskQueue,
    async startWorker(activities) {
      const worker = await Worker.create({
        connection: env.nativeConnection,
        namespace: env.namespace ?? 'default',
        taskQueue,
        workflowBundle: { codePath: inject('workflowBundlePath') },
        activities,
      });
      const running = worker.run();
      return {
        async stop() {
          worker.shutdown();
          await running;
        },
      };
    },
    async close() {
      await env.teardown();
      const gone = new Promise((r) => server.once('exit', r));
      server.kill('SIGTERM');
      await gone;
    },
  };
}

/**
 * Server time one sleep of `sleepServerTimeUntil` lets pass: well inside the shortest heartbeat
 * timeout of an activity that sleeps this way (watchHealth's 25 s), with a heartbeat before each.
 */
export const SERVER_SLEEP_CHUNK_MS = 10_000;

/**
 * Inside an activity on the time-skipping server: returns once the server's clock reads `untilMs`,
 * heartbeating (with `details`) before every sleep of at most SERVER_SLEEP_CHUNK_MS. Throws the
 * activity's CancelledFailure when the heartbeat reports a cancellation.
 *
 * The lock accounting it relies on (Java test server 1.38, io.temporal.internal.testservice):
 * - A scheduled activity holds one time-skipping lock until it completes, fails, is cancelled or
 *   times out (TestWorkflowMutableStateImpl: `ctx.lockTimer("processScheduleActivityTask")`, and
 *   `unlockTimer` in completeActivityTask, failActivityTask, cancelActivityTask, timeoutActivity).
 *   While it runs the clock moves at wall-clock speed and jumps to no timer, its heartbeat timeout
 *   included; so a bake's server time must be let pass explicitly.
 * - `unlockTimeSkippingWithSleep(d)` (TestService.unlockTimeSkippingWhileSleep) schedules a timer at
 *   now + d, releases one lock, and answers when that timer has fired, whose callback takes one lock
 *   again. It lends the activity's own lock to the clock for d and is balanced by itself: this takes
 *   no lock of its own, so there is none to release. With no other lock held (the test awaits
 *   `result()`, whose client releases the test's lock meanwhile), the clock jumps from timer to timer
 *   in order (other workflows' timers run on the way) up to the sleep's; while something else holds a
 *   lock (the test not awaiting, a workflow task in flight) it moves at wall-clock speed instead.
 * - A sleep is never abandoned half-way: returning from the activity while one is in flight would
 *   release the activity's lock while it is lent, which unbalances the count. A cancellation is
 *   noticed at the heartbeat between two sleeps. The activity must end (as cancelled) before its
 *   workflow closes: once a workflow is closed, every update to it fails with NOT_FOUND "Completed
 *   workflow" (TestWorkflowMutableStateImpl.update) before cancelActivityTask or timeoutActivity
 *   reach their unlockTimer, so the lock of an activity that outlives its workflow is never released.
 * - The heartbeat is the RecordActivityTaskHeartbeat call itself, awaited, not `Context.heartbeat()`:
 *   the worker throttles those to 80 % of the heartbeat timeout of wall-clock time, and the server
 *   must have recorded it before the clock jumps, or the jump lands past the heartbeat timeout.
 */
export async function sleepServerTimeUntil(
  t: TimeSkippingTemporal,
  untilMs: number,
  details?: unknown,
): Promise<void> {
  const ctx = Context.current();
  for (let now = await t.env.currentTimeMs(); now < untilMs; now = await t.env.currentTimeMs()) {
    try {
      await t.client.activity.heartbeat(ctx.info.taskToken, details);
    } catch (err) {
      if (!(err instanceof ActivityCancelledError)) throw err;
      // The worker learns of it from its own heartbeat, so the activity ends as cancelled, not failed.
      ctx.heartbeat(details);
      await ctx.cancelled;
    }
    await t.env.connection.testService!.unlockTimeSkippingWithSleep({
      duration: msToTs(Math.min(untilMs - now, SERVER_SLEEP_CHUNK_MS)),
    });
  }
}
