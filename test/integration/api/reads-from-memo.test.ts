/**
 * GET /model-versions/:id from the read model the workflow keeps in its memo: the real app over HTTP
 * on the shared Temporal server, one fake SageMaker for the file, the worker started and stopped by
 * the test. The point: with no worker at all the answer is the full state at the current stage (not
 * a search attribute from before the last transition), and `stale` says when the server holds events
 * the memo does not show yet.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LifecycleState } from '../../../src/shared/lifecycle-state';
import { commandSignals } from '../../../src/shared/messages';
import { callApi, startApiWithoutWorker, type Persona } from './api-harness';
import { newGroup, startBody } from './requests';
import type { TestTemporal } from '../../helpers/temporal';
import { createFakeSageMaker, type FakeSageMaker } from '../../helpers/fake-sagemaker';

/** Long enough that a read which asked the query with no worker would plainly take it. */
const QUERY_TIMEOUT_MS = 4000;

let temporal: TestTemporal;
let fake: FakeSageMaker;
let baseUrl: string;
let stopApi: (() => Promise<void>) | undefined;

beforeAll(async () => {
  ({ temporal, baseUrl, stop: stopApi } = await startApiWithoutWorker(QUERY_TIMEOUT_MS));
  fake = createFakeSageMaker({ temporal: { client: temporal.client, taskQueue: temporal.taskQueue } });
});
afterAll(async () => stopApi?.());

type Read = LifecycleState & {
  source?: string;
  status?: string;
  stale?: boolean;
  staleReason?: string;
  omitted?: Record<string, number>;
};

const call = <T = Read>(method: string, path: string, as: Persona, body?: unknown) =>
  callApi<T>(baseUrl, method, path, as, body);

const read = (id: string, query = '') => call('GET', `/model-versions/${id}${query}`, 'viewer');

async function until(id: string, what: string, ok: (s: Read) => boolean): Promise<Read> {
  let last: Read | undefined;
  await expect
    .poll(
      async () => {
        last = (await read(id)).body;
        return ok(last);
      },
      {
        timeout: 60_000,
        interval: 250,
        message: `${what}; last read: ${JSON.stringify(last)?.slice(0, 400)}`,
      },
    )
    .toBe(true);
  return last!;
}

describe('GET /model-versions/:id from the memo', () => {
  it('answers the current stage and full state with no worker running, and says when events wait for one', async () => {
    const group = newGroup();
    const body = startBody(group);
    const endpoint = body.deployment.productionEndpointName;
    fake.seedProduction(endpoint, group);
    // Step 1 (10 %) healthy, then step 2 (50 %) bakes until the worker goes away.
    fake.scriptVerdicts(endpoint, ['healthy', 'hold']);
    let worker: { stop(): Promise<void> } | undefined = await temporal.startWorker(fake.activities);
    const started = await call<{ id: string }>('POST', '/model-versions', 'pipeline', body);
    expect(started.status).toBe(201);
    const id = started.body.id;
    try {
      await until(id, 'awaiting approval', (s) => s.stage === 'awaiting-approval');
      expect(
        (await call('POST', `/model-versions/${id}/approve`, 'approver', { comment: 'ok' })).status,
      ).toBe(200);
      await until(id, 'baking step 2', (s) => s.stage === 'canary' && s.canary?.stepIndex === 1);

      await worker.stop();
      worker = undefined;
      const t0 = Date.now();
      const res = await read(id);
      const took = Date.now() - t0;
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({
        source: 'memo',
        status: 'RUNNING',
        stage: 'canary',
        modelVersion: 2,
        registeredBy: 'pipeline@test',
        canary: { stepIndex: 1, canaryWeight: 50, endpointName: endpoint },
        approval: { approvals: [{ by: 'alice@test', comment: 'ok' }] },
      });
      expect(res.body.stale).toBeUndefined();
      // The stage is the last transition's, and the verdict of step 1 is there: the state, not a search attribute.
      expect(res.body.transitions.at(-1)?.stage).toBe('canary');
      expect(res.body.transitions.map((t) => t.stage)).toEqual(
        expect.arrayContaining([
          'registering',
          'awaiting-approval',
          'deploying-staging',
          'validating',
          'deploying-canary',
        ]),
      );
      expect(res.body.verdicts).toHaveLength(1);
      expect(res.body.verdicts[0]).toMatchObject({ status: 'healthy', canaryWeight: 10 });
      expect(res.body.commands).toEqual([expect.objectContaining({ action: 'approve', accepted: true })]);
      expect(res.body.validation?.passed).toBe(true);
      // It did not wait for a query nobody answers.
      expect(took).toBeLessThan(QUERY_TIMEOUT_MS);

      // The list reads the same memo: registrant and approvals with no per-item read.
      const list = await call<{ items: Record<string, unknown>[] }>(
        'GET',
        `/model-versions?group=${group}`,
        'viewer',
      );
      expect(list.body.items).toEqual([
        expect.objectContaining({
          id,
          stage: 'canary',
          registeredBy: 'pipeline@test',
          approval: expect.objectContaining({ approvals: [expect.objectContaining({ by: 'alice@test' })] }),
        }),
      ]);
      expect(list.body.items[0]!.approval).not.toHaveProperty('comparison');

      // `view=full` asks the query, which no worker answers: the server's own view after the timeout.
      const full = await read(id, '?view=full');
      expect(full.body).toMatchObject({ source: 'server', stale: true, stage: 'canary' });
      expect((await read(id, '?view=everything')).status).toBe(400);

      // A command the server holds that no worker has processed: the memo is behind it, and says so.
      await temporal.client.workflow
        .getHandle(id)
        .signal(commandSignals.pause, { by: 'oscar@test', reason: 'look' });
      const behind = await read(id);
      expect(behind.body).toMatchObject({ source: 'memo', stage: 'canary', stale: true });
      expect(behind.body.staleReason).toMatch(
        /^the server holds events since .* that no worker has processed yet/,
      );
      expect(behind.body.canary?.paused).toBe(false);

      // A worker again: the pause is processed, the memo shows it, not stale.
      worker = await temporal.startWorker(fake.activities);
      const caughtUp = await until(id, 'pause processed', (s) => s.canary?.paused === true && !s.stale);
      expect(caughtUp.source).toBe('memo');
      expect(caughtUp.commands.map((c) => c.action)).toEqual(['approve', 'pause']);
      // The full view has the same state (the memo's lists are within their bounds here, nothing omitted).
      const viaQuery = await read(id, '?view=full');
      expect(viaQuery.body.source).toBe('query');
      const { source: _q, lock: _l, ...queried } = viaQuery.body as Read & { lock?: unknown };
      const { source: _m, status: _s, ...fromMemo } = (await read(id)).body;
      expect(fromMemo).toEqual(queried);
      // The detectability statement reaches the API from the memo too.
      const stated = (fromMemo as { detectability?: { perStep: { canaryWeight: number }[] } }).detectability;
      expect(stated?.perStep.map((s) => s.canaryWeight)).toEqual([10, 50, 100]);
    } finally {
      await temporal.client.workflow
        .getHandle(id)
        .terminate('test done')
        .catch(() => undefined);
      await worker?.stop();
    }
  });

  it("answers a finished lifecycle's end from the memo with no worker, as the result has it", async () => {
    const worker = await temporal.startWorker(fake.activities);
    const started = await call<{ id: string }>('POST', '/model-versions', 'pipeline', startBody());
    const id = started.body.id;
    await until(id, 'awaiting approval', (s) => s.stage === 'awaiting-approval');
    expect(
      (await call('POST', `/model-versions/${id}/reject`, 'approver', { reason: 'auc too low' })).status,
    ).toBe(200);
    const result = await temporal.client.workflow.getHandle(id).result();
    await worker.stop();

    const res = await read(id);
    expect(res.body).toMatchObject({ source: 'memo', status: 'COMPLETED', stage: 'rejected' });
    const { source: _s, status: _st, ...fromMemo } = res.body;
    expect(fromMemo).toEqual(JSON.parse(JSON.stringify(result)));
  });
});
