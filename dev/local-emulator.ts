/**
 * The AWS emulator of the local stack, in-process: its resources kept in DATA_DIR (so a restart
 * finds the endpoints its workflows were working on), a v0 production endpoint, and users sending
 * traffic to every endpoint whose name ends in `-prod`.
 */
import { join } from 'node:path';
import type { Logger } from 'pino';
import { startEmulator } from '@model-version-lifecycle/sagemaker-emulator';
import { createAwsClients } from '../activities';
import { EMULATOR_EXECUTION_ROLE_ARN, type ServiceConfig } from '../src/config';
import type { LocalStackConfig } from './local-stack-config';
import { seedProductionEndpoint } from './seed-production';

export interface LocalEmulator {
  url: string;
  stop(): Promise<void>;
}

/** Users reach production endpoints only: staging sees nothing but the validation requests. */
export const PRODUCTION_TRAFFIC_PATTERN = '*-prod';

export async function startLocalEmulator(
  config: ServiceConfig,
  ls: LocalStackConfig,
  logger: Logger,
): Promise<LocalEmulator> {
  const emulator = await startEmulator({
    port: ls.emulatorPort,
    host: '127.0.0.1',
    region: config.aws.region,
    metricPeriodSeconds: ls.emulatorMetricPeriodSeconds,
    stateFile: join(ls.dataDir, 'emulator-state.json'),
    traffic: [{ endpoint: PRODUCTION_TRAFFIC_PATTERN, ratePerSecond: ls.trafficRatePerSecond }],
  });
  const clients = createAwsClients({ region: config.aws.region, endpoint: emulator.url });
  const seeded = await seedProductionEndpoint(clients.sagemaker, {
    endpointName: ls.productionEndpointName,
    executionRoleArn: config.aws.executionRoleArn ?? EMULATOR_EXECUTION_ROLE_ARN,
  });
  logger.info({ endpoint: ls.productionEndpointName, seeded }, 'production endpoint on the emulator');
  return { url: emulator.url, stop: () => emulator.close() };
}
