/**
 * The lifecycle worker: the workflows of workflows/ (a prebuilt bundle, or bundled at start in
 * development: see workflow-bundle.ts), the activities of activities/ on real AWS SDK clients, and a
 * Temporal client for the endpoint lock.
 */
import { Client } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { createActivities, createAwsClients } from '../../activities';
import type { LifecycleActivities } from '../shared/activity-contracts';
import { workflowSource } from './workflow-bundle';

export interface WorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  /** Seconds in-flight activities get to finish after shutdown starts, before they are cancelled. */
  shutdownGraceSeconds: number;
  /** Activities to register; by default the real ones built from `aws`. */
  activities?: LifecycleActivities;
  aws?: { region?: string; endpoint?: string; executionRoleArn: string; webhookUrl?: string };
  /** A prebuilt workflow bundle; without one, production refuses to start and development bundles now. */
  workflowBundlePath?: string;
  production?: boolean;
}

export function createRealActivities(
  aws: NonNullable<WorkerOptions['aws']>,
  temporal: { client: Client; taskQueue: string },
): LifecycleActivities {
  return createActivities({
    ...createAwsClients({ region: aws.region, endpoint: aws.endpoint }),
    executionRoleArn: aws.executionRoleArn,
    webhookUrl: aws.webhookUrl,
    temporal,
  });
}

export async function createLifecycleWorker(options: WorkerOptions): Promise<Worker> {
  let activities = options.activities;
  if (!activities) {
    if (!options.aws) throw new Error('createLifecycleWorker needs `activities` or `aws`');
    // The lock activities signal the endpoint's lock workflow through the worker's own connection.
    const client = new Client({ connection: options.connection, namespace: options.namespace });
    activities = createRealActivities(options.aws, { client, taskQueue: options.taskQueue });
  }
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: options.taskQueue,
    ...workflowSource({
      ...(options.workflowBundlePath ? { bundlePath: options.workflowBundlePath } : {}),
      production: options.production ?? false,
    }),
    activities,
    shutdownGraceTime: `${options.shutdownGraceSeconds}s`,
  });
}
