/**
 * Connects a test file to the run's shared Temporal server and starts a worker on a task queue of its
 * own, with the workflow bundle built once in global setup and the activities the test chooses.
 */
import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Runtime, DefaultLogger, Worker } from '@temporalio/worker';
import { inject } from 'vitest';

let runtimeInstalled = false;

/** For a file that installs the product's own Runtime (its logger, its metrics) before connecting. */
export function runtimeInstalledByTest(): void {
  runtimeInstalled = true;
}

export interface TestTemporal {
  client: Client;
  taskQueue: string;
  /** Runs `fn` while the worker polls, then shuts the worker down. */
  withWorker<T>(activities: object, fn: () => Promise<T>): Promise<T>;
  /** Starts a worker that polls until `stop()`; for files whose tests share one worker. */
  startWorker(activities: object): Promise<{ stop(): Promise<void> }>;
  close(): Promise<void>;
}

export async function connectTestTemporal(): Promise<TestTemporal> {
  if (!runtimeInstalled) {
    Runtime.install({ logger: new DefaultLogger('WARN') });
    runtimeInstalled = true;
  }
  const address = inject('temporalAddress');
  const namespace = inject('temporalNamespace');
  const connection = await Connection.connect({ address });
  const nativeConnection = await NativeConnection.connect({ address });
  const client = new Client({ connection, namespace });
  const taskQueue = `test-${randomUUID()}`;
  const createWorker = (activities: object) =>
    Worker.create({
      connection: nativeConnection,
      namespace,
      taskQueue,
      workflowBundle: { codePath: inject('workflowBundlePath') },
      activities,
    });
  return {
    client,
    taskQueue,
    async withWorker(activities, fn) {
      const worker = await createWorker(activities);
      return worker.runUntil(fn);
    },
    async startWorker(activities) {
      const worker = await createWorker(activities);
      const running = worker.run();
      return {
        async stop() {
          worker.shutdown();
          await running;
        },
      };
    },
    async close() {
      await connection.close();
      await nativeConnection.close();
    },
  };
}
