import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import type { SageMakerClient } from '@aws-sdk/client-sagemaker';
import type { SageMakerRuntimeClient } from '@aws-sdk/client-sagemaker-runtime';
import type { WorkflowClient } from '@temporalio/client';

/**
 * Everything the activities touch, injected so the worker passes real clients and tests pass
 * aws-sdk-client-mock'ed ones (the `createActivities(client)` shape of Temporal's mutex sample).
 */
export interface ActivityDeps {
  sagemaker: SageMakerClient;
  runtime: SageMakerRuntimeClient;
  cloudwatch: CloudWatchClient;
  /** The IAM role SageMaker assumes for the models it creates. */
  executionRoleArn: string;
  /** Where lifecycle notifications are POSTed; none are sent when unset. */
  webhookUrl?: string;
  webhookTimeoutMs?: number;
  /** For the endpoint lock (signal-with-start); a `Client` from @temporalio/client fits. */
  temporal?: {
    client: { workflow: Pick<WorkflowClient, 'signalWithStart' | 'getHandle' | 'list'> };
    taskQueue: string;
    /** How often a lock workflow this worker starts checks that its holder still runs (default 60 s). */
    lockLivenessCheckSeconds?: number;
  };
  /** Epoch-ms clock for the health windows and bake deadlines; tests may pin it. */
  now?: () => number;
}
