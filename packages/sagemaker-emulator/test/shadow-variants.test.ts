/**
 * Contract: shadow variants (`ShadowProductionVariants`) through the stock SDK clients. The config and
 * the endpoint describe them, invocations are mirrored to them by their weight relative to the
 * production variant's, the caller only ever gets the production variant's answer, and the shadow's
 * metrics are published under its own VariantName.
 */
import { GetMetricStatisticsCommand } from '@aws-sdk/client-cloudwatch';
import {
  CreateEndpointCommand,
  CreateEndpointConfigCommand,
  DescribeEndpointCommand,
  DescribeEndpointConfigCommand,
  UpdateEndpointCommand,
} from '@aws-sdk/client-sagemaker';
import { InvokeEndpointCommand } from '@aws-sdk/client-sagemaker-runtime';
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
    'sh-live': { EMULATOR_LATENCY_MS: '5' },
    'sh-broken': { EMULATOR_LATENCY_MS: '5', EMULATOR_ERROR_RATE: '1' },
  });
});
afterAll(async () => f?.close());

const variant = (VariantName: string, ModelName: string, InitialVariantWeight: number) => ({
  VariantName,
  ModelName,
  InitialVariantWeight,
  InitialInstanceCount: 1,
  InstanceType: 'ml.m5.large' as const,
});

async function shadowEndpoint(name: string, shadowWeight: number) {
  await f.aws.sagemaker.send(
    new CreateEndpointConfigCommand({
      EndpointConfigName: name,
      ProductionVariants: [variant('live', 'sh-live', 1)],
      ShadowProductionVariants: [variant('shadow', 'sh-broken', shadowWeight)],
    }),
  );
  await f.aws.sagemaker.send(new CreateEndpointCommand({ EndpointName: name, EndpointConfigName: name }));
  f.clock.advance(CREATE_DELAY_MS);
}

const served = (endpoint: string, variantName: string) =>
  f.emulator.state.invocations.counts.get(`${endpoint}/${variantName}`) ?? {
    invocations: 0,
    errors5xx: 0,
    errors4xx: 0,
  };

describe('shadow variants', () => {
  it('keeps ShadowProductionVariants in the config and describes them on the endpoint', async () => {
    await shadowEndpoint('sh-describe', 0.5);
    const config = await f.aws.sagemaker.send(
      new DescribeEndpointConfigCommand({ EndpointConfigName: 'sh-describe' }),
    );
    expect(
      config.ShadowProductionVariants?.map((v) => [v.VariantName, v.ModelName, v.InitialVariantWeight]),
    ).toEqual([['shadow', 'sh-broken', 0.5]]);
    const endpoint = await f.aws.sagemaker.send(new DescribeEndpointCommand({ EndpointName: 'sh-describe' }));
    expect(endpoint.ProductionVariants?.map((v) => v.VariantName)).toEqual(['live']);
    expect(endpoint.ShadowProductionVariants?.map((v) => [v.VariantName, v.CurrentWeight])).toEqual([
      ['shadow', 0.5],
    ]);
  });

  it('refuses a shadow variant beside more than one production variant', async () => {
    const err = await errorOf(
      f.aws.sagemaker.send(
        new CreateEndpointConfigCommand({
          EndpointConfigName: 'sh-two',
          ProductionVariants: [variant('a', 'sh-live', 1), variant('b', 'sh-live', 1)],
          ShadowProductionVariants: [variant('shadow', 'sh-broken', 1)],
        }),
      ),
    );
    expect(err.name).toBe('ValidationException');
    expect(err.message).toMatch(/exactly one variant/);
  });

  it('mirrors the weighted share of requests to the shadow and answers only from production', async () => {
    await shadowEndpoint('sh-mirror', 0.25);
    for (let i = 0; i < 20; i++) {
      const out = await f.aws.runtime.send(
        new InvokeEndpointCommand({
          EndpointName: 'sh-mirror',
          ContentType: 'application/json',
          Body: new TextEncoder().encode('{"instances":[[1]]}'),
        }),
      );
      // The shadow fails every request; the caller never sees it.
      expect(out.InvokedProductionVariant).toBe('live');
    }
    for (let i = 0; i < 3980; i++)
      f.emulator.state.invocations.invoke({ endpointName: 'sh-mirror', body: '{}' });
    const live = served('sh-mirror', 'live');
    const shadow = served('sh-mirror', 'shadow');
    expect(live).toMatchObject({ invocations: 4000, errors5xx: 0 });
    expect(shadow.invocations / live.invocations).toBeGreaterThan(0.22);
    expect(shadow.invocations / live.invocations).toBeLessThan(0.28);
    expect(shadow.errors5xx).toBe(shadow.invocations);
    expect(f.emulator.state.snapshot()).toMatchObject({
      endpoints: expect.arrayContaining([
        expect.objectContaining({
          name: 'sh-mirror',
          shadowVariants: [expect.objectContaining({ variantName: 'shadow', served: shadow })],
        }),
      ]),
    });
  });

  it('publishes the shadow variant metrics under its own VariantName', async () => {
    await shadowEndpoint('sh-metrics', 1);
    const start = f.clock.now();
    for (let i = 0; i < 50; i++)
      f.emulator.state.invocations.invoke({ endpointName: 'sh-metrics', body: '{}' });
    f.clock.advance(2000);
    const sum = async (VariantName: string, MetricName: string) => {
      const out = await f.aws.cloudwatch.send(
        new GetMetricStatisticsCommand({
          Namespace: 'AWS/SageMaker',
          MetricName,
          Dimensions: [
            { Name: 'EndpointName', Value: 'sh-metrics' },
            { Name: 'VariantName', Value: VariantName },
          ],
          StartTime: new Date(start - 1000),
          EndTime: new Date(f.clock.now()),
          Period: 1,
          Statistics: ['Sum'],
        }),
      );
      return (out.Datapoints ?? []).reduce((s, d) => s + (d.Sum ?? 0), 0);
    };
    expect(await sum('shadow', 'Invocations')).toBe(50);
    expect(await sum('shadow', 'Invocation5XXErrors')).toBe(50);
    expect(await sum('live', 'Invocation5XXErrors')).toBe(0);
  });

  it('drops the shadow when the endpoint is updated to a config without one', async () => {
    await shadowEndpoint('sh-remove', 1);
    await f.aws.sagemaker.send(
      new CreateEndpointConfigCommand({
        EndpointConfigName: 'sh-remove-plain',
        ProductionVariants: [variant('live', 'sh-live', 1)],
      }),
    );
    await f.aws.sagemaker.send(
      new UpdateEndpointCommand({ EndpointName: 'sh-remove', EndpointConfigName: 'sh-remove-plain' }),
    );
    const pending = await f.aws.sagemaker.send(new DescribeEndpointCommand({ EndpointName: 'sh-remove' }));
    expect(pending.ShadowProductionVariants?.map((v) => v.VariantName)).toEqual(['shadow']);
    f.clock.advance(UPDATE_DELAY_MS);
    const after = await f.aws.sagemaker.send(new DescribeEndpointCommand({ EndpointName: 'sh-remove' }));
    expect(after.EndpointConfigName).toBe('sh-remove-plain');
    expect(after.ShadowProductionVariants).toBeUndefined();
    const before = served('sh-remove', 'shadow').invocations;
    for (let i = 0; i < 20; i++)
      f.emulator.state.invocations.invoke({ endpointName: 'sh-remove', body: '{}' });
    expect(served('sh-remove', 'shadow').invocations).toBe(before);
  });
});
