import { describe, expect, it } from 'vitest';
import { activityConfigFromEnv, EMULATOR_EXECUTION_ROLE_ARN } from '../../../activities/config';

describe('activityConfigFromEnv', () => {
  it('reads the role and webhook', () => {
    const config = activityConfigFromEnv({
      SAGEMAKER_EXECUTION_ROLE_ARN: 'arn:aws:iam::1:role/r',
      NOTIFY_WEBHOOK_URL: 'https://hooks.example.com/x',
    });
    expect(config).toMatchObject({
      executionRoleArn: 'arn:aws:iam::1:role/r',
      webhookUrl: 'https://hooks.example.com/x',
    });
  });

  it('requires the role on real AWS, defaults it for an emulator', () => {
    expect(() => activityConfigFromEnv({})).toThrow(/SAGEMAKER_EXECUTION_ROLE_ARN is required/);
    expect(activityConfigFromEnv({ AWS_ENDPOINT_URL: 'http://127.0.0.1:4566' }).executionRoleArn).toBe(
      EMULATOR_EXECUTION_ROLE_ARN,
    );
  });

  it('refuses a malformed request timeout', () => {
    expect(() =>
      activityConfigFromEnv({ SAGEMAKER_EXECUTION_ROLE_ARN: 'r', AWS_REQUEST_TIMEOUT_MS: 'soon' }),
    ).toThrow(/AWS_REQUEST_TIMEOUT_MS/);
  });
});
