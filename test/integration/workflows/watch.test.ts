/**
 * The post-promotion watch on the in-memory SageMaker (the watch activity is scripted; its judgement
 * and the end by a new deployment run on the emulator, test/integration/emulator/watch-on-emulator).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { endpointLockWorkflowId, lockHolderQuery } from '../../../src/shared/messages';
import { approvedCanary, startHarness, waitForStage, type Harness } from './lifecycle-harness';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => h?.stop());

const watched = (watchSeconds = 60) => ({ deployment: { watchSeconds } }) as never;

describe.concurrent('post-promotion watch', () => {
  it('watches after promotion with the lock released, and ends promoted when healthy', async () => {
    const { endpoint, handle, req } = await approvedCanary(h, watched());
    h.fake.scriptWatch(endpoint, 'hold');
    const watching = await waitForStage(handle, 'watching');
    expect(watching.watch?.baseline).toMatchObject({
      variantName: 'v1',
      invocations: 1500,
      errors5xx: 0,
      verdicts: 3,
    });
    const lock = await h.temporal.client.workflow
      .getHandle(endpointLockWorkflowId(endpoint))
      .query(lockHolderQuery);
    expect(lock.holder).toBeNull();
    // The fake is shared by the file's tests, which run side by side: this test's own call, by endpoint.
    // The stage turns `watching` before the activity runs, so the call is waited for.
    const ownWatchCall = () =>
      (
        h.fake.callsTo('watchPromoted') as {
          endpointName: string;
          variantName: string;
          watchSeconds: number;
        }[]
      )
        .filter((call) => call.endpointName === req.deployment.productionEndpointName)
        .at(-1);
    for (const deadline = Date.now() + 15_000; !ownWatchCall() && Date.now() < deadline;) {
      await new Promise((r) => setTimeout(r, 100));
    }
    const watchCall = ownWatchCall();
    expect(watchCall).toMatchObject({
      variantName: 'v2',
      watchSeconds: 60,
      endpointName: req.deployment.productionEndpointName,
    });
    await handle.cancel();
    const final = await handle.result();
    expect(final.stage).toBe('promoted');
    expect(final.watch?.result).toBe('cancelled');
    expect(h.fake.endpoints.get(endpoint)!.variants.map((v) => v.variantName)).toEqual(['v2']);
  });

  it('an unhealthy verdict during the watch reverts to the previous version, with the evidence', async () => {
    const { endpoint, handle, stable } = await approvedCanary(h, watched());
    h.fake.scriptWatch(endpoint, 'unhealthy');
    const final = await handle.result();
    expect(final.stage).toBe('reverted');
    expect(final.watch).toMatchObject({ result: 'unhealthy', revert: { stage: 'reverted' } });
    expect(final.watch?.verdict?.reasons.join(' ')).toMatch(/5xx/);
    expect(h.fake.endpoints.get(endpoint)!.variants.map((v) => v.variantName)).toEqual(['v1']);
    expect(h.fake.packages.get(stable.arn)).toMatchObject({ status: 'Approved', serving: endpoint });
    const v2 = h.fake.packages.get(final.modelPackageArn!)!;
    expect(v2.status).toBe('Rejected');
    expect(v2.description).toMatch(/post-promotion-watch/);
    const kinds = h.fake.notifications.filter((n) => n.endpointName === endpoint).map((n) => n.kind);
    expect(kinds).toEqual(expect.arrayContaining(['promoted', 'watch-unhealthy', 'reverted']));
  });

  it('watchSeconds 0 skips the watch', async () => {
    const { handle } = await approvedCanary(h, watched(0));
    const final = await handle.result();
    expect(final.stage).toBe('promoted');
    expect(final.watch).toBeUndefined();
    expect(final.transitions.map((t) => t.stage)).not.toContain('watching');
  });
});
