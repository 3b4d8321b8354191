/**
 * The worker as its own process (`npm run worker`): it refuses a bad configuration with a clear
 * message, serves the lifecycle's task queue, and on SIGTERM stops polling, lets in-flight
 * activities finish within the grace time, and exits cleanly.
 */
import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { ListModelPackagesCommand } from '@aws-sdk/client-sagemaker';
import { afterEach, beforeEach, describe, expect, inject, it } from 'vitest';
import { createAwsClients, type AwsClients } from '../../../activities';
import { startEmulator, type Emulator } from '@model-version-lifecycle/sagemaker-emulator';
import { lifecycleWorkflowId } from '../../../src/shared/lifecycle-input';
import { stateQuery } from '../../../src/shared/messages';
import { spawnWorker } from './worker-process';

function lifecycleArgs(group: string, key: string) {
  return {
    modelPackageGroup: group,
    idempotencyKey: key,
    registeredBy: 'pipeline',
    artifactUri: 's3://models/model.tar.gz',
    inferenceImage: '123456789012.dkr.ecr.us-east-1.amazonaws.com/churn:1',
    lineage: { datasetUri: 's3://d', datasetVersion: '1', codeCommit: 'c', trainingJobName: key },
    deployment: { productionEndpointName: `${group}-prod` },
  };
}

const exitOf = (child: ChildProcess) =>
  new Promise<number | null>((resolve) => {
    if (child.exitCode !== null) resolve(child.exitCode);
    else child.once('exit', (code) => resolve(code));
  });

describe('worker process', () => {
  it('refuses an invalid configuration, naming the variable', async () => {
    const { child, output } = spawnWorker({
      TEMPORAL_ADDRESS: inject('temporalAddress'),
      API_PORT: 'abc',
    });
    expect(await exitOf(child)).toBe(1);
    expect(output()).toMatch(/API_PORT/);
  });

  it('serves the task queue and exits cleanly on SIGTERM', async () => {
    const taskQueue = `worker-${randomUUID()}`;
    const { child, output } = spawnWorker({
      TEMPORAL_ADDRESS: inject('temporalAddress'),
      TEMPORAL_NAMESPACE: inject('temporalNamespace'),
      TEMPORAL_TASK_QUEUE: taskQueue,
      TEMPORAL_DEPLOYMENT_NAME: `mvl-${taskQueue}`, // a fresh deployment: this worker makes its build current
      // Nothing listens here: the registration activity keeps retrying, which is all this test needs.
      AWS_ENDPOINT_URL: 'http://127.0.0.1:9',
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
    });
    const connection = await Connection.connect({ address: inject('temporalAddress') });
    try {
      const client = new Client({ connection, namespace: inject('temporalNamespace') });
      const key = randomUUID().slice(0, 8);
      const handle = await client.workflow.start('modelVersionLifecycle', {
        taskQueue,
        workflowId: lifecycleWorkflowId('worker-check', key),
        args: [lifecycleArgs('worker-check', key)],
      });
      // Answered only by a worker on this task queue: the process's own.
      await expect
        .poll(async () => (await handle.query(stateQuery)).stage, { timeout: 60_000 })
        .toBe('registering');
      child.kill('SIGTERM');
      expect(await exitOf(child)).toBe(0);
      expect(output()).toMatch(/worker stopped/);
      await handle.terminate('test done');
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      await connection.close();
    }
  });
});

/** SIGTERM while the emulator holds the registration's CreateModelPackage call. */
describe('worker process shutdown with an AWS call in flight', () => {
  let emulator: Emulator;
  let connection: Connection;
  let client: Client;
  let aws: AwsClients;
  const workers: ReturnType<typeof spawnWorker>[] = [];

  beforeEach(async () => {
    emulator = await startEmulator({ port: 0, metricPeriodSeconds: 1 });
    connection = await Connection.connect({ address: inject('temporalAddress') });
    client = new Client({ connection, namespace: inject('temporalNamespace') });
    process.env.AWS_ACCESS_KEY_ID ??= 'test';
    process.env.AWS_SECRET_ACCESS_KEY ??= 'test';
    aws = createAwsClients({ region: 'us-east-1', endpoint: emulator.url });
  });
  afterEach(async () => {
    for (const w of workers.splice(0)) if (w.child.exitCode === null) w.child.kill('SIGKILL');
    await connection.close();
    await emulator.close();
  });

  function worker(taskQueue: string, graceSeconds: number) {
    const w = spawnWorker({
      TEMPORAL_ADDRESS: inject('temporalAddress'),
      TEMPORAL_NAMESPACE: inject('temporalNamespace'),
      TEMPORAL_TASK_QUEUE: taskQueue,
      TEMPORAL_DEPLOYMENT_NAME: `mvl-${taskQueue}`, // a fresh deployment: this worker makes its build current
      AWS_ENDPOINT_URL: emulator.url,
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
      WORKER_SHUTDOWN_GRACE_SECONDS: String(graceSeconds),
    });
    workers.push(w);
    return w;
  }

  /** Starts a lifecycle and resolves once its CreateModelPackage call is being held. */
  async function startHeld(taskQueue: string, holdMs: number) {
    const hold = emulator.state.faults.add({
      operation: 'CreateModelPackage',
      kind: 'delay',
      delayMs: holdMs,
      count: 1,
    });
    const key = randomUUID().slice(0, 8);
    const group = `held-${key}`;
    const handle = await client.workflow.start('modelVersionLifecycle', {
      taskQueue,
      workflowId: lifecycleWorkflowId(group, key),
      args: [lifecycleArgs(group, key)],
    });
    await expect.poll(() => hold.hits, { timeout: 60_000, interval: 50 }).toBe(1);
    const packages = async () =>
      (await aws.sagemaker.send(new ListModelPackagesCommand({ ModelPackageGroupName: group })))
        .ModelPackageSummaryList;
    return { handle, packages };
  }

  it('lets the call finish within the grace time, then exits', async () => {
    const taskQueue = `worker-${randomUUID()}`;
    const w = worker(taskQueue, 20);
    const { handle, packages } = await startHeld(taskQueue, 4000);
    const signalledAt = Date.now();
    w.child.kill('SIGTERM');
    expect(await exitOf(w.child)).toBe(0);
    // It waited for the held call rather than abandoning it…
    expect(Date.now() - signalledAt).toBeGreaterThan(2500);
    expect(w.output()).toMatch(/worker stopped/);
    // …which completed: the package exists and the activity's result is in the history.
    expect(await packages()).toHaveLength(1);
    const history = await handle.fetchHistory();
    expect((history.events ?? []).some((e) => e.activityTaskCompletedEventAttributes)).toBe(true);
    await handle.terminate('test done');
  });

  it('hands back a call that outlasts the grace time; another worker finishes it, once', async () => {
    const taskQueue = `worker-${randomUUID()}`;
    const first = worker(taskQueue, 1);
    const { handle, packages } = await startHeld(taskQueue, 6000);
    const signalledAt = Date.now();
    first.child.kill('SIGTERM');
    expect(await exitOf(first.child)).toBe(0);
    expect(Date.now() - signalledAt).toBeLessThan(5000);

    worker(taskQueue, 1);
    await expect
      .poll(async () => (await handle.query(stateQuery)).stage, { timeout: 60_000, interval: 200 })
      .toBe('awaiting-approval');
    const state = await handle.query(stateQuery);
    // Let the abandoned call land too: the retry's ClientToken made both one package.
    await new Promise((r) => setTimeout(r, Math.max(0, signalledAt + 6500 - Date.now())));
    expect((await packages())?.map((p) => p.ModelPackageArn)).toEqual([state.modelPackageArn]);
    await handle.terminate('test done');
  });
});
