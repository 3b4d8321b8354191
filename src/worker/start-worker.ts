/** Connects to Temporal and runs the lifecycle worker until `stop()`; used by the worker process and the local stack. */
import { Client } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import type { Logger } from 'pino';
import { requireExecutionRole, type ServiceConfig } from '../config';
import { temporalConnectionOptions } from '../config/temporal-connection';
import { startTracing } from '../tracing';
import { createLifecycleWorker } from './create-worker';
import { makeCurrentIfFirst } from './current-build';

export interface RunningWorker {
  /** The Worker Deployment Version it serves, when versioned. */
  version?: { deploymentName: string; buildId: string };
  /** Settles when the worker has stopped (after `stop()` or a fatal error). */
  done: Promise<void>;
  /** Graceful: stop polling, let in-flight activities finish within the grace time, then close. */
  stop(): Promise<void>;
}

export async function startWorker(config: ServiceConfig, logger: Logger): Promise<RunningWorker> {
  const executionRoleArn = requireExecutionRole(config);
  const tracing = await startTracing(config.tracing, 'worker', logger);
  const connection = await NativeConnection.connect(await temporalConnectionOptions(config.temporal));
  const { worker, version, workflowSource } = await createLifecycleWorker({
    connection,
    namespace: config.temporal.namespace,
    taskQueue: config.temporal.taskQueue,
    shutdownGraceSeconds: config.worker.shutdownGraceSeconds,
    maxCachedWorkflows: config.worker.maxCachedWorkflows,
    ...(config.worker.workflowBundlePath ? { workflowBundlePath: config.worker.workflowBundlePath } : {}),
    production: config.production,
    ...(config.worker.versioning ? { versioning: config.worker.versioning } : {}),
    ...(tracing ? { tracing } : {}),
    aws: {
      region: config.aws.region,
      endpoint: config.aws.endpoint,
      executionRoleArn,
      webhookUrl: config.notifyWebhookUrl,
    },
  });
  logger.info(
    {
      taskQueue: config.temporal.taskQueue,
      namespace: config.temporal.namespace,
      address: config.temporal.address,
      workflows: workflowSource,
      deploymentVersion: version ? `${version.deploymentName}:${version.buildId}` : 'unversioned',
      metrics: config.worker.metricsAddress ? `http://${config.worker.metricsAddress}/metrics` : 'off',
      tracing: tracing ? `${tracing.serviceName} → ${tracing.tracesUrl}` : 'off',
    },
    'worker polling',
  );
  // Spans still batched go out once the last activity has ended.
  const done = worker
    .run()
    .finally(() => connection.close())
    .finally(() => tracing?.shutdown());
  if (version) {
    const client = new Client({ connection, namespace: config.temporal.namespace });
    makeCurrentIfFirst(client, version, logger).catch((err: Error) =>
      logger.error({ err: err.message }, 'could not read or set the current build of the worker deployment'),
    );
  }
  return {
    ...(version ? { version } : {}),
    done,
    async stop() {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await done;
    },
  };
}
