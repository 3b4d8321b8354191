import { ActivityFailure, ApplicationFailure, RetryState } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import { ErrorTypes } from '../../src/shared/activity-contracts';
import { awsRefusal, describeAwsRefusal } from '../../src/shared/aws-refusal';

const activityFailure = (cause: Error) =>
  new ActivityFailure(
    'Activity task failed',
    'registerModelVersion',
    '1',
    RetryState.NON_RETRYABLE_FAILURE,
    'worker',
    cause,
  );

describe('awsRefusal', () => {
  it("finds AWS's validation message under the activity failure, with operation and error name", () => {
    const cause = ApplicationFailure.create({
      message:
        'CreateModelPackage: 1 validation error detected: Value at ModelPackageDescription failed to satisfy constraint',
      type: ErrorTypes.Validation,
      nonRetryable: true,
      details: [{ operation: 'CreateModelPackage', awsError: 'ValidationException', httpStatusCode: 400 }],
    });
    const refusal = awsRefusal(activityFailure(cause));
    expect(refusal).toEqual({
      operation: 'CreateModelPackage',
      awsError: 'ValidationException',
      message: cause.message,
    });
    expect(describeAwsRefusal(refusal!)).toBe(
      `refused by AWS (CreateModelPackage ValidationException): ${cause.message}`,
    );
  });

  it('is undefined for other failures: throttling, timeouts, bugs', () => {
    expect(
      awsRefusal(activityFailure(ApplicationFailure.retryable('throttled', 'AwsTransient'))),
    ).toBeUndefined();
    expect(awsRefusal(new Error('boom'))).toBeUndefined();
    expect(awsRefusal(undefined)).toBeUndefined();
  });
});
