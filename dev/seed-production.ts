/**
 * The local stack's "already in production" world: a v0 model serving a production endpoint on the
 * emulator, so there is live traffic from the first second. Idempotent: a restart finds it.
 *
 * v0 is registered as the product would have left it: an Approved package in the Model Registry,
 * marked as serving the endpoint. A canary starts only next to such a version, so a lifecycle
 * started on this endpoint can ramp next to v0 like on any endpoint the product deployed itself.
 */
import {
  CreateEndpointCommand,
  CreateEndpointConfigCommand,
  CreateModelCommand,
  CreateModelPackageCommand,
  CreateModelPackageGroupCommand,
  DescribeEndpointCommand,
  waitUntilEndpointInService,
  type SageMakerClient,
} from '@aws-sdk/client-sagemaker';
import { isAlreadyExists, isNotFound } from '../activities/aws-errors';
import { MetadataKeys } from '../activities/registry-metadata';

export interface SeedOptions {
  endpointName: string;
  executionRoleArn: string;
  /** The group v0 is registered in; by default the endpoint's name without "-prod". */
  modelPackageGroup?: string;
}

async function registerServingVersion(sagemaker: SageMakerClient, group: string, endpointName: string) {
  try {
    await sagemaker.send(new CreateModelPackageGroupCommand({ ModelPackageGroupName: group }));
  } catch (err) {
    if (!isAlreadyExists(err)) throw err;
  }
  const { ModelPackageArn } = await sagemaker.send(
    new CreateModelPackageCommand({
      ModelPackageGroupName: group,
      ModelPackageDescription: 'v0: in production before the lifecycle service',
      ModelApprovalStatus: 'Approved',
      ClientToken: `seed-${endpointName}`.replace(/[^a-zA-Z0-9-]/g, '-').slice(0, 36),
      InferenceSpecification: {
        Containers: [
          {
            Image: '123456789012.dkr.ecr.us-east-1.amazonaws.com/churn:v0',
            ModelDataUrl: 's3://models/churn/v0/model.tar.gz',
            Environment: { EMULATOR_ERROR_RATE: '0', EMULATOR_LATENCY_MS: '40' },
          },
        ],
        SupportedContentTypes: ['application/json'],
        SupportedResponseMIMETypes: ['application/json'],
      },
      CustomerMetadataProperties: {
        [MetadataKeys.registeredBy]: 'seed',
        [MetadataKeys.servingEndpoint]: endpointName,
        [MetadataKeys.servingSince]: new Date().toISOString(),
      },
    }),
  );
  if (!ModelPackageArn) throw new Error('CreateModelPackage returned no ModelPackageArn');
  return ModelPackageArn;
}

/**
 * Seeds the endpoint if it is missing, and returns once it is InService: the stack announces itself
 * only when production serves, so a first request after the banner never meets a Creating endpoint.
 */
export async function seedProductionEndpoint(
  sagemaker: SageMakerClient,
  options: SeedOptions,
): Promise<'created' | 'exists'> {
  const seeded = await createUnlessPresent(sagemaker, options);
  await waitUntilEndpointInService(
    { client: sagemaker, minDelay: 1, maxDelay: 2, maxWaitTime: 120 },
    { EndpointName: options.endpointName },
  );
  return seeded;
}

async function createUnlessPresent(
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
  const group = options.modelPackageGroup ?? options.endpointName.replace(/-prod$/, '');
  const modelPackageArn = await registerServingVersion(sagemaker, group, options.endpointName);
  try {
    await sagemaker.send(
      new CreateModelCommand({
        ModelName: modelName,
        ExecutionRoleArn: options.executionRoleArn,
        PrimaryContainer: { ModelPackageName: modelPackageArn },
      }),
    );
  } catch (err) {
    if (!isAlreadyExists(err)) throw err; // a restart after a partial seed
  }
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
