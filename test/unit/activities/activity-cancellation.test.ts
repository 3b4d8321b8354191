import { ListModelsCommand } from '@aws-sdk/client-sagemaker';
import { CancelledFailure } from '@temporalio/activity';
import { MockActivityEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
