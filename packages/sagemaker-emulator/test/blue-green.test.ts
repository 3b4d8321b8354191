/**
 * Contract: UpdateEndpoint with a DeploymentConfig (deployment guardrails) through the stock SDK
 * clients, on a clock the test moves: green provisioned, traffic shifted by the policy, the update
 * completing after the bakes and the termination wait, and an alarm in ALARM rolling it back.
 */
import { PutMetricAlarmCommand } from '@aws-sdk/client-cloudwatch';
import {
  CreateEndpointCommand,
  CreateEndpointConfigCommand,
  DescribeEndpointCommand,
  UpdateEndpointCommand,
  type DeploymentConfig,
} from '@aws-sdk/client-sagemaker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CREATE_DELAY_MS,
  createModels,
  errorOf,
  startFixture,
  UPDATE_DELAY_MS,
  type EmulatorFixture,
} from './emulator-fixture';

let f: EmulatorFixture;
beforeAll(async () => {
  f = await startFixture();
  await createModels(f, {
    'bg-blue': { EMULATOR_LATENCY_MS: '5' },
    'bg-green': { EMULATOR_LATENCY_MS: '5' },
    'bg-broken': { EMULATOR_LATENCY_MS: '5', EMULATOR_ERROR_RATE: '1' },
  });
});
afterAll(async () => f?.close());

async function config(name: string, variantName: string, modelName: string) {
  await f.aws.sagemaker.send(
    new CreateEndpointConfigCommand({
      EndpointConfigName: name,
      ProductionVariants: [
        { VariantName: variantName, ModelName: modelName, InitialVariantWeight: 1, InitialInstanceCount: 2 },
      ],
    }),
  );
}

async function blueEndpoint(name: string) {
  await config(`${name}-blue`, 'v1', 'bg-blue');
  await f.aws.sagemaker.send(
    new CreateEndpointCommand({ EndpointName: name, EndpointConfigName: `${name}-blue` }),
  );
  f.clock.advance(CREATE_DELAY_MS);
}

const describeEndpoint = (name: string) =>
  f.aws.sagemaker.send(new DescribeEndpointCommand({ EndpointName: name }));

/** Green's share of `n` in-process invocations. */
function greenShare(endpointName: string, green: string, n = 2000): number {
  let hits = 0;
  for (let i = 0; i < n; i++) {
    if (f.emulator.state.invocations.invoke({ endpointName, body: '{}' }).variantName === green) hits++;
  }
  return hits / n;
}

const canary = (alarms: string[] = []): DeploymentConfig => ({
  BlueGreenUpdatePolicy: {
    TrafficRoutingConfiguration: {
      Type: 'CANARY',
      CanarySize: { Type: 'CAPACITY_PERCENT', Value: 20 },
      WaitIntervalInSeconds: 10,
    },
    TerminationWaitInSeconds: 5,
    MaximumExecutionTimeoutInSeconds: 600,
  },
  AutoRollbackConfiguration: { Alarms: alarms.map((AlarmName) => ({ AlarmName })) },
});

describe('UpdateEndpoint with a blue/green DeploymentConfig', () => {
  it('shifts a canary share, then all traffic, and completes after the bake and termination wait', async () => {
    await blueEndpoint('bg-canary');
    await config('bg-canary-green', 'v2', 'bg-green');
    await f.aws.sagemaker.send(
      new UpdateEndpointCommand({
        EndpointName: 'bg-canary',
        EndpointConfigName: 'bg-canary-green',
        DeploymentConfig: canary(),
      }),
    );
    expect(
      (await describeEndpoint('bg-canary')).LastDeploymentConfig?.BlueGreenUpdatePolicy
        ?.TrafficRoutingConfiguration?.Type,
    ).toBe('CANARY');
    expect(greenShare('bg-canary', 'v2')).toBe(0); // green still provisioning
    f.clock.advance(UPDATE_DELAY_MS);
    const atCanary = greenShare('bg-canary', 'v2');
    expect(atCanary).toBeGreaterThan(0.16);
    expect(atCanary).toBeLessThan(0.24);
    expect((await describeEndpoint('bg-canary')).EndpointStatus).toBe('Updating');
    f.clock.advance(10_000);
    expect(greenShare('bg-canary', 'v2')).toBe(1);
    f.clock.advance(10_000); // the final bake
    expect((await describeEndpoint('bg-canary')).EndpointStatus).toBe('Updating'); // termination wait
    f.clock.advance(5_000);
    const done = await describeEndpoint('bg-canary');
    expect(done.EndpointStatus).toBe('InService');
    expect(done.EndpointConfigName).toBe('bg-canary-green');
    expect(done.ProductionVariants?.map((v) => v.VariantName)).toEqual(['v2']);
    expect(done.LastDeploymentConfig?.AutoRollbackConfiguration?.Alarms).toEqual([]);
  });

  it('shifts linear steps', async () => {
    await blueEndpoint('bg-linear');
    await config('bg-linear-green', 'v2', 'bg-green');
    await f.aws.sagemaker.send(
      new UpdateEndpointCommand({
        EndpointName: 'bg-linear',
        EndpointConfigName: 'bg-linear-green',
        DeploymentConfig: {
          BlueGreenUpdatePolicy: {
            TrafficRoutingConfiguration: {
              Type: 'LINEAR',
              LinearStepSize: { Type: 'CAPACITY_PERCENT', Value: 50 },
              WaitIntervalInSeconds: 10,
            },
          },
        },
      }),
    );
    f.clock.advance(UPDATE_DELAY_MS);
    const first = greenShare('bg-linear', 'v2');
    expect(first).toBeGreaterThan(0.45);
    expect(first).toBeLessThan(0.55);
    f.clock.advance(10_000);
    expect(greenShare('bg-linear', 'v2')).toBe(1);
    f.clock.advance(10_000);
    expect((await describeEndpoint('bg-linear')).EndpointConfigName).toBe('bg-linear-green');
  });

  it('rolls back to the old config when an alarm of the AutoRollbackConfiguration is in ALARM', async () => {
    await blueEndpoint('bg-alarm');
    await config('bg-alarm-green', 'v2', 'bg-broken');
    await f.aws.cloudwatch.send(
      new PutMetricAlarmCommand({
        AlarmName: 'bg-alarm-v2-5xx',
        Namespace: 'AWS/SageMaker',
        MetricName: 'Invocation5XXErrors',
        Dimensions: [
          { Name: 'EndpointName', Value: 'bg-alarm' },
          { Name: 'VariantName', Value: 'v2' },
        ],
        Statistic: 'Average',
        Period: 1,
        EvaluationPeriods: 1,
        Threshold: 0.1,
        ComparisonOperator: 'GreaterThanThreshold',
      }),
    );
    await f.aws.sagemaker.send(
      new UpdateEndpointCommand({
        EndpointName: 'bg-alarm',
        EndpointConfigName: 'bg-alarm-green',
        DeploymentConfig: canary(['bg-alarm-v2-5xx']),
      }),
    );
    f.clock.advance(UPDATE_DELAY_MS);
    greenShare('bg-alarm', 'v2', 500); // users meet the broken canary
    f.clock.advance(1_500); // the period closes: the alarm sees it
    const rolling = await describeEndpoint('bg-alarm');
    expect(rolling.EndpointStatus).toBe('RollingBack');
    expect(greenShare('bg-alarm', 'v2')).toBe(0);
    f.clock.advance(UPDATE_DELAY_MS);
    const back = await describeEndpoint('bg-alarm');
    expect(back.EndpointStatus).toBe('InService');
    expect(back.EndpointConfigName).toBe('bg-alarm-blue');
    expect(back.ProductionVariants?.map((v) => v.VariantName)).toEqual(['v1']);
    expect(back.FailureReason).toMatch(/rolled back because the alarm\(s\) bg-alarm-v2-5xx went into ALARM/);
    expect(back.LastDeploymentConfig?.AutoRollbackConfiguration?.Alarms).toEqual([
      { AlarmName: 'bg-alarm-v2-5xx' },
    ]);
  });

  it('refuses a canary larger than half the fleet', async () => {
    await blueEndpoint('bg-bad');
    await config('bg-bad-green', 'v2', 'bg-green');
    const config60 = canary();
    config60.BlueGreenUpdatePolicy!.TrafficRoutingConfiguration!.CanarySize!.Value = 60;
    const err = await errorOf(
      f.aws.sagemaker.send(
        new UpdateEndpointCommand({
          EndpointName: 'bg-bad',
          EndpointConfigName: 'bg-bad-green',
          DeploymentConfig: config60,
        }),
      ),
    );
    expect(err.name).toBe('ValidationException');
    expect(err.message).toMatch(/CanarySize/);
  });
});
