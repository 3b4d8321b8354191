/**
 * The Temporal server SIGKILLed mid-canary and restarted on the same SQLite file and port (issue 9
 * item 8): the worker process rides out the outage, and the lifecycle finishes as an undisturbed one
 * does. Runs on a server of its own, never the run's shared one.
 */
import { DescribeEndpointCommand } from '@aws-sdk/client-sagemaker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedProduction } from '../emulator/emulator-harness';
import {
  approveWhenAsked,
  CHAOS_TRAFFIC_PER_SECOND,
  chaosRequest,
  endStateOf,
  sleep,
  startChaosEnv,
  UNDISTURBED,
  waitForState,
  type ChaosEnv,
} from './chaos-harness';
import { startOwnTemporalServer, type OwnTemporalServer } from './own-temporal-server';

let server: OwnTemporalServer;
let env: ChaosEnv;

beforeAll(async () => {
  server = await startOwnTemporalServer();
  env = await startChaosEnv({ temporal: { address: server.address, namespace: server.namespace } });
});
afterAll(async () => {
  await env?.stop();
  await server?.stop();
});

describe('Temporal server killed mid-canary', () => {
  it('restarted on the same SQLite file, the lifecycle finishes as an undisturbed one', async () => {
    const req = chaosRequest();
    const endpoint = req.deployment.productionEndpointName;
    await seedProduction(env, req.modelPackageGroup, endpoint);
    env.sendTraffic(endpoint, CHAOS_TRAFFIC_PER_SECOND);
    const worker = env.startWorker();
    const handle = await env.start(req);
    await approveWhenAsked(handle);
    // Mid-canary: the 10 % bake has begun, the watch activity is running on the worker.
    await waitForState(
      handle,
      (s) => s.stage === 'canary' && s.canary?.canaryWeight === 10,
      'the 10 % bake',
      120_000,
    );

    const serverPid = server.process().pid;
    await server.kill();
    // Long enough for the worker's polls and the watch's heartbeats to fail against a dead port.
    await sleep(3000);
    const restartedAt = Date.now();
    await server.restart();
    console.log(
      `[temporal-restart] server ${serverPid} killed, ${server.process().pid} answering ${((Date.now() - restartedAt) / 1000).toFixed(1)} s after restart`,
    );

    const final = await handle.result();
    // The same worker process served it throughout: it survived the outage rather than being replaced.
    expect(worker.child.exitCode).toBeNull();
    expect(env.workers).toHaveLength(1);
    const end = await endStateOf(env.aws.sagemaker, final, () =>
      env.aws.sagemaker.send(new DescribeEndpointCommand({ EndpointName: endpoint })),
    );
    expect(end).toEqual(UNDISTURBED.promote);
  }, 240_000);
});
