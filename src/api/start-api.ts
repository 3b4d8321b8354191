/** Connects to Temporal and SageMaker and serves the API; used by the API process and the local stack. */
import { Client, Connection } from '@temporalio/client';
import type { Logger } from 'pino';
import { createAwsClients, describeServingLineage, planRevert } from '../../activities';
import type { ServiceConfig } from '../config';
import { temporalConnectionOptions } from '../config/temporal-connection';
import { startTracing } from '../tracing';
import { createAuthenticator } from './auth/create-authenticator';
import type { StaticToken } from './auth/static-tokens';
import { createApi } from './create-api';
import { createStudioDecisions } from './events/studio-decisions';
import { PinoNestLogger } from './pino-nest-logger';

export interface RunningApi {
  url: string;
  close(): Promise<void>;
}

const COMMAND_TIMEOUT_MS = 30_000;

export async function startApi(
  config: ServiceConfig,
  logger: Logger,
  extraTokens: StaticToken[] = [],
): Promise<RunningApi> {
  const tracing = await startTracing(config.tracing, 'api', logger);
  const connection = await Connection.connect(await temporalConnectionOptions(config.temporal));
  // With tracing, every start, command and query carries its trace into the workflow it reaches.
  const temporalClient = new Client({
    connection,
    namespace: config.temporal.namespace,
    ...(tracing ? { interceptors: tracing.clientInterceptors } : {}),
  });
  const { sagemaker } = createAwsClients({ region: config.aws.region, endpoint: config.aws.endpoint });
  const app = await createApi(
    {
      temporalClient,
      settings: {
        namespace: config.temporal.namespace,
        taskQueue: config.temporal.taskQueue,
        commandTimeoutMs: COMMAND_TIMEOUT_MS,
        maxBodyBytes: config.api.maxBodyBytes,
      },
      authenticator: createAuthenticator(config.auth, extraTokens),
      readServingLineage: (name) => describeServingLineage(sagemaker, name),
      planRevert: (input) => planRevert(sagemaker, input),
      consoleSignIn: config.auth.oidc,
      studioDecisions: createStudioDecisions({
        sagemaker,
        identities: config.auth.studio,
        webhookUrl: config.notifyWebhookUrl,
      }),
    },
    { logger: new PinoNestLogger(logger) },
  );
  await app.listen(config.api.port, config.api.host);
  const url = `http://${config.api.host === '0.0.0.0' ? '127.0.0.1' : config.api.host}:${config.api.port}`;
  logger.info(
    { url, docs: `${url}/docs`, tracing: tracing ? `${tracing.serviceName} → ${tracing.tracesUrl}` : 'off' },
    'API listening',
  );
  return {
    url,
    async close() {
      await app.close();
      await connection.close();
      await tracing?.shutdown();
    },
  };
}
