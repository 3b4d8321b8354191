/**
 * The worker as its own process (`npm run worker`): it refuses a bad configuration with a clear
 * message, serves the lifecycle's task queue, and on SIGTERM stops polling and exits cleanly.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { describe, expect, inject, it } from 'vitest';
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
});
