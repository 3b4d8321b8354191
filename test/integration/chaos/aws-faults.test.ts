/**
 * A flaky AWS (issue 9 item 8): 30 % of calls throttled and 10 % answered with a 5xx, on every
 * emulator operation, while a good version promotes and a bad one rolls back. Both must end exactly
 * as undisturbed runs do: retries absorb the faults, and no retry makes anything twice.
 *
 * The worker is a child process as in the other chaos files (a versioned worker, as production
 * runs); nothing here is killed.
 */
import { DescribeEndpointCommand } from '@aws-sdk/client-sagemaker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedProduction } from '../emulator/emulator-harness';
import { approveSignal } from '../../../src/shared/messages';
import {
  CHAOS_TRAFFIC_PER_SECOND,
  chaosRequest,
  endStateOf,
  UNDISTURBED,
  startChaosEnv,
  waitForState,
  type ChaosEnv,
} from './chaos-harness';

let h: ChaosEnv;
beforeAll(async () => {
  h = await startChaosEnv();
  h.startWorker();
});
afterAll(async () => h?.stop());

async function run(scenario: 'promote' | 'rollback') {
  const req = chaosRequest(
    scenario === 'rollback' ? { environment: { EMULATOR_FAIL_ON_INPUT_CONTAINING: 'null' } } : {},
  );
  const endpoint = req.deployment.productionEndpointName;
  await seedProduction(h, req.modelPackageGroup, endpoint);
  h.sendTraffic(endpoint, CHAOS_TRAFFIC_PER_SECOND);
  return { req, endpoint };
}

describe('30 % throttling and 10 % 5xx on every emulator operation', () => {
  it('a good version promotes and a bad one rolls back, each as an undisturbed run ends', async () => {
    // Seeded before the faults: the seed stands for what an earlier release left, not for the run.
    const good = await run('promote');
    const bad = await run('rollback');
    // 5xx first at 10 % of all calls, then throttling at a third of the rest: 10 % and 30 % overall.
    const error = h.emulator.state.faults.add({ operation: '*', kind: 'error', probability: 0.1 });
    const throttle = h.emulator.state.faults.add({
      operation: '*',
      kind: 'throttle',
      probability: 0.3 / 0.9,
    });
    try {
      const handles = await Promise.all([h.start(good.req), h.start(bad.req)]);
      await Promise.all(
        handles.map(async (handle) => {
          await waitForState(handle, (s) => s.stage === 'awaiting-approval', 'awaiting-approval', 120_000);
          await handle.signal(approveSignal, { by: 'alice@ml' });
        }),
      );
      const [promoted, rolledBack] = await Promise.all(handles.map((handle) => handle.result()));
      const describe = (name: string) => () =>
        h.aws.sagemaker.send(new DescribeEndpointCommand({ EndpointName: name }));
      // The faults were real: dozens of calls refused along the way.
      const errorHits = error.hits;
      console.log(`[aws-faults] ${throttle.hits} calls throttled, ${errorHits} answered 5xx`);
      expect(throttle.hits).toBeGreaterThan(20);
      expect(errorHits).toBeGreaterThan(5);
      h.emulator.state.faults.clear(); // read the end state without faults
      expect(await endStateOf(h.aws.sagemaker, promoted!, describe(good.endpoint))).toEqual(
        UNDISTURBED.promote,
      );
      expect(await endStateOf(h.aws.sagemaker, rolledBack!, describe(bad.endpoint))).toEqual(
        UNDISTURBED.rollback,
      );
    } finally {
      h.emulator.state.faults.clear();
    }
  }, 240_000);
});

describe('a 5xx from SageMaker Runtime while staging is validated', () => {
  // Once a product bug (fixed on main in bd38085): validation recorded a 503 of the service as the
  // model failing its payload, and a good version ended validation-failed.
  it('is retried, not taken for the model failing', async () => {
    const { req } = await run('promote');
    // The only InvokeEndpoint calls over HTTP are validation's: the traffic generator invokes in-process.
    const fault = h.emulator.state.faults.add({ operation: 'InvokeEndpoint', kind: 'error', count: 1 });
    const handle = await h.start(req);
    try {
      await waitForState(handle, (s) => s.stage === 'awaiting-approval', 'awaiting-approval', 60_000);
      await handle.signal(approveSignal, { by: 'alice@ml' });
      const after = await waitForState(
        handle,
        (s) => s.validation !== undefined || s.stage === 'validation-failed',
        'validation to end',
        60_000,
      );
      console.log(
        `[aws-faults] one runtime 503 during validation: ${after.stage}, ${JSON.stringify(after.validation?.failures)}`,
      );
      expect(fault.hits).toBe(1);
      expect(after.validation?.failures).toEqual([]);
      expect(after.stage).not.toBe('validation-failed');
    } finally {
      await handle.terminate('test done').catch(() => undefined);
    }
  }, 120_000);
});
