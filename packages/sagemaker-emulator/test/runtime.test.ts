/** Contract: InvokeEndpoint through the real SageMaker Runtime client, and routing by weight. */
import {
  CreateEndpointCommand,
  CreateEndpointConfigCommand,
  UpdateEndpointWeightsAndCapacitiesCommand,
} from '@aws-sdk/client-sagemaker';
import { InvokeEndpointCommand, ModelError } from '@aws-sdk/client-sagemaker-runtime';
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
  const sm = f.aws.sagemaker;
  await createModels(f, {
    'rt-good': { EMULATOR_LATENCY_MS: '5' },
    'rt-canary': { EMULATOR_LATENCY_MS: '5' },
    'rt-broken': { EMULATOR_LATENCY_MS: '5', EMULATOR_ERROR_RATE: '1' },
    'rt-fixed': { EMULATOR_LATENCY_MS: '1', EMULATOR_RESPONSE_BODY: 'label=churn' },
    'rt-slow-model': { EMULATOR_LATENCY_MS: '150', EMULATOR_LATENCY_JITTER_MS: '0' },
  });
  const endpoints: [string, [string, string, number][]][] = [
    [
      'rt-split',
      [
        ['v1', 'rt-good', 90],
        ['v2', 'rt-canary', 10],
      ],
    ],
    ['rt-bad', [['v1', 'rt-broken', 1]]],
    ['rt-text', [['v1', 'rt-fixed', 1]]],
    ['rt-slow', [['v1', 'rt-slow-model', 1]]],
  ];
  for (const [name, variants] of endpoints) {
    await sm.send(
      new CreateEndpointConfigCommand({
        EndpointConfigName: name,
        ProductionVariants: variants.map(([VariantName, ModelName, InitialVariantWeight]) => ({
          VariantName,
          ModelName,
          InitialVariantWeight,
          InitialInstanceCount: 1,
        })),
      }),
    );
    await sm.send(new CreateEndpointCommand({ EndpointName: name, EndpointConfigName: name }));
  }
  f.clock.advance(CREATE_DELAY_MS);
});
afterAll(async () => f?.close());

const invoke = (EndpointName: string, extra: { TargetVariant?: string; Accept?: string } = {}) =>
  f.aws.runtime.send(
    new InvokeEndpointCommand({
      EndpointName,
      ContentType: 'application/json',
      Body: new TextEncoder().encode('{"instances":[[1,2,3]]}'),
      ...extra,
    }),
  );

/** Shares of `n` in-process invocations per variant. */
function shares(endpointName: string, n: number): Record<string, number> {
  const counts: Record<string, number> = {};
  for (let i = 0; i < n; i++) {
    const r = f.emulator.state.invocations.invoke({ endpointName, body: '{}' });
    counts[r.variantName] = (counts[r.variantName] ?? 0) + 1;
  }
  return Object.fromEntries(Object.entries(counts).map(([k, v]) => [k, v / n]));
}

describe('InvokeEndpoint', () => {
  it('answers with the model output, its content type and the variant that served it', async () => {
    const out = await invoke('rt-split', { TargetVariant: 'v2' });
    expect(out.InvokedProductionVariant).toBe('v2');
    expect(out.ContentType).toBe('application/json');
    const body = JSON.parse(new TextDecoder().decode(out.Body)) as { model: string; predictions: unknown[] };
    expect(body.model).toBe('rt-canary');
    expect(body.predictions).toHaveLength(1);
  });

  it('returns a fixed body in the Accept type when the model says so', async () => {
    const out = await invoke('rt-text', { Accept: 'text/plain' });
    expect(out.ContentType).toBe('text/plain');
    expect(new TextDecoder().decode(out.Body)).toBe('label=churn');
  });

  it('splits traffic by the variants current weights, and follows a weight change', async () => {
    const before = shares('rt-split', 4000);
    expect(before.v1).toBeGreaterThan(0.87);
    expect(before.v1).toBeLessThan(0.93);
    await f.aws.sagemaker.send(
      new UpdateEndpointWeightsAndCapacitiesCommand({
        EndpointName: 'rt-split',
        DesiredWeightsAndCapacities: [
          { VariantName: 'v1', DesiredWeight: 50 },
          { VariantName: 'v2', DesiredWeight: 50 },
        ],
      }),
    );
    // While Updating, the old weights still route.
    expect(shares('rt-split', 2000).v1).toBeGreaterThan(0.85);
    f.clock.advance(UPDATE_DELAY_MS);
    const after = shares('rt-split', 4000);
    expect(after.v2).toBeGreaterThan(0.46);
    expect(after.v2).toBeLessThan(0.54);
  });

  it('raises ModelError (424, original status 500) when the model fails', async () => {
    const err = await errorOf(invoke('rt-bad'));
    expect(err).toBeInstanceOf(ModelError);
    expect(err.OriginalStatusCode).toBe(500);
    expect((err.$metadata as { httpStatusCode: number }).httpStatusCode).toBe(424);
    expect(err.message).toMatch(/Received server error \(500\) from primary/);
  });

  it('raises ValidationError for an unknown endpoint or variant', async () => {
    const unknown = await errorOf(invoke('rt-nothing'));
    expect(unknown.name).toBe('ValidationError');
    expect(unknown.message).toBe('Endpoint rt-nothing of account 123456789012 not found.');
    const variant = await errorOf(invoke('rt-split', { TargetVariant: 'v7' }));
    expect(variant.name).toBe('ValidationError');
    expect(variant.message).toMatch(/Variant v7 not found/);
  });

  it('answers after the model latency', async () => {
    const started = performance.now();
    await invoke('rt-slow');
    expect(performance.now() - started).toBeGreaterThanOrEqual(140);
  });
});
