/**
 * `npm run emulator`: the AWS emulator alone, for pointing a worker (or the AWS CLI) at it.
 *   EMULATOR_PORT (4566), EMULATOR_HOST (127.0.0.1), EMULATOR_METRIC_PERIOD_SECONDS (60),
 *   EMULATOR_CREATE_DELAY_MS (3000), EMULATOR_UPDATE_DELAY_MS (2000),
 *   EMULATOR_TRAFFIC (e.g. "churn-prod=20,*-prod=5"), EMULATOR_STATE_FILE (none: in memory).
 */
import { EMULATOR_DEFAULTS, startEmulator } from './server';
import { parseTrafficSpec } from './traffic-generator';

function numberFrom(name: string, fallback: number, { min = 0, max = Number.MAX_SAFE_INTEGER } = {}): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const v = Number(raw);
  if (!Number.isInteger(v) || v < min || v > max) {
    throw new Error(`${name} must be an integer between ${min} and ${max}, got '${raw}'`);
  }
  return v;
}

async function main(): Promise<void> {
  const emulator = await startEmulator({
    port: numberFrom('EMULATOR_PORT', EMULATOR_DEFAULTS.port, { max: 65535 }),
    host: process.env.EMULATOR_HOST || EMULATOR_DEFAULTS.host,
    metricPeriodSeconds: numberFrom('EMULATOR_METRIC_PERIOD_SECONDS', EMULATOR_DEFAULTS.metricPeriodSeconds, {
      min: 1,
      max: 3600,
    }),
    createDelayMs: numberFrom('EMULATOR_CREATE_DELAY_MS', EMULATOR_DEFAULTS.createDelayMs),
    updateDelayMs: numberFrom('EMULATOR_UPDATE_DELAY_MS', EMULATOR_DEFAULTS.updateDelayMs),
    traffic: parseTrafficSpec(process.env.EMULATOR_TRAFFIC ?? ''),
    stateFile: process.env.EMULATOR_STATE_FILE || undefined,
  });
  console.log(`AWS emulator (SageMaker, SageMaker Runtime, CloudWatch) on ${emulator.url}`);
  console.log(`  point the SDK at it: AWS_ENDPOINT_URL=${emulator.url} (any credentials)`);
  console.log(`  control API: ${emulator.url}/_emulator/state`);
  const stop = () => {
    void emulator.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((err: Error) => {
  console.error(`emulator: ${err.message}`);
  process.exit(1);
});
