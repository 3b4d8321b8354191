/**
 * End-to-end set-up: the lifecycle workflow on the run's Temporal server, a worker with the real
 * activities and real AWS SDK clients, and the AWS emulator in this process with second-scale
 * delays and metric periods. Production endpoints are seeded the way an earlier release would have
 * left them: an approved package, its model, a one-variant endpoint, and users sending traffic.
 */
import { randomUUID } from 'node:crypto';
import {
  CreateEndpointCommand,
  CreateEndpointConfigCommand,
  CreateModelCommand,
  CreateModelPackageCommand,
  CreateModelPackageGroupCommand,
  DescribeEndpointCommand,
} from '@aws-sdk/client-sagemaker';
import { createActivities, createAwsClients, type AwsClients } from '../../../activities';
import { EMULATOR_EXECUTION_ROLE_ARN } from '../../../src/config';
import { startEmulator, type Emulator } from '@model-version-lifecycle/sagemaker-emulator';
import type { LifecycleRequest } from '../../../src/shared/lifecycle-input';
import { connectTestTemporal, type TestTemporal } from '../../helpers/temporal';

export interface EmulatorHarness {
  temporal: TestTemporal;
  emulator: Emulator;
  aws: AwsClients;
  /** Users of `endpointName`: the emulator's traffic generator invokes it at `ratePerSecond`. */
  sendTraffic(endpointName: string, ratePerSecond: number): void;
  stop(): Promise<void>;
}

export const TRAFFIC_PER_SECOND = 80;

/** Endpoint delays: a longer one makes every wait for InService poll (EndpointNotReady) a few times. */
export async function startEmulatorHarness(
  delays: { createDelayMs?: number; updateDelayMs?: number } = {},
): Promise<EmulatorHarness> {
  process.env.AWS_ACCESS_KEY_ID ??= 'test';
  process.env.AWS_SECRET_ACCESS_KEY ??= 'test';
  const emulator = await startEmulator({
    port: 0,
    metricPeriodSeconds: 1,
    createDelayMs: delays.createDelayMs ?? 300,
    updateDelayMs: delays.updateDelayMs ?? 300,
  });
  const aws = createAwsClients({ region: 'us-east-1', endpoint: emulator.url });
  const temporal = await connectTestTemporal();
  const worker = await temporal.startWorker(
    createActivities({
      ...aws,
      executionRoleArn: EMULATOR_EXECUTION_ROLE_ARN,
      temporal: { client: temporal.client, taskQueue: temporal.taskQueue },
    }),
  );
  return {
    temporal,
    emulator,
    aws,
    sendTraffic(endpointName, ratePerSecond) {
      const traffic = emulator.state.traffic;
      traffic.setRules([
        ...traffic.rules.filter((r) => r.endpoint !== endpointName),
        { endpoint: endpointName, ratePerSecond },
      ]);
    },
    async stop() {
      await worker.stop();
      await temporal.close();
      await emulator.close();
    },
  };
}

/**
 * The health policy of these tests: one-second periods, and a false-rollback budget of 1e-4 per
 * lifecycle instead of 1 %. These tests are about the lifecycle, not the judge's error rates (which
 * `npm run bench:judge` measures): across the suite's dozens of good versions the default budget would
 * roll one back in a few per cent of runs, by design. The regressions tests inject (every request
 * failing, 300 ms against 40 ms) are far beyond what the smaller budget can miss.
 */
export const EMULATOR_HEALTH = {
  metricPeriodSeconds: 1,
  minInvocations: 20,
  maxWaitForEvidenceSeconds: 30,
  falseRollbackBudget: 1e-4,
};

/** A request whose health policy fits the emulator's 1 s metric period and the test's traffic. */
export function emulatorRequest(
  overrides: { environment?: Record<string, string>; group?: string; endpoint?: string } = {},
): LifecycleRequest {
  const id = randomUUID().slice(0, 8);
  return {
    modelPackageGroup: overrides.group ?? `e2e-${id}`,
    idempotencyKey: `train-${id}`,
    registeredBy: 'pipeline@ml',
    artifactUri: `s3://models/${id}/model.tar.gz`,
    inferenceImage: '123456789012.dkr.ecr.us-east-1.amazonaws.com/churn:2',
    environment: { EMULATOR_LATENCY_MS: '40', ...overrides.environment },
    metrics: { auc: 0.91 },
    lineage: {
      datasetUri: 's3://data/churn',
      datasetVersion: '8',
      codeCommit: 'def456',
      trainingJobName: `train-${id}`,
    },
    samplePayloads: [{ contentType: 'application/json', body: '{"instances":[[0.2,0.8]]}' }],
    deployment: {
      productionEndpointName: overrides.endpoint ?? `e2e-${id}-prod`,
      bakeSeconds: 5,
      healthCheckIntervalSeconds: 1,
      endpointPollSeconds: 1,
      health: EMULATOR_HEALTH,
      // Tests of the watch set their own; the others end at promotion.
      watchSeconds: 0,
    },
  };
}

/** v1 of `group` serving `endpointName` alone (variant v1), InService, with traffic flowing. */
export async function seedProduction(
  h: EmulatorHarness,
  group: string,
  endpointName: string,
  instanceCount = 1,
): Promise<string> {
  const sm = h.aws.sagemaker;
  await sm.send(new CreateModelPackageGroupCommand({ ModelPackageGroupName: group }));
  const { ModelPackageArn } = await sm.send(
    new CreateModelPackageCommand({
      ModelPackageGroupName: group,
      ModelApprovalStatus: 'Approved',
      InferenceSpecification: {
        Containers: [{ Image: 'churn:1', Environment: { EMULATOR_LATENCY_MS: '40' } }],
        SupportedContentTypes: ['application/json'],
        SupportedResponseMIMETypes: ['application/json'],
      },
      CustomerMetadataProperties: {
        'metric:auc': '0.88',
        registeredBy: 'pipeline@ml',
        ServingEndpoint: endpointName,
        ServingSince: new Date().toISOString(),
      },
    }),
  );
  const modelName = `${group}-v1-seed`;
  await sm.send(
    new CreateModelCommand({
      ModelName: modelName,
      ExecutionRoleArn: EMULATOR_EXECUTION_ROLE_ARN,
      PrimaryContainer: { ModelPackageName: ModelPackageArn },
    }),
  );
  await sm.send(
    new CreateEndpointConfigCommand({
      EndpointConfigName: modelName,
      ProductionVariants: [
        {
          VariantName: 'v1',
          ModelName: modelName,
          InitialInstanceCount: instanceCount,
          InstanceType: 'ml.m5.large',
          InitialVariantWeight: 1,
        },
      ],
    }),
  );
  await sm.send(new CreateEndpointCommand({ EndpointName: endpointName, EndpointConfigName: modelName }));
  await waitForEndpoint(h, endpointName, (s) => s === 'InService');
  h.sendTraffic(endpointName, TRAFFIC_PER_SECOND);
  return ModelPackageArn!;
}

export async function waitForEndpoint(
  h: EmulatorHarness,
  endpointName: string,
  ok: (status: string) => boolean,
): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const d = await h.aws.sagemaker.send(new DescribeEndpointCommand({ EndpointName: endpointName }));
    if (ok(d.EndpointStatus ?? '')) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`endpoint ${endpointName} never reached the expected status`);
}
