/**
 * The revert planner against the local emulator (the real SDK client on the wire), with list pages of
 * one item: the group's packages and models are read through every page, so a target on a later page
 * is found and a pruned one is still refused.
 */
import {
  CreateEndpointCommand,
  CreateEndpointConfigCommand,
  CreateModelCommand,
  CreateModelPackageCommand,
  CreateModelPackageGroupCommand,
  DeleteModelCommand,
} from '@aws-sdk/client-sagemaker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAwsClients } from '../../../activities';
import { MetadataKeys } from '../../../activities/registry-metadata';
import { planRevert } from '../../../activities/revert-plan';
import { ErrorTypes } from '../../../src/shared/activity-contracts';
import { EMULATOR_EXECUTION_ROLE_ARN } from '../../../src/config';
import {
  CREATE_DELAY_MS,
  startEmulatorWithClock,
  type EmulatorWithClock,
} from '../../helpers/emulator-with-clock';
import { failureOf } from './helpers';

const GROUP = 'rp-churn';
const ENDPOINT = 'rp-prod';

let f: EmulatorWithClock;
const arns: string[] = [];
beforeAll(async () => {
  f = await startEmulatorWithClock();
  const sm = f.aws.sagemaker;
  await sm.send(new CreateModelPackageGroupCommand({ ModelPackageGroupName: GROUP }));
  // v1 and v2 approved and retired from the endpoint (v2 most recently), v3 rejected, v4 serving.
  const metadata: Record<number, Record<string, string>> = {
    1: { [MetadataKeys.retiredFrom]: ENDPOINT, [MetadataKeys.retiredAt]: '2024-05-01T00:00:00.000Z' },
    2: { [MetadataKeys.retiredFrom]: ENDPOINT, [MetadataKeys.retiredAt]: '2024-06-01T00:00:00.000Z' },
    3: {},
    4: { [MetadataKeys.servingEndpoint]: ENDPOINT },
  };
  for (const version of [1, 2, 3, 4]) {
    const { ModelPackageArn } = await sm.send(
      new CreateModelPackageCommand({
        ModelPackageGroupName: GROUP,
        ModelApprovalStatus: version === 3 ? 'Rejected' : 'Approved',
        InferenceSpecification: {
          Containers: [{ Image: `churn:${version}` }],
          SupportedContentTypes: ['application/json'],
          SupportedResponseMIMETypes: ['application/json'],
        },
        ...(Object.keys(metadata[version]!).length > 0
          ? { CustomerMetadataProperties: metadata[version] }
          : {}),
      }),
    );
    arns.push(ModelPackageArn!);
    await sm.send(
      new CreateModelCommand({
        ModelName: `${GROUP}-v${version}`,
        ExecutionRoleArn: EMULATOR_EXECUTION_ROLE_ARN,
        PrimaryContainer: { ModelPackageName: ModelPackageArn },
      }),
    );
  }
  // Models of the group not made from any of its packages: more pages to read past.
  for (let i = 0; i < 3; i++) {
    await sm.send(
      new CreateModelCommand({
        ModelName: `${GROUP}-scratch-${i}`,
        ExecutionRoleArn: EMULATOR_EXECUTION_ROLE_ARN,
        PrimaryContainer: { Image: 'scratch:1' },
      }),
    );
  }
  await sm.send(
    new CreateEndpointConfigCommand({
      EndpointConfigName: `${GROUP}-v4`,
      ProductionVariants: [
        {
          VariantName: 'v4',
          ModelName: `${GROUP}-v4`,
          InitialInstanceCount: 2,
          InstanceType: 'ml.c5.xlarge',
        },
      ],
    }),
  );
  await sm.send(new CreateEndpointCommand({ EndpointName: ENDPOINT, EndpointConfigName: `${GROUP}-v4` }));
  f.clock.advance(CREATE_DELAY_MS);
});
afterAll(async () => f?.close());

/** A SageMaker client on the emulator whose list answers hold one item a page; counts the pages read. */
function onePerPage() {
  const { sagemaker } = createAwsClients({ region: 'us-east-1', endpoint: f.emulator.url, maxAttempts: 2 });
  const pages = { ListModels: 0, ListModelPackages: 0 };
  sagemaker.middlewareStack.add(
    (next, context) => (args) => {
      const operation = (context.commandName ?? '').replace(/Command$/, '');
      if (operation === 'ListModels' || operation === 'ListModelPackages') {
        (args.input as { MaxResults?: number }).MaxResults = 1;
        pages[operation]++;
      }
      return next(args);
    },
    { step: 'initialize', name: 'onePerPage' },
  );
  return { sagemaker, pages };
}

describe('planRevert over paged lists', () => {
  it('finds the version retired last, and its model, past the first page of each list', async () => {
    const client = onePerPage();
    const plan = await planRevert(client.sagemaker, { endpointName: ENDPOINT });
    expect(plan).toMatchObject({
      modelPackageGroup: GROUP,
      instanceType: 'ml.c5.xlarge',
      from: { modelPackageArn: arns[3], modelVersion: 4, modelName: `${GROUP}-v4`, instanceCount: 2 },
      to: { modelPackageArn: arns[1], modelVersion: 2, modelName: `${GROUP}-v2` },
    });
    expect(client.pages.ListModelPackages).toBe(4);
    expect(client.pages.ListModels).toBeGreaterThan(1);
  });

  it('finds a named version on any page', async () => {
    const client = onePerPage();
    const plan = await planRevert(client.sagemaker, { endpointName: ENDPOINT, toVersion: 1 });
    expect(plan.to).toEqual({ modelPackageArn: arns[0], modelVersion: 1, modelName: `${GROUP}-v1` });
  });

  it('refuses a version whose model was pruned after reading every page of models', async () => {
    await f.aws.sagemaker.send(new DeleteModelCommand({ ModelName: `${GROUP}-v1` }));
    const client = onePerPage();
    const failure = await failureOf(planRevert(client.sagemaker, { endpointName: ENDPOINT, toVersion: 1 }));
    expect(failure.type).toBe(ErrorTypes.NoRevertTarget);
    expect(failure.message).toContain('was pruned');
    expect(client.pages.ListModels).toBe(6); // v2, v3, v4 and three scratch models: one a page
  });
});
