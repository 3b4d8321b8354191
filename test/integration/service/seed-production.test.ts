import { DescribeEndpointCommand } from '@aws-sdk/client-sagemaker';
import { startEmulator } from '@model-version-lifecycle/sagemaker-emulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAwsClients } from '../../../activities';
import { seedProductionEndpoint } from '../../../dev/seed-production';
import { EMULATOR_EXECUTION_ROLE_ARN } from '../../../src/config';

let emulator: Awaited<ReturnType<typeof startEmulator>>;
let sagemaker: ReturnType<typeof createAwsClients>['sagemaker'];
beforeAll(async () => {
  // Creating lasts long enough that a seed which returned at CreateEndpoint would be caught Creating.
  emulator = await startEmulator({ port: 0, createDelayMs: 2500 });
  process.env.AWS_ACCESS_KEY_ID ??= 'test';
  process.env.AWS_SECRET_ACCESS_KEY ??= 'test';
  sagemaker = createAwsClients({ region: 'us-east-1', endpoint: emulator.url }).sagemaker;
});
afterAll(async () => emulator?.close());

const status = async (name: string) =>
  (await sagemaker.send(new DescribeEndpointCommand({ EndpointName: name }))).EndpointStatus;

describe('the local stack seed', () => {
  it('returns only once the production endpoint serves, and finds it serving on the next start', async () => {
    const options = { endpointName: 'seed-prod', executionRoleArn: EMULATOR_EXECUTION_ROLE_ARN };
    expect(await seedProductionEndpoint(sagemaker, options)).toBe('created');
    expect(await status('seed-prod')).toBe('InService');
    expect(await seedProductionEndpoint(sagemaker, options)).toBe('exists');
    expect(await status('seed-prod')).toBe('InService');
  });
});
