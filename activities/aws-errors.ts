/**
 * Turns AWS SDK errors into Temporal failures the workflow's retry policy understands:
 * throttling, 5xx and network faults are retryable (Temporal backs off and tries again);
 * validation and other client faults fail at once, carrying AWS's own message. Which is which is
 * the SDK's own classification (@smithy/core/retry); only SageMaker's message patterns are ours.
 */
import { isServerError, isThrottlingError, isTransientError } from '@smithy/core/retry';
import { ApplicationFailure } from '@temporalio/activity';
import { ApplicationFailureCategory } from '@temporalio/common';
import { ErrorTypes } from '../src/shared/activity-contracts';

/** ApplicationFailure type of a fault that another attempt may not see (throttling, 5xx, network). */
export const AWS_TRANSIENT = 'AwsTransient';

/** The fields every AWS SDK v3 service exception carries (duck-typed: each client has its own base class). */
interface AwsErrorShape {
  name: string;
  message: string;
  $fault?: 'client' | 'server';
  $metadata?: { httpStatusCode?: number };
  $retryable?: { throttling?: boolean };
}

function asAwsError(err: unknown): AwsErrorShape | undefined {
  if (!(err instanceof Error)) return undefined;
  return err;
}

/** The SDK's own judgement (the one its retry strategy uses): throttling names, 429, the throttling trait. */
export function isThrottling(err: unknown): boolean {
  const e = asAwsError(err);
  return e !== undefined && isThrottlingError(e);
}

/**
 * True when another attempt could succeed without anything changing on our side: throttling, 5xx,
 * timeouts and network faults, as the SDK's retry strategy classifies them.
 */
export function isTransient(err: unknown): boolean {
  const e = asAwsError(err);
  if (!e) return false;
  return isThrottlingError(e) || isTransientError(e) || isServerError(e);
}

/** SageMaker reports most missing resources as ValidationException, a few as ResourceNotFound. */
export function isNotFound(err: unknown): boolean {
  const e = asAwsError(err);
  if (!e) return false;
  if (e.name === 'ResourceNotFound' || e.name === 'ResourceNotFoundException') return true;
  return e.name === 'ValidationException' && /could not find|does not exist|not found/i.test(e.message);
}

/** e.g. 'Cannot create already existing model "m".', 'Model Package Group already exists'. */
export function isAlreadyExists(err: unknown): boolean {
  const e = asAwsError(err);
  if (!e) return false;
  if (e.name === 'ResourceInUse' || e.name === 'ConflictException') return /already exist/i.test(e.message);
  return e.name === 'ValidationException' && /already exist/i.test(e.message);
}

/** SageMaker refuses to change an endpoint while it is Creating or Updating. */
export function isEndpointBusy(err: unknown): boolean {
  const e = asAwsError(err);
  if (!e) return false;
  return (
    e.name === 'ValidationException' && /in-progress|in progress|status (creating|updating)/i.test(e.message)
  );
}

/**
 * The failure to throw for an AWS error raised by `operation`. Non-AWS errors (our own
 * ApplicationFailures, programming errors) pass through unchanged.
 */
export function classifyAwsError(operation: string, err: unknown): Error {
  if (err instanceof ApplicationFailure) return err;
  const e = asAwsError(err);
  if (!e) return new Error(`${operation}: ${String(err)}`);
  if (isTransient(e)) {
    const why = isThrottling(e) ? 'throttled' : 'transient fault';
    return ApplicationFailure.create({
      message: `${operation} ${why}: ${e.name}: ${e.message}`,
      type: AWS_TRANSIENT,
      nonRetryable: false,
      cause: e,
    });
  }
  if (!e.$fault && !e.$metadata) return e; // not from an AWS client: a bug, let Temporal report it as is
  return ApplicationFailure.create({
    message: `${operation}: ${e.message}`,
    type: ErrorTypes.Validation,
    nonRetryable: true,
    details: [{ operation, awsError: e.name, httpStatusCode: e.$metadata?.httpStatusCode }],
  });
}

/** Runs one AWS call, classifying its failure. */
export async function aws<T>(operation: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    throw classifyAwsError(operation, err);
  }
}

/** The pages of an SDK paginator (`paginateListModels(…)` etc.), a failing page's error classified. */
export async function* awsPages<P>(operation: string, pages: AsyncIterable<P>): AsyncGenerator<P> {
  try {
    for await (const page of pages) yield page;
  } catch (err) {
    throw classifyAwsError(operation, err);
  }
}

/** Runs one AWS call whose "not found" is an answer, not a failure (describe, delete). */
export async function awsOrNotFound<T>(operation: string, call: () => Promise<T>): Promise<T | null> {
  try {
    return await call();
  } catch (err) {
    if (isNotFound(err)) return null;
    throw classifyAwsError(operation, err);
  }
}

/**
 * The expected answer of a poll (the retry policy is the poll loop), so BENIGN: the SDK logs it at
 * DEBUG instead of a WARN "Activity failed" per poll, and counts it apart from real failures.
 */
export function endpointNotReady(message: string): ApplicationFailure {
  return ApplicationFailure.create({
    message,
    type: ErrorTypes.EndpointNotReady,
    nonRetryable: false,
    category: ApplicationFailureCategory.BENIGN,
  });
}

export function validationFailure(message: string, ...details: unknown[]): ApplicationFailure {
  return ApplicationFailure.nonRetryable(message, ErrorTypes.Validation, ...details);
}
