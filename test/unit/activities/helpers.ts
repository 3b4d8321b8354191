import { CloudWatchClient, type GetMetricDataCommandInput } from '@aws-sdk/client-cloudwatch';
import { SageMakerClient, SageMakerServiceException } from '@aws-sdk/client-sagemaker';
import { SageMakerRuntimeClient, type InvokeEndpointCommandOutput } from '@aws-sdk/client-sagemaker-runtime';
import { ApplicationFailure } from '@temporalio/common';
import { mockClient } from 'aws-sdk-client-mock';
import { expect } from 'vitest';
import type { ActivityDeps } from '../../../activities';
import { healthPolicySchema, type HealthPolicy } from '../../../src/shared/lifecycle-input';

export const ROLE_ARN = 'arn:aws:iam::123456789012:role/SageMakerExecution';

/** Fresh mocks per test, plus deps wired to them. */
export function mockedDeps(overrides: Partial<ActivityDeps> = {}) {
  const sagemaker = new SageMakerClient({ region: 'us-east-1' });
  const runtime = new SageMakerRuntimeClient({ region: 'us-east-1' });
  const cloudwatch = new CloudWatchClient({ region: 'us-east-1' });
  const mocks = {
    sagemaker: mockClient(sagemaker),
    runtime: mockClient(runtime),
    cloudwatch: mockClient(cloudwatch),
  };
  const deps: ActivityDeps = { sagemaker, runtime, cloudwatch, executionRoleArn: ROLE_ARN, ...overrides };
  return { deps, mocks };
}

/** An AWS error as the SDK raises it for a JSON-protocol service answer. */
export function awsError(
  name: string,
  message: string,
  opts: { status?: number; fault?: 'client' | 'server'; throttling?: boolean } = {},
): SageMakerServiceException {
  const status = opts.status ?? (opts.fault === 'server' ? 500 : 400);
  const err = new SageMakerServiceException({
    name,
    message,
    $fault: opts.fault ?? (status >= 500 ? 'server' : 'client'),
    $metadata: { httpStatusCode: status },
  });
  if (opts.throttling) err.$retryable = { throttling: true };
  return err;
}

export const notFound = (what: string) => awsError('ValidationException', `Could not find ${what}.`);
export const alreadyExists = (what: string) =>
  awsError('ValidationException', `Cannot create already existing ${what}.`);

export function blob(text: string): InvokeEndpointCommandOutput['Body'] {
  return new TextEncoder().encode(text) as InvokeEndpointCommandOutput['Body'];
}

export function policy(overrides: Partial<HealthPolicy> = {}): HealthPolicy {
  return { ...healthPolicySchema.parse({}), ...overrides };
}

/** Awaits a rejection and returns it as an ApplicationFailure, failing the test if it is not one. */
export async function failureOf(promise: Promise<unknown>): Promise<ApplicationFailure> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ApplicationFailure);
  return err as ApplicationFailure;
}

/** The period starts a GetMetricData request asks for: StartTime to EndTime at its first query's Period. */
export function periodStartsAsked(input: GetMetricDataCommandInput): Date[] {
  const periodMs = input.MetricDataQueries![0]!.MetricStat!.Period! * 1000;
  const starts: Date[] = [];
  for (let t = (input.StartTime as Date).getTime(); t < (input.EndTime as Date).getTime(); t += periodMs)
    starts.push(new Date(t));
  return starts;
}
