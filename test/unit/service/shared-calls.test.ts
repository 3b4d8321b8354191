import type { Client } from '@temporalio/client';
import { describe, expect, it } from 'vitest';
import { SharedCalls } from '../../../src/api/common/shared-calls';
import { LifecycleService, type ApiSettings } from '../../../src/api/model-versions/lifecycle.service';

/** A call that stays in flight until `settle` is called, counting how often it was made. */
function heldCalls<T>() {
  const pending: { resolve: (v: T) => void; reject: (e: Error) => void }[] = [];
  return {
    made: () => pending.length,
    call: () => new Promise<T>((resolve, reject) => pending.push({ resolve, reject })),
    settle: (value: T) => pending.splice(0).forEach((p) => p.resolve(value)),
    fail: (err: Error) => pending.splice(0).forEach((p) => p.reject(err)),
  };
}

describe('SharedCalls', () => {
  it('lets identical calls in flight share one, and makes a new one once it settled', async () => {
    const shared = new SharedCalls<number>();
    const held = heldCalls<number>();
    const first = [shared.run('a', held.call), shared.run('a', held.call), shared.run('a', held.call)];
    const other = shared.run('b', held.call);
    expect(held.made()).toBe(2);
    held.settle(7);
    expect(await Promise.all([...first, other])).toEqual([7, 7, 7, 7]);

    const again = shared.run('a', held.call);
    expect(held.made()).toBe(1);
    held.settle(8);
    expect(await again).toBe(8);
  });

  it('gives every sharer the failure, and does not keep it', async () => {
    const shared = new SharedCalls<number>();
    const held = heldCalls<number>();
    const both = [shared.run('a', held.call), shared.run('a', held.call)];
    held.fail(new Error('server unavailable'));
    for (const p of both) await expect(p).rejects.toThrow('server unavailable');
    const retry = shared.run('a', held.call);
    expect(held.made()).toBe(1);
    held.settle(1);
    expect(await retry).toBe(1);
  });

  it('makes a new call after forget, for a read that must not predate a write', async () => {
    const shared = new SharedCalls<number>();
    const held = heldCalls<number>();
    const before = shared.run('a', held.call);
    shared.forget('a');
    const after = shared.run('a', held.call);
    expect(held.made()).toBe(2);
    held.settle(3);
    expect(await Promise.all([before, after])).toEqual([3, 3]);
  });
});

describe('LifecycleService lists', () => {
  const settings = { namespace: 'default' } as ApiSettings;

  it('sends identical concurrent lists to the server once, and different ones each', async () => {
    const requests: { query: string; pageSize: number }[] = [];
    const held = heldCalls<{ executions: never[]; nextPageToken: null }>();
    const client = {
      workflowService: {
        listWorkflowExecutions: (req: { query: string; pageSize: number }) => {
          requests.push(req);
          return held.call();
        },
      },
    } as unknown as Client;
    const service = new LifecycleService(client, settings);

    const same = Array.from({ length: 50 }, () =>
      service.list({ stage: 'awaiting-approval', group: 'churn', pageSize: 20 }),
    );
    const otherPageSize = service.list({ stage: 'awaiting-approval', group: 'churn', pageSize: 5 });
    const otherStage = service.list({ stage: 'canary', group: 'churn', pageSize: 20 });
    expect(requests).toHaveLength(3);
    expect(requests[0]!.query).toContain(`LifecycleStage = 'awaiting-approval'`);
    expect(requests[2]!.query).toContain(`LifecycleStage = 'canary'`);

    held.settle({ executions: [], nextPageToken: null });
    for (const r of await Promise.all([...same, otherPageSize, otherStage])) expect(r.items).toEqual([]);

    // Settled: the next list asks the server again (nothing is cached).
    void service.list({ stage: 'awaiting-approval', group: 'churn', pageSize: 20 });
    expect(requests).toHaveLength(4);
    held.settle({ executions: [], nextPageToken: null });
  });
});
