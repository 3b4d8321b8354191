import { ApplicationFailure } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import {
  AWS_TRANSIENT,
  classifyAwsError,
  isAlreadyExists,
  isEndpointBusy,
  isNotFound,
} from '../../../activities/aws-errors';
import { ErrorTypes } from '../../../src/shared/activity-contracts';
import { awsError } from './helpers';

function classify(err: unknown): ApplicationFailure {
  const out = classifyAwsError('CreateModel', err);
  expect(out).toBeInstanceOf(ApplicationFailure);
  return out as ApplicationFailure;
}

describe('AWS error classification', () => {
  it.each([
    ['ThrottlingException', 400],
    ['ThrottledException', 400],
    ['TooManyRequestsException', 429],
    ['RequestLimitExceeded', 400],
  ])('%s is retryable', (name, status) => {
    const f = classify(awsError(name, 'Rate exceeded', { status }));
    expect(f.nonRetryable).toBe(false);
    expect(f.type).toBe(AWS_TRANSIENT);
    expect(f.message).toContain('CreateModel throttled');
    expect(f.message).toContain('Rate exceeded');
  });

  it('honours the SDK throttling trait on an unfamiliar name', () => {
    const f = classify(awsError('SomeNewThrottle', 'slow down', { throttling: true }));
    expect(f.nonRetryable).toBe(false);
  });

  it('5xx server faults are retryable', () => {
    const f = classify(awsError('InternalFailure', 'We encountered an internal error', { status: 500 }));
    expect(f.nonRetryable).toBe(false);
    expect(f.type).toBe(AWS_TRANSIENT);
    const unavailable = classify(awsError('ServiceUnavailable', 'try later', { status: 503 }));
    expect(unavailable.nonRetryable).toBe(false);
  });

  it('network failures are retryable', () => {
    const err = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:4566'), {
      code: 'ECONNREFUSED',
      $metadata: { attempts: 3 },
    });
    expect(classify(err).nonRetryable).toBe(false);
  });

  it('ValidationException is non-retryable and carries AWS message and the operation', () => {
    const aws = 'Could not access model data at s3://bucket/model.tar.gz.';
    const f = classify(awsError('ValidationException', aws));
    expect(f.nonRetryable).toBe(true);
    expect(f.type).toBe(ErrorTypes.Validation);
    expect(f.message).toBe(`CreateModel: ${aws}`);
    expect(f.details?.[0]).toMatchObject({ operation: 'CreateModel', awsError: 'ValidationException' });
  });

  it('other client faults (quota, access) are non-retryable', () => {
    expect(classify(awsError('ResourceLimitExceeded', 'quota', { status: 400 })).nonRetryable).toBe(true);
    expect(classify(awsError('AccessDeniedException', 'denied', { status: 403 })).nonRetryable).toBe(true);
  });

  it('passes our own failures and programming errors through unchanged', () => {
    const own = ApplicationFailure.nonRetryable('mine', 'Mine');
    expect(classifyAwsError('Op', own)).toBe(own);
    const bug = new TypeError('x is undefined');
    expect(classifyAwsError('Op', bug)).toBe(bug);
  });

  it('recognises SageMaker "not found" and "already exists" answers', () => {
    expect(isNotFound(awsError('ValidationException', 'Could not find endpoint "prod".'))).toBe(true);
    expect(isNotFound(awsError('ResourceNotFound', 'Model package not found'))).toBe(true);
    expect(isNotFound(awsError('ValidationException', 'Invalid instance type'))).toBe(false);
    expect(
      isAlreadyExists(awsError('ValidationException', 'Cannot create already existing model "m".')),
    ).toBe(true);
    expect(isAlreadyExists(awsError('ValidationException', 'Model Package Group already exists: g'))).toBe(
      true,
    );
    expect(isAlreadyExists(awsError('ThrottlingException', 'already exists'))).toBe(false);
    expect(
      isEndpointBusy(awsError('ValidationException', 'Cannot update in-progress endpoint "prod".')),
    ).toBe(true);
  });
});
