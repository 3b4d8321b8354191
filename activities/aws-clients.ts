/**
 * The three AWS SDK v3 clients the activities use.
 *
 * Region and credentials come from the SDK's standard provider chain (AWS_REGION, AWS_PROFILE,
 * environment keys, SSO, container or instance roles). The SDK itself honours AWS_ENDPOINT_URL and
 * the per-service AWS_ENDPOINT_URL_SAGEMAKER, AWS_ENDPOINT_URL_SAGEMAKER_RUNTIME and
 * AWS_ENDPOINT_URL_CLOUDWATCH (see getEndpointUrlConfig in @smithy/core), as well as
 * AWS_MAX_ATTEMPTS and AWS_RETRY_MODE, so an explicit endpoint is passed only when the caller sets one
 * (e.g. an emulator started on a random port in a test).
 */
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { SageMakerClient } from '@aws-sdk/client-sagemaker';
import { SageMakerRuntimeClient } from '@aws-sdk/client-sagemaker-runtime';
import { cancelWithActivity } from './activity-cancellation';

export interface AwsClientsConfig {
  /** Overrides the standard chain's region. */
  region?: string;
  /** One endpoint for all three services; leave unset to let the SDK read AWS_ENDPOINT_URL*. */
  endpoint?: string;
  /** SDK-level attempts for SageMaker and CloudWatch calls; Temporal's retry policy backs these up. */
  maxAttempts?: number;
  retryMode?: 'standard' | 'adaptive';
  /** Per-request socket timeout. */
  requestTimeoutMs?: number;
}

export interface AwsClients {
  sagemaker: SageMakerClient;
  runtime: SageMakerRuntimeClient;
  cloudwatch: CloudWatchClient;
}

const DEFAULT_REQUEST_TIMEOUT_MS = 60_000;

export function createAwsClients(config: AwsClientsConfig = {}): AwsClients {
  const common = {
    ...(config.region ? { region: config.region } : {}),
    ...(config.endpoint ? { endpoint: config.endpoint } : {}),
    ...(config.retryMode ? { retryMode: config.retryMode } : {}),
    requestHandler: { requestTimeout: config.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS },
  };
  const attempts = config.maxAttempts ? { maxAttempts: config.maxAttempts } : {};
  const clients = {
    sagemaker: new SageMakerClient({ ...common, ...attempts }),
    cloudwatch: new CloudWatchClient({ ...common, ...attempts }),
    // One attempt: validation measures each invocation's latency, and an SDK retry's backoff would
    // be counted against the model. A throttled invocation fails the activity, which Temporal retries.
    runtime: new SageMakerRuntimeClient({ ...common, maxAttempts: 1 }),
  };
  cancelWithActivity(clients.sagemaker);
  cancelWithActivity(clients.cloudwatch);
  cancelWithActivity(clients.runtime);
  return clients;
}
