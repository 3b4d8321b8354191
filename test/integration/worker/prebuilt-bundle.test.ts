/**
 * Production workers run the workflow bundle built ahead: `npm run build:bundle` makes one that a
 * worker process serves lifecycles with, and with NODE_ENV=production a worker without a bundle
 * refuses to start, naming the command that builds it, instead of bundling at start.
 */
import { spawn, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { lifecycleWorkflowId } from '../../../src/shared/lifecycle-input';
import { LIFECYCLE_WORKFLOW_TYPE, stateQuery } from '../../../src/shared/messages';

const ROOT = join(__dirname, '../../..');
const dir = mkdtempSync(join(tmpdir(), 'mvl-bundle-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function workerProcess(env: Record<string, string>) {
  let output = '';
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'src/worker/main.ts')], {
    cwd: ROOT,
    env: {
      ...process.env,
      TEMPORAL_ADDRESS: inject('temporalAddress'),
      TEMPORAL_NAMESPACE: inject('temporalNamespace'),
      AWS_ENDPOINT_URL: 'http://127.0.0.1:9', // registration keeps retrying: enough to see the workflow run
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
      ...env,
    },
  });
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  return { child, exited, output: () => output };
}

describe('prebuilt workflow bundle', () => {
  it('in production, a worker without a bundle refuses to start and says how to build one', async () => {
    const w = workerProcess({ NODE_ENV: 'production', WORKFLOW_BUNDLE_PATH: join(dir, 'missing.js') });
    expect(await w.exited).toBe(1);
    expect(w.output()).toMatch(/missing\.js not found: build it with `npm run build:bundle`/);
  });

  it('npm run build:bundle makes a bundle a production worker serves lifecycles with', async () => {
    const bundle = join(dir, 'workflow-bundle.js');
    const built = spawnSync('npm', ['run', '--silent', 'build:bundle', '--', bundle], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    expect(built.status, built.stderr).toBe(0);
    expect(statSync(bundle).size).toBeGreaterThan(100_000);

    const taskQueue = `bundle-${randomUUID()}`;
    const w = workerProcess({
      NODE_ENV: 'production',
      WORKFLOW_BUNDLE_PATH: bundle,
      TEMPORAL_TASK_QUEUE: taskQueue,
    });
    const connection = await Connection.connect({ address: inject('temporalAddress') });
    try {
      const client = new Client({ connection, namespace: inject('temporalNamespace') });
      const key = randomUUID().slice(0, 8);
      const handle = await client.workflow.start(LIFECYCLE_WORKFLOW_TYPE, {
        taskQueue,
        workflowId: lifecycleWorkflowId('bundle-check', key),
        args: [
          {
            modelPackageGroup: 'bundle-check',
            idempotencyKey: key,
            registeredBy: 'pipeline',
            artifactUri: 's3://models/bundle-check/model.tar.gz',
            inferenceImage: '123456789012.dkr.ecr.us-east-1.amazonaws.com/m:1',
            lineage: { datasetUri: 's3://d', datasetVersion: '1', codeCommit: 'c', trainingJobName: key },
            deployment: { productionEndpointName: 'bundle-check-prod' },
          },
        ],
      });
      await expect
        .poll(async () => (await handle.query(stateQuery)).stage, { timeout: 60_000 })
        .toBe('registering');
      await handle.terminate('test done');
    } finally {
      w.child.kill('SIGKILL');
      await connection.close();
    }
  });
});
