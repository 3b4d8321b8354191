/**
 * The worker as its own process (`npm run worker`): it refuses a bad configuration with a clear
 * message, serves the lifecycle's task queue, and on SIGTERM stops polling, lets in-flight
 * activities finish within the grace time, and exits cleanly.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { ListModelPackagesCommand } from '@aws-sdk/client-sagemaker';
import { describe, expect, inject, it } from 'vitest';
import { createAwsClients } from '../../../activities';
import { startEmulator } from '../../../src/emulator/server';
import { lifecycleWorkflowId } from '../../../src/shared/lifecycle-input';
import { stateQuery } from '../../../src/shared/messages';

const ROOT = join(__dirname, '../../..');

function startWorkerProcess(env: Record<string, string>): { child: ChildProcess; output: () => string } {
  let output = '';
  const child = spawn(join(ROOT, 'node_modules/.bin/tsx'), [join(ROOT, 'src/worker/main.ts')], {
    cwd: ROOT,
    env: { ...process.env, LOG_LEVEL: 'info', ...env },
  });
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  return { child, output: () => output };
}

function lifecycleArgs(group: string, key: string) {
  return {
    modelPackageGroup: group,
    idempotencyKey: key,
    registeredBy: 'pipeline',
    artifactUri: 's3://m/model.tar.gz',
    inferenceImage: 'img:1',
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
    const { child, output } = startWorkerProcess({
      TEMPORAL_ADDRESS: inject('temporalAddress'),
      API_PORT: 'abc',
    });
    expect(await exitOf(child)).toBe(1);
    expect(output()).toMatch(/API_PORT/);
  });

  it('serves the task queue and exits cleanly on SIGTERM', async () => {
    const taskQueue = `worker-${randomUUID()}`;
    const { child, output } = startWorkerProcess({
      TEMPORAL_ADDRESS: inject('temporalAddress'),
      TEMPORAL_NAMESPACE: inject('temporalNamespace'),
      TEMPORAL_TASK_QUEUE: taskQueue,
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
        args: [
          {
            modelPackageGroup: 'worker-check',
            idempotencyKey: key,
            registeredBy: 'pipeline',
            artifactUri: 's3://m/model.tar.gz',
            inferenceImage: 'img:1',
            lineage: { datasetUri: 's3://d', datasetVersion: '1', codeCommit: 'c', trainingJobName: key },
            deployment: { productionEndpointName: 'worker-check-prod' },
          },
        ],
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

  it('on SIGTERM lets an in-flight AWS call finish before exiting', async () => {
    // The emulator holds CreateModelPackage for 4 s: SIGTERM arrives while the activity waits on it.
    const emulator = await startEmulator({ port: 0, metricPeriodSeconds: 1 });
    const hold = emulator.state.faults.add({ operation: 'CreateModelPackage', kind: 'delay', delayMs: 4000 });
    const taskQueue = `worker-${randomUUID()}`;
    const { child, output } = startWorkerProcess({
      TEMPORAL_ADDRESS: inject('temporalAddress'),
      TEMPORAL_NAMESPACE: inject('temporalNamespace'),
      TEMPORAL_TASK_QUEUE: taskQueue,
      AWS_ENDPOINT_URL: emulator.url,
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
      WORKER_SHUTDOWN_GRACE_SECONDS: '20',
    });
    const connection = await Connection.connect({ address: inject('temporalAddress') });
    try {
      const client = new Client({ connection, namespace: inject('temporalNamespace') });
      const key = randomUUID().slice(0, 8);
      const group = `grace-${key}`;
      const handle = await client.workflow.start('modelVersionLifecycle', {
        taskQueue,
        workflowId: lifecycleWorkflowId(group, key),
        args: [lifecycleArgs(group, key)],
      });
      await expect.poll(() => hold.hits, { timeout: 60_000, interval: 50 }).toBe(1);
      const signalledAt = Date.now();
      child.kill('SIGTERM');
      expect(await exitOf(child)).toBe(0);
      // It waited for the held call rather than abandoning it…
      expect(Date.now() - signalledAt).toBeGreaterThan(2500);
      expect(output()).toMatch(/worker stopped/);
      // …which completed: the package exists and the activity's result is in the history.
      process.env.AWS_ACCESS_KEY_ID ??= 'test';
      process.env.AWS_SECRET_ACCESS_KEY ??= 'test';
      const aws = createAwsClients({ region: 'us-east-1', endpoint: emulator.url });
      const listed = await aws.sagemaker.send(new ListModelPackagesCommand({ ModelPackageGroupName: group }));
      expect(listed.ModelPackageSummaryList).toHaveLength(1);
      const history = await handle.fetchHistory();
      const completed = (history.events ?? []).filter((e) => e.activityTaskCompletedEventAttributes);
      expect(completed.length).toBeGreaterThanOrEqual(1);
      await handle.terminate('test done');
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      await connection.close();
      await emulator.close();
    }
  });

  it('on SIGTERM hands back an activity that outlasts the grace time; another worker finishes it once', async () => {
    // The first CreateModelPackage is held 6 s, longer than the 1 s grace.
    const emulator = await startEmulator({ port: 0, metricPeriodSeconds: 1 });
    const hold = emulator.state.faults.add({
      operation: 'CreateModelPackage',
      kind: 'delay',
      delayMs: 6000,
      count: 1,
    });
    const taskQueue = `worker-${randomUUID()}`;
    const env = {
      TEMPORAL_ADDRESS: inject('temporalAddress'),
      TEMPORAL_NAMESPACE: inject('temporalNamespace'),
      TEMPORAL_TASK_QUEUE: taskQueue,
      AWS_ENDPOINT_URL: emulator.url,
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
      WORKER_SHUTDOWN_GRACE_SECONDS: '1',
    };
    const first = startWorkerProcess(env);
    let second: ReturnType<typeof startWorkerProcess> | undefined;
    const connection = await Connection.connect({ address: inject('temporalAddress') });
    try {
      const client = new Client({ connection, namespace: inject('temporalNamespace') });
      const key = randomUUID().slice(0, 8);
      const group = `handback-${key}`;
      const handle = await client.workflow.start('modelVersionLifecycle', {
        taskQueue,
        workflowId: lifecycleWorkflowId(group, key),
        args: [lifecycleArgs(group, key)],
      });
      await expect.poll(() => hold.hits, { timeout: 60_000, interval: 50 }).toBe(1);
      const signalledAt = Date.now();
      first.child.kill('SIGTERM');
      expect(await exitOf(first.child)).toBe(0);
      expect(Date.now() - signalledAt).toBeLessThan(5000);

      second = startWorkerProcess(env);
      await expect
        .poll(async () => (await handle.query(stateQuery)).stage, { timeout: 60_000, interval: 200 })
        .toBe('awaiting-approval');
      const state = await handle.query(stateQuery);
      // Wait for the held call to land too: the retry's ClientToken made both one package.
      await new Promise((r) => setTimeout(r, Math.max(0, signalledAt + 6500 - Date.now())));
      process.env.AWS_ACCESS_KEY_ID ??= 'test';
      process.env.AWS_SECRET_ACCESS_KEY ??= 'test';
      const aws = createAwsClients({ region: 'us-east-1', endpoint: emulator.url });
      const listed = await aws.sagemaker.send(new ListModelPackagesCommand({ ModelPackageGroupName: group }));
      expect(listed.ModelPackageSummaryList?.map((p) => p.ModelPackageArn)).toEqual([state.modelPackageArn]);
      await handle.terminate('test done');
    } finally {
      for (const w of [first, second]) if (w && w.child.exitCode === null) w.child.kill('SIGKILL');
      await connection.close();
      await emulator.close();
    }
  });
});
