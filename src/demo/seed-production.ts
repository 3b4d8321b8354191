/**
 * The local stack's "already in production" world: a v0 model serving a production endpoint on the
 * emulator, so there is live traffic from the first second. Idempotent: a restart finds it.
 */
import {
  CreateEndpointCommand,
  CreateEndpointConfigCommand,
  CreateModelCommand,
  DescribeEndpointCommand,
  type SageMakerClient,
} from '@aws-sdk/client-sagemaker';
import { isNotFound } from '../../activities/aws-errors';

export interface SeedOptions {
  endpointName: string;
  executionRoleArn: string;
}

export async function seedProductionEndpoint(
  sagemaker: SageMakerClient,
  options: SeedOptions,
): Promise<'created' | 'exists'> {
  try {
    await sagemaker.send(new DescribeEndpointCommand({ EndpointName: options.endpointName }));
    return 'exists';
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
  const modelName = `${options.endpointName}-v0`;
  await sagemaker.send(
    new CreateModelCommand({
      ModelName: modelName,
      ExecutionRoleArn: options.executionRoleArn,
      PrimaryContainer: {
        Image: '123456789012.dkr.ecr.us-east-1.amazonaws.com/churn:v0',
        ModelDataUrl: 's3://models/churn/v0/model.tar.gz',
        Environment: { EMULATOR_ERROR_RATE: '0', EMULATOR_LATENCY_MS: '40' },
      },
    }),
  );
  await sagemaker.send(
    new CreateEndpointConfigCommand({
      EndpointConfigName: modelName,
      ProductionVariants: [
        {
          VariantName: 'v0',
          ModelName: modelName,
          InitialInstanceCount: 1,
          InstanceType: 'ml.m5.large',
          InitialVariantWeight: 1,
        },
      ],
    }),
  );
  await sagemaker.send(
    new CreateEndpointCommand({ EndpointName: options.endpointName, EndpointConfigName: modelName }),
  );
  return 'created';
}
