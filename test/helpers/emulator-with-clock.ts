/**
 * The emulator in-process with a clock the test moves, and the product's own AWS clients on it:
 * activity code meets the wire protocols without a test ever sleeping.
 */
import {
  manualClock,
  startEmulator,
  type Emulator,
  type ManualClock,
} from '@model-version-lifecycle/sagemaker-emulator';
import { createAwsClients, type AwsClients } from '../../activities';

export interface EmulatorWithClock {
  emulator: Emulator;
  aws: AwsClients;
  clock: ManualClock;
  close(): Promise<void>;
}

export const CREATE_DELAY_MS = 5_000;

export async function startEmulatorWithClock(): Promise<EmulatorWithClock> {
  process.env.AWS_ACCESS_KEY_ID ??= 'contract';
  process.env.AWS_SECRET_ACCESS_KEY ??= 'contract';
  const clock = manualClock();
  const emulator = await startEmulator({
    port: 0,
    metricPeriodSeconds: 1,
    createDelayMs: CREATE_DELAY_MS,
    now: clock.now,
  });
  const aws = createAwsClients({ region: 'us-east-1', endpoint: emulator.url, maxAttempts: 2 });
  return { emulator, aws, clock, close: () => emulator.close() };
}
