/**
 * The AWS emulator of the local stack, started in-process, with a v0 production endpoint and live
 * traffic. The emulator itself lives in src/emulator (its own issue); this file only wires it in.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { createAwsClients } from '../../activities';
import { EMULATOR_EXECUTION_ROLE_ARN, type ServiceConfig } from '../config';
import { seedProductionEndpoint } from './seed-production';
import { startTrafficPump } from './traffic-pump';

interface StartedEmulator {
  url?: string;
  close?: () => Promise<void>;
  stop?: () => Promise<void>;
}
type StartEmulator = (options: Record<string, unknown>) => Promise<StartedEmulator>;

export interface LocalEmulator {
  url: string;
  stop(): Promise<void>;
}

export async function startLocalEmulator(config: ServiceConfig, logger: Logger): Promise<LocalEmulator> {
  const ls = config.localStack;
  // Resolved at run time: the emulator is delivered by its own issue and may be absent in a partial tree.
  const modulePath = join(__dirname, '../emulator/server');
  if (!existsSync(`${modulePath}.ts`) && !existsSync(`${modulePath}.js`)) {
    logger.warn(
      'src/emulator is not part of this build: the stack runs without AWS; lifecycles fail at registration',
    );
    return { url: 'not started (src/emulator missing)', stop: async () => {} };
  }
  const { startEmulator } = (await import(modulePath)) as {
    startEmulator: StartEmulator;
  };
  const emulator = await startEmulator({
    port: ls.emulatorPort,
    host: '127.0.0.1',
    metricPeriodSeconds: ls.emulatorMetricPeriodSeconds,
  });
  const url = emulator.url ?? `http://127.0.0.1:${ls.emulatorPort}`;
  const clients = createAwsClients({ region: config.aws.region, endpoint: url });
  const seeded = await seedProductionEndpoint(clients.sagemaker, {
    endpointName: ls.productionEndpointName,
    executionRoleArn: config.aws.executionRoleArn ?? EMULATOR_EXECUTION_ROLE_ARN,
  });
  logger.info({ endpoint: ls.productionEndpointName, seeded }, 'production endpoint on the emulator');
  const traffic = startTrafficPump(clients, ls.trafficRatePerSecond);
  return {
    url,
    async stop() {
      await traffic.stop();
      await (emulator.close ?? emulator.stop)?.call(emulator);
    },
  };
}
