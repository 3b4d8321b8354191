/**
 * The activities' settings from the worker's environment, read in one place so the names are
 * documented once. Secrets (credentials) never pass through here: the SDK's chain finds them.
 */
import type { AwsClientsConfig } from './aws-clients';

export interface ActivityEnvConfig {
  aws: AwsClientsConfig;
  executionRoleArn: string;
  webhookUrl?: string;
}

/** Any role ARN does for the emulator, which does not assume it. */
export const EMULATOR_EXECUTION_ROLE_ARN = 'arn:aws:iam::000000000000:role/SageMakerExecutionRole';

function positiveInt(value: string | undefined, name: string): number | undefined {
  if (value === undefined || value === '') return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`${name} must be a positive integer, got "${value}"`);
  return n;
}

export function activityConfigFromEnv(env: NodeJS.ProcessEnv = process.env): ActivityEnvConfig {
  const usesEmulator = Boolean(env.AWS_ENDPOINT_URL || env.AWS_ENDPOINT_URL_SAGEMAKER);
  const executionRoleArn =
    env.SAGEMAKER_EXECUTION_ROLE_ARN || (usesEmulator ? EMULATOR_EXECUTION_ROLE_ARN : undefined);
  if (!executionRoleArn) {
    throw new Error(
      'SAGEMAKER_EXECUTION_ROLE_ARN is required: the IAM role SageMaker assumes to pull the image and model data',
    );
  }
  return {
    aws: { requestTimeoutMs: positiveInt(env.AWS_REQUEST_TIMEOUT_MS, 'AWS_REQUEST_TIMEOUT_MS') },
    executionRoleArn,
    webhookUrl: env.NOTIFY_WEBHOOK_URL || undefined,
  };
}
