import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ListModelsCommand } from '@aws-sdk/client-sagemaker';
import { CancelledFailure } from '@temporalio/activity';
import { MockActivityEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createAwsClients, type AwsClients } from '../../../activities';
import { startEmulator, type Emulator } from '@model-version-lifecycle/sagemaker-emulator';

let emulator: Emulator;
let aws: AwsClients;
beforeAll(async () => {
  process.env.AWS_ACCESS_KEY_ID ??= 'test';
  process.env.AWS_SECRET_ACCESS_KEY ??= 'test';
  emulator = await startEmulator({ port: 0 });
  aws = createAwsClients({ region: 'us-east-1', endpoint: emulator.url });
});
afterAll(async () => emulator?.close());

describe('AWS calls inside an activity', () => {
  it('give up as soon as the activity is cancelled', async () => {
    emulator.state.faults.add({ operation: 'ListModels', kind: 'delay', delayMs: 5000, count: 1 });
    const env = new MockActivityEnvironment();
    const started = performance.now();
    const running = env.run(() => aws.sagemaker.send(new ListModelsCommand({})));
    setTimeout(() => env.cancel('CANCELLED'), 200);
    await expect(running).rejects.toBeInstanceOf(CancelledFailure);
    expect(performance.now() - started).toBeLessThan(2000);
  });

  it('run as usual outside an activity', async () => {
    const out = await aws.sagemaker.send(new ListModelsCommand({}));
    expect(out.Models).toEqual([]);
  });
});

describe('a cancelled AWS call', () => {
  it('closes its connection instead of leaving it waiting for an answer', async () => {
    // A server that never answers and records when the client hangs up.
    let closedAt: number | undefined;
    const silent = createServer((req) => {
      req.socket.once('close', () => (closedAt = performance.now()));
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as AddressInfo).port;
    const clients = createAwsClients({
      region: 'us-east-1',
      endpoint: `http://127.0.0.1:${port}`,
      maxAttempts: 1,
    });
    try {
      const env = new MockActivityEnvironment();
      const running = env.run(() => clients.sagemaker.send(new ListModelsCommand({})));
      await new Promise((r) => setTimeout(r, 300));
      const cancelledAt = performance.now();
      env.cancel('CANCELLED');
      await expect(running).rejects.toBeInstanceOf(CancelledFailure);
      await vi.waitFor(() => expect(closedAt).toBeDefined(), { timeout: 2000 });
      expect(closedAt! - cancelledAt).toBeLessThan(1000);
    } finally {
      silent.closeAllConnections();
      await new Promise((resolve) => silent.close(resolve));
    }
  });
});
