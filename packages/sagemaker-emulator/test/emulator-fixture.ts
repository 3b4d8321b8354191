/**
 * An emulator on a free port with a clock the test moves: endpoint transitions and metric
 * visibility follow it, so contract tests never sleep. The clients are the stock AWS SDK v3 ones.
 */
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { CreateModelCommand, SageMakerClient } from '@aws-sdk/client-sagemaker';
import { SageMakerRuntimeClient } from '@aws-sdk/client-sagemaker-runtime';
import { manualClock, startEmulator, type Emulator, type EmulatorOptions, type ManualClock } from '../src';

export interface AwsClients {
  sagemaker: SageMakerClient;
  runtime: SageMakerRuntimeClient;
  cloudwatch: CloudWatchClient;
}

export interface EmulatorFixture {
  emulator: Emulator;
  aws: AwsClients;
  clock: ManualClock;
  close(): Promise<void>;
}

export const CREATE_DELAY_MS = 5_000;
export const UPDATE_DELAY_MS = 3_000;

export async function startFixture(options: EmulatorOptions = {}): Promise<EmulatorFixture> {
  process.env.AWS_ACCESS_KEY_ID ??= 'contract';
  process.env.AWS_SECRET_ACCESS_KEY ??= 'contract';
  const clock = manualClock();
  const emulator = await startEmulator({
    port: 0,
    metricPeriodSeconds: 1,
    createDelayMs: CREATE_DELAY_MS,
    updateDelayMs: UPDATE_DELAY_MS,
    now: clock.now,
    ...options,
  });
  // Two attempts: enough to see the SDK retry a throttled call without slow backoff chains.
  const common = { region: 'us-east-1', endpoint: emulator.url, maxAttempts: 2 };
  const aws: AwsClients = {
    sagemaker: new SageMakerClient(common),
    runtime: new SageMakerRuntimeClient({ ...common, maxAttempts: 1 }),
    cloudwatch: new CloudWatchClient(common),
  };
  return { emulator, aws, clock, close: () => emulator.close() };
}

/** Models by name with the emulator's behaviour variables (EMULATOR_LATENCY_MS, …) as their environment. */
export async function createModels(f: EmulatorFixture, models: Record<string, Record<string, string>>) {
  for (const [name, env] of Object.entries(models)) {
    await f.aws.sagemaker.send(
      new CreateModelCommand({ ModelName: name, PrimaryContainer: { Image: 'img', Environment: env } }),
    );
  }
}

/** Catches the error a promise rejects with, failing the test if it resolves. */
export async function errorOf(promise: Promise<unknown>): Promise<Error & Record<string, unknown>> {
  try {
    await promise;
  } catch (err) {
    return err as Error & Record<string, unknown>;
  }
  throw new Error('expected the call to fail');
}
