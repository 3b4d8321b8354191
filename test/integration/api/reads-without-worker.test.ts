/**
 * GET /model-versions/:id while no worker runs (a deploy, a crash): the real app over HTTP on the
 * shared Temporal server, with the worker started and stopped by the test. Before this, the answer
 * was a 500 "no poller seen for task queue recently". A run that has written its memo is answered
 * from it (reads-from-memo.test.ts has the details); one that has not falls back to the query and
 * then to the server's view.
 */
import { randomUUID } from 'node:crypto';
import { TypedSearchAttributes } from '@temporalio/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LIFECYCLE_WORKFLOW_TYPE } from '../../../src/shared/messages';
import { LifecycleStageKey, ModelPackageGroupKey } from '../../../src/shared/search-attributes';
import { callApi, startApiWithoutWorker, type Persona } from './api-harness';
import { newGroup, startBody } from './requests';
import type { TestTemporal } from '../../helpers/temporal';
import { createFakeSageMaker } from '../../helpers/fake-sagemaker';

/** Short, so a worker that has just died costs the test seconds; production's default is 5 s. */
const QUERY_TIMEOUT_MS = 1500;

let temporal: TestTemporal;
let baseUrl: string;
let stopApi: (() => Promise<void>) | undefined;

beforeAll(async () => {
  ({ temporal, baseUrl, stop: stopApi } = await startApiWithoutWorker(QUERY_TIMEOUT_MS));
});
afterAll(async () => stopApi?.());

const call = (method: string, path: string, as: Persona, body?: unknown) =>
  callApi(baseUrl, method, path, as, body);

const startWorker = () =>
  temporal.startWorker(
    createFakeSageMaker({ temporal: { client: temporal.client, taskQueue: temporal.taskQueue } }).activities,
  );

async function stageWithWorker(id: string, stage: string) {
  await expect
    .poll(async () => (await call('GET', `/model-versions/${id}`, 'viewer')).body.stage, { timeout: 30_000 })
    .toBe(stage);
}

describe('GET /model-versions/:id with no worker', () => {
  it('answers from the server, stale, for a lifecycle no worker has ever picked up', async () => {
    // A task queue of its own that nothing polls: the server answers the query "no poller seen".
    const group = newGroup();
    const body = startBody(group);
    const id = `mv-${group}-${body.idempotencyKey}`;
    await temporal.client.workflow.start(LIFECYCLE_WORKFLOW_TYPE, {
      workflowId: id,
      taskQueue: `nobody-${randomUUID()}`,
      args: [{ ...body, registeredBy: 'pipeline@test' }],
      typedSearchAttributes: new TypedSearchAttributes([
        { key: ModelPackageGroupKey, value: group },
        { key: LifecycleStageKey, value: 'registering' },
      ]),
      memo: { registeredBy: 'pipeline@test' },
    });
    try {
      const res = await call('GET', `/model-versions/${id}`, 'viewer');
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({
        workflowId: id,
        status: 'RUNNING',
        stage: 'registering',
        modelPackageGroup: group,
        registeredBy: 'pipeline@test',
        stale: true,
      });
      expect(res.body.staleReason).toMatch(/^no worker (is polling|answered)/);
    } finally {
      await temporal.client.workflow.getHandle(id).terminate('test done');
    }
  });

  it('answers from the memo at the stage the worker left, once that worker has stopped, without waiting', async () => {
    const worker = await startWorker();
    const started = await call('POST', '/model-versions', 'pipeline', startBody());
    expect(started.status).toBe(201);
    const id = started.body.id as string;
    await stageWithWorker(id, 'awaiting-approval');
    await worker.stop();

    const t0 = Date.now();
    const res = await call('GET', `/model-versions/${id}`, 'viewer');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      source: 'memo',
      stage: 'awaiting-approval',
      modelVersion: 1,
      status: 'RUNNING',
      registeredBy: 'pipeline@test',
    });
    expect(res.body.stale).toBeUndefined();
    // No query was asked: a query would wait for the worker that polled a moment ago until its timeout.
    expect(Date.now() - t0).toBeLessThan(QUERY_TIMEOUT_MS);

    // The full view asks the query: that one waits, then answers from the server, stale.
    const full = await call('GET', `/model-versions/${id}?view=full`, 'viewer');
    expect(full.body).toMatchObject({ source: 'server', stage: 'awaiting-approval', stale: true });

    // A worker again: the full state, not stale, and the lifecycle goes on.
    const again = await startWorker();
    try {
      await stageWithWorker(id, 'awaiting-approval');
      const full = await call('GET', `/model-versions/${id}`, 'viewer');
      expect(full.body.stale).toBeUndefined();
      expect(full.body.transitions).toEqual(
        expect.arrayContaining([expect.objectContaining({ stage: 'awaiting-approval' })]),
      );
    } finally {
      await temporal.client.workflow.getHandle(id).terminate('test done');
      await again.stop();
    }
  });

  it("answers a finished lifecycle's final state in full, from its result", async () => {
    const worker = await startWorker();
    const started = await call('POST', '/model-versions', 'pipeline', startBody());
    const id = started.body.id as string;
    await stageWithWorker(id, 'awaiting-approval');
    expect(
      (await call('POST', `/model-versions/${id}/reject`, 'approver', { reason: 'auc too low' })).status,
    ).toBe(200);
    await temporal.client.workflow.getHandle(id).result();
    await worker.stop();

    const res = await call('GET', `/model-versions/${id}`, 'viewer');
    expect(res.status).toBe(200);
    expect(res.body.stale).toBeUndefined();
    expect(res.body).toMatchObject({ stage: 'rejected', registeredBy: 'pipeline@test' });
    expect((res.body.transitions as { stage: string }[]).map((t) => t.stage)).toEqual([
      'registering',
      'awaiting-approval',
      'rejected',
    ]);
  });
});
