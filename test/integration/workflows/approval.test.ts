/** The approval gate on the real Temporal server: every way a version is approved, refused or expires. */
import { WorkflowExecutionAlreadyStartedError, WorkflowUpdateFailedError } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { approveSignal, rejectSignal, rollbackSignal } from '../../../src/shared/messages';
import {
  command,
  lifecycleRequest,
  startHarness,
  startLifecycle,
  stateOf,
  waitForStage,
  type Harness,
} from './lifecycle-harness';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => h?.stop());

describe.concurrent('approval gate', () => {
  it('a manual approval lets the version through, recorded with who and why', async () => {
    const req = lifecycleRequest();
    const handle = await startLifecycle(h, req);
    const waiting = await waitForStage(handle, 'awaiting-approval');
    expect(waiting.approval?.comparison).toEqual({ candidate: { auc: 0.91 }, production: null });
    await handle.signal(approveSignal, { by: 'alice', reason: 'auc up' });
    const final = await handle.result();
    expect(final.stage).toBe('promoted');
    expect(final.approval?.decision).toMatchObject({ status: 'Approved', by: 'alice' });
    expect(h.fake.packages.get(final.modelPackageArn!)?.status).toBe('Approved');
    expect(final.transitions.map((t) => t.stage).slice(0, 3)).toEqual([
      'registering',
      'awaiting-approval',
      'deploying-staging',
    ]);
  });

  it('a rejection ends the lifecycle and marks the package Rejected with the reason', async () => {
    const handle = await startLifecycle(h, lifecycleRequest());
    await waitForStage(handle, 'awaiting-approval');
    await handle.signal(rejectSignal, { by: 'alice', reason: 'recall too low' });
    const final = await handle.result();
    expect(final.stage).toBe('rejected');
    const pkg = h.fake.packages.get(final.modelPackageArn!)!;
    expect(pkg).toMatchObject({ status: 'Rejected', description: 'recall too low' });
    expect(h.fake.notifications.find((n) => n.workflowId === final.workflowId)?.kind).toBe('rejected');
  });

  it('refuses and records the registrant approving their own version', async () => {
    const req = lifecycleRequest();
    const handle = await startLifecycle(h, req);
    await waitForStage(handle, 'awaiting-approval');
    const result = await command(handle, 'approve', req.registeredBy);
    expect(result).toMatchObject({
      accepted: false,
      refusal: 'the registrant may not approve their own version',
    });
    const state = await stateOf(handle);
    expect(state.stage).toBe('awaiting-approval');
    expect(state.commands).toMatchObject([{ action: 'approve', by: req.registeredBy, accepted: false }]);
    await handle.signal(rejectSignal, { by: 'alice' });
    await handle.result();
  });

  it('expires the version when no decision arrives before the deadline', async () => {
    const handle = await startLifecycle(h, lifecycleRequest({ approval: { deadlineSeconds: 2 } }));
    const final = await handle.result();
    expect(final.stage).toBe('expired');
    expect(h.fake.packages.get(final.modelPackageArn!)?.status).toBe('Rejected');
    expect(final.outcome).toMatch(/no decision within 2 s/);
  });

  it('approves automatically when every threshold holds, with the numbers', async () => {
    const req = lifecycleRequest({
      metrics: { auc: 0.91, loss: 0.2 },
      approval: {
        mode: 'automatic',
        thresholds: [
          { metric: 'auc', op: '>=', value: 0.9 },
          { metric: 'loss', op: '<=', value: 0.3 },
        ],
      },
    });
    const final = await (await startLifecycle(h, req)).result();
    expect(final.stage).toBe('promoted');
    expect(final.approval?.decision).toMatchObject({ status: 'Approved', by: 'policy:automatic' });
    expect(final.approval?.decision?.reason).toContain('auc 0.91 meets >= 0.9');
  });

  it('rejects automatically when a threshold fails, with the numbers', async () => {
    const req = lifecycleRequest({
      metrics: { auc: 0.85 },
      approval: { mode: 'automatic', thresholds: [{ metric: 'auc', op: '>=', value: 0.9 }] },
    });
    const final = await (await startLifecycle(h, req)).result();
    expect(final.stage).toBe('rejected');
    expect(h.fake.packages.get(final.modelPackageArn!)?.description).toBe(
      'thresholds failed: auc 0.85 fails >= 0.9',
    );
  });

  it('needs a quorum of distinct approvers; the same approver twice counts once', async () => {
    const handle = await startLifecycle(h, lifecycleRequest({ approval: { mode: 'quorum', quorum: 2 } }));
    await waitForStage(handle, 'awaiting-approval');
    await command(handle, 'approve', 'alice');
    await command(handle, 'approve', 'alice');
    expect((await stateOf(handle)).stage).toBe('awaiting-approval');
    await command(handle, 'approve', 'bob');
    const final = await handle.result();
    expect(final.approval?.approvals.map((a) => a.by)).toEqual(['alice', 'bob']);
    expect(final.stage).toBe('promoted');
  });

  it('the update refuses a command that does not fit the stage; a signal is recorded as refused', async () => {
    const handle = await startLifecycle(h, lifecycleRequest());
    await waitForStage(handle, 'awaiting-approval');
    await expect(command(handle, 'rollback', 'oscar')).rejects.toBeInstanceOf(WorkflowUpdateFailedError);
    await handle.signal(rollbackSignal, { by: 'oscar' });
    await expect
      .poll(async () => (await stateOf(handle)).commands)
      .toMatchObject([
        {
          action: 'rollback',
          by: 'oscar',
          accepted: false,
          refusal: 'nothing to rollback: the version is awaiting-approval',
        },
      ]);
    await handle.signal(rejectSignal, { by: 'alice' });
    await handle.result();
  });

  it('a retried start with the same key finds the running version instead of making a second', async () => {
    const req = lifecycleRequest();
    const handle = await startLifecycle(h, req);
    await expect(startLifecycle(h, req)).rejects.toBeInstanceOf(WorkflowExecutionAlreadyStartedError);
    await waitForStage(handle, 'awaiting-approval');
    expect([...h.fake.packages.values()].filter((p) => p.group === req.modelPackageGroup)).toHaveLength(1);
    await handle.signal(rejectSignal, { by: 'alice' });
    await handle.result();
  });

  it('fails at once, naming the field, on invalid input', async () => {
    const req = { ...lifecycleRequest(), artifactUri: 'http://not-s3' };
    const run = h.temporal.client.workflow.execute('modelVersionLifecycle', {
      taskQueue: h.temporal.taskQueue,
      workflowId: `invalid-${req.idempotencyKey}`,
      args: [req],
    });
    const err = (await run.catch((e: unknown) => e)) as Error & { cause?: Error };
    expect(err.cause?.message).toMatch(/artifactUri: must be an s3/);
  });
});
