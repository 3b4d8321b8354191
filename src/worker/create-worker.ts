/**
 * The lifecycle worker: the workflows of workflows/ (a prebuilt bundle, or bundled at start in
 * development: see workflow-bundle.ts), the activities of activities/ on real AWS SDK clients, and a
 * Temporal client for the endpoint lock.
 *
 * With tracing on (src/tracing), activities and the worker's client are traced and the workflow
 * interceptors built into the bundle export their spans through the `exporter` sink.
 *
 * With versioning on, the worker belongs to a Worker Deployment and declares its build (build-id.ts);
 * the server then routes each lifecycle to the build its versioning behaviour says (README,
 * "Upgrading the service").
 */
import { Client } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { createActivities, createAwsClients } from '../../activities';
import type { LifecycleActivities } from '../shared/activity-contracts';
import type { Tracing } from '../tracing';
import { packageVersion, workflowBuildId } from './build-id';
import { loadWorkflowCode } from './workflow-bundle';

export interface VersioningOptions {
  deploymentName: string;
  /** Overrides the derived build id (package version + workflow code hash). */
  buildId?: string;
}

export interface WorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  /** Seconds in-flight activities get to finish after shutdown starts, before they are cancelled. */
  shutdownGraceSeconds: number;
  /** Runs kept in the sticky cache; unset: the SDK's default. */
  maxCachedWorkflows?: number;
  /** Activities to register; by default the real ones built from `aws`. */
  activities?: LifecycleActivities;
  aws?: { region?: string; endpoint?: string; executionRoleArn: string; webhookUrl?: string };
  /** A prebuilt workflow bundle; without one, production refuses to start and development bundles now. */
  workflowBundlePath?: string;
  production?: boolean;
  /** Worker Deployment Versioning; unset: an unversioned worker. */
  versioning?: VersioningOptions;
  /** OpenTelemetry tracing; unset: no interceptor is installed. */
  tracing?: Tracing;
}

/**
 * Without tracing, spans of a run a traced client started (an API with tracing on beside a worker
 * without, or a replay of a traced run) are dropped here instead of an "unregistered external sink"
 * error per activation.
 */
export const DROPPED_WORKFLOW_SPANS = {
  exporter: { export: { fn: () => undefined, callDuringReplay: false } },
};

export interface LifecycleWorker {
  worker: Worker;
  /** The deployment version it serves, when versioned. */
  version?: { deploymentName: string; buildId: string };
  workflowSource: string;
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

export async function createLifecycleWorker(options: WorkerOptions): Promise<LifecycleWorker> {
  let activities = options.activities;
  // The lock and pinning activities reach Temporal through the worker's own connection.
  const client = new Client({
    connection: options.connection,
    namespace: options.namespace,
    ...(options.tracing ? { interceptors: options.tracing.clientInterceptors } : {}),
  });
  if (!activities) {
    if (!options.aws) throw new Error('createLifecycleWorker needs `activities` or `aws`');
    activities = createRealActivities(options.aws, { client, taskQueue: options.taskQueue });
  }
  const workflows = await loadWorkflowCode({
    ...(options.workflowBundlePath ? { bundlePath: options.workflowBundlePath } : {}),
    production: options.production ?? false,
  });
  const version = options.versioning
    ? {
        deploymentName: options.versioning.deploymentName,
        buildId: options.versioning.buildId ?? workflowBuildId(packageVersion(), workflows.code),
      }
    : undefined;
  const worker = await Worker.create({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: options.taskQueue,
    workflowBundle: { code: workflows.code },
    activities,
    ...(options.tracing ? { interceptors: { activity: options.tracing.activityInterceptors } } : {}),
    sinks: options.tracing ? options.tracing.workflowSinks : DROPPED_WORKFLOW_SPANS,
    shutdownGraceTime: `${options.shutdownGraceSeconds}s`,
    ...(options.maxCachedWorkflows !== undefined ? { maxCachedWorkflows: options.maxCachedWorkflows } : {}),
    ...(version
      ? {
          workerDeploymentOptions: {
            version,
            useWorkerVersioning: true,
            // Lifecycles and endpoint locks move to the current build while they wait; a lifecycle
            // pins itself to its build at the approval decision (activities/build-pinning.ts).
            defaultVersioningBehavior: 'AUTO_UPGRADE' as const,
          },
        }
      : {}),
  });
  return { worker, ...(version ? { version } : {}), workflowSource: workflows.source };
}
