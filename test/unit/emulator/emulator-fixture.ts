/**
 * An emulator on a free port with a clock the test moves: endpoint transitions and metric
 * visibility follow it, so contract tests never sleep. The AWS SDK clients are the product's own.
 */
import { createAwsClients, type AwsClients } from '../../../activities';
import { startEmulator, type Emulator, type EmulatorOptions } from '../../../src/emulator/server';

export interface TestClock {
  now(): number;
  advance(ms: number): void;
}

export interface EmulatorFixture {
  emulator: Emulator;
  aws: AwsClients;
  clock: TestClock;
  close(): Promise<void>;
}

export const CREATE_DELAY_MS = 5_000;
export const UPDATE_DELAY_MS = 3_000;

export async function startFixture(options: EmulatorOptions = {}): Promise<EmulatorFixture> {
  process.env.AWS_ACCESS_KEY_ID ??= 'contract';
  process.env.AWS_SECRET_ACCESS_KEY ??= 'contract';
  // Start on a period boundary so "the period has closed" is a whole number of seconds away.
  let t = Math.ceil(Date.now() / 60_000) * 60_000;
  const clock: TestClock = { now: () => t, advance: (ms) => void (t += ms) };
  const emulator = await startEmulator({
    port: 0,
    metricPeriodSeconds: 1,
    createDelayMs: CREATE_DELAY_MS,
    updateDelayMs: UPDATE_DELAY_MS,
    now: clock.now,
    ...options,
  });
  // Two attempts: enough to see the SDK retry a throttled call without slow backoff chains.
  const aws = createAwsClients({ region: 'us-east-1', endpoint: emulator.url, maxAttempts: 2 });
  return { emulator, aws, clock, close: () => emulator.close() };
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
