/** Foundation check: a lifecycle starts on the real server, answers its state query and takes a signal. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LifecycleActivities } from '../../src/shared/activity-contracts';
import { lifecycleWorkflowId, type LifecycleRequest } from '../../src/shared/lifecycle-input';
import { approveSignal, stateQuery } from '../../src/shared/messages';
import type { modelVersionLifecycle } from '../../workflows';
import { connectTestTemporal, type TestTemporal } from '../helpers/temporal';

let temporal: TestTemporal;
beforeAll(async () => {
  temporal = await connectTestTemporal();
});
afterAll(async () => temporal?.close());

const request: LifecycleRequest = {
  modelPackageGroup: 'churn',
  idempotencyKey: 'train-2026-11-22',
  registeredBy: 'pipeline@ml',
  artifactUri: 's3://models/churn/model.tar.gz',
  inferenceImage: '123.dkr.ecr.us-east-1.amazonaws.com/sklearn:1',
  metrics: { auc: 0.91 },
  lineage: {
    datasetUri: 's3://data/churn',
    datasetVersion: '7',
    codeCommit: 'abc123',
    trainingJobName: 'train-7',
  },
  deployment: { productionEndpointName: 'churn-prod' },
};

describe('lifecycle skeleton on the real Temporal server', () => {
  it('registers, waits for approval, and records the approver', async () => {
    const registered: string[] = [];
    const activities: Partial<LifecycleActivities> = {
      async registerModelVersion(input) {
        registered.push(input.workflowId);
        return { modelPackageArn: 'arn:aws:sagemaker:us-east-1:1:model-package/churn/1', modelVersion: 1 };
      },
    };
    const workflowId = lifecycleWorkflowId(
      request.modelPackageGroup,
      `${request.idempotencyKey}-${Date.now()}`,
    );
    await temporal.withWorker(activities, async () => {
      const handle = await temporal.client.workflow.start<typeof modelVersionLifecycle>(
        'modelVersionLifecycle',
        {
          taskQueue: temporal.taskQueue,
          workflowId,
          args: [request],
        },
      );
      await expect
        .poll(async () => (await handle.query(stateQuery)).stage, { timeout: 20_000 })
        .toBe('awaiting-approval');
      expect((await handle.query(stateQuery)).modelVersion).toBe(1);
      await handle.signal(approveSignal, { by: 'alice' });
      const final = await handle.result();
      expect(final.transitions.map((t) => t.stage)).toEqual([
        'registering',
        'awaiting-approval',
        'deploying-staging',
      ]);
      expect(final.transitions.at(-1)?.actor).toBe('alice');
    });
    expect(registered).toEqual([workflowId]);
  });

  it('fails at once, naming the field, on invalid input', async () => {
    await temporal.withWorker({}, async () => {
      const bad = { ...request, artifactUri: 'http://not-s3' };
      const run = temporal.client.workflow.execute<typeof modelVersionLifecycle>('modelVersionLifecycle', {
        taskQueue: temporal.taskQueue,
        workflowId: `invalid-${Date.now()}`,
        args: [bad],
      });
      await expect(run).rejects.toThrow(/workflow execution failed/i);
      await run.catch((err: Error & { cause?: Error }) =>
        expect(err.cause?.message).toMatch(/artifactUri: must be an s3/),
      );
    });
  });
});
