/**
 * The variables of the local stack alone (`npm start`): where it keeps its data, the ports of the
 * dev server and the emulator it starts, and the simulated users. The service never reads these.
 */
import { z } from 'zod';
import { ConfigError } from '../src/config';

const port = (fallback: number) =>
  z.coerce.number({ message: 'must be a port number' }).int().min(0).max(65535).default(fallback);
const positive = (fallback: number) =>
  z.coerce.number({ message: 'must be a number' }).positive().default(fallback);

const localStackSchema = z.object({
  DATA_DIR: z.string().min(1).default('.data'),
  TEMPORAL_PORT: port(7233),
  TEMPORAL_UI_PORT: port(8233),
  EMULATOR_PORT: port(4566),
  /** CloudWatch period the emulator aggregates metrics at (60 s on AWS). */
  EMULATOR_METRIC_PERIOD_SECONDS: positive(1),
  /** Requests per second the simulated users send to the production endpoint. */
  TRAFFIC_RATE_PER_SECOND: positive(20),
  PRODUCTION_ENDPOINT_NAME: z.string().min(1).default('churn-prod'),
});

export interface LocalStackConfig {
  dataDir: string;
  temporalPort: number;
  temporalUiPort: number;
  emulatorPort: number;
  emulatorMetricPeriodSeconds: number;
  trafficRatePerSecond: number;
  productionEndpointName: string;
}

export function loadLocalStackConfig(env: NodeJS.ProcessEnv = process.env): LocalStackConfig {
  const result = localStackSchema.safeParse(env);
  if (!result.success) {
    throw new ConfigError(result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`));
  }
  const e = result.data;
  return {
    dataDir: e.DATA_DIR,
    temporalPort: e.TEMPORAL_PORT,
    temporalUiPort: e.TEMPORAL_UI_PORT,
    emulatorPort: e.EMULATOR_PORT,
    emulatorMetricPeriodSeconds: e.EMULATOR_METRIC_PERIOD_SECONDS,
    trafficRatePerSecond: e.TRAFFIC_RATE_PER_SECOND,
    productionEndpointName: e.PRODUCTION_ENDPOINT_NAME,
  };
}
