/** Contract: injected faults as the SDK sees them, unsigned requests, and the control API over HTTP. */
import { DescribeAlarmsCommand, InternalServiceFault } from '@aws-sdk/client-cloudwatch';
import {
  CreateEndpointCommand,
  CreateEndpointConfigCommand,
  CreateModelCommand,
  DescribeEndpointCommand,
  ListModelsCommand,
} from '@aws-sdk/client-sagemaker';
import { InvokeEndpointCommand, ModelError } from '@aws-sdk/client-sagemaker-runtime';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CREATE_DELAY_MS, errorOf, startFixture, type EmulatorFixture } from './emulator-fixture';

let f: EmulatorFixture;
beforeAll(async () => {
  f = await startFixture();
});
afterAll(async () => f?.close());

async function control(method: string, path: string, body?: unknown) {
  const res = await fetch(`${f.emulator.url}/_emulator/${path}`, {
    method,
    headers: { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

async function serving(endpoint: string, env: Record<string, string> = {}) {
  const sm = f.aws.sagemaker;
  await sm.send(
    new CreateModelCommand({
      ModelName: `${endpoint}-m`,
      PrimaryContainer: { Image: 'img', Environment: { EMULATOR_LATENCY_MS: '1', ...env } },
    }),
  );
  await sm.send(
    new CreateEndpointConfigCommand({
      EndpointConfigName: `${endpoint}-c`,
      ProductionVariants: [{ VariantName: 'v1', ModelName: `${endpoint}-m`, InitialInstanceCount: 1 }],
    }),
  );
  await sm.send(new CreateEndpointCommand({ EndpointName: endpoint, EndpointConfigName: `${endpoint}-c` }));
  f.clock.advance(CREATE_DELAY_MS);
}

const invoke = (EndpointName: string) =>
  f.aws.runtime.send(
    new InvokeEndpointCommand({
      EndpointName,
      ContentType: 'application/json',
      Body: new TextEncoder().encode('[1]'),
    }),
  );

describe('injected faults', () => {
  beforeEach(() => f.emulator.state.faults.clear());

  it('throttles the next call: the SDK retries it and succeeds on its second attempt', async () => {
    await serving('flt-a');
    const added = await control('POST', 'faults', {
      operation: 'DescribeEndpoint',
      kind: 'throttle',
      count: 1,
    });
    expect(added.status).toBe(201);
    const out = await f.aws.sagemaker.send(new DescribeEndpointCommand({ EndpointName: 'flt-a' }));
    expect(out.$metadata.attempts).toBe(2);
    const rules = await control('GET', 'faults');
    expect(rules.body.faults).toMatchObject([{ operation: 'DescribeEndpoint', remaining: 0, hits: 1 }]);
  });

  it('throttling that outlasts the retries surfaces as ThrottlingException (SageMaker) and Throttling (CloudWatch)', async () => {
    f.emulator.state.faults.add({ operation: 'ListModels', kind: 'throttle' });
    const sm = await errorOf(f.aws.sagemaker.send(new ListModelsCommand({})));
    expect(sm.name).toBe('ThrottlingException');
    expect((sm.$metadata as { attempts: number }).attempts).toBe(2);
    f.emulator.state.faults.add({ operation: 'DescribeAlarms', kind: 'throttle' });
    const cw = await errorOf(f.aws.cloudwatch.send(new DescribeAlarmsCommand({})));
    expect(cw.name).toBe('Throttling');
    expect(cw.Code).toBe('Throttling');
  });

  it('fails with a server fault in each service shape', async () => {
    f.emulator.state.faults.add({ operation: '*', kind: 'error', count: 10 });
    const sm = await errorOf(f.aws.sagemaker.send(new ListModelsCommand({})));
    expect(sm.name).toBe('ServiceUnavailable');
    expect(sm.$fault).toBe('server');
    const cw = await errorOf(f.aws.cloudwatch.send(new DescribeAlarmsCommand({})));
    expect(cw).toBeInstanceOf(InternalServiceFault);
    expect((cw.$metadata as { httpStatusCode: number }).httpStatusCode).toBe(500);
  });

  it('slows a call down by the delay asked for', async () => {
    f.emulator.state.faults.add({ operation: 'ListModels', kind: 'delay', delayMs: 300 });
    const started = performance.now();
    await f.aws.sagemaker.send(new ListModelsCommand({}));
    expect(performance.now() - started).toBeGreaterThanOrEqual(290);
  });

  it('applies a probability: none of the calls at 0, every call at 1', async () => {
    f.emulator.state.faults.add({ operation: 'ListModels', kind: 'error', probability: 0 });
    for (let i = 0; i < 5; i++) await f.aws.sagemaker.send(new ListModelsCommand({}));
    expect(f.emulator.state.faults.list()[0]?.hits).toBe(0);
  });

  it('refuses a fault it cannot apply, naming the field', async () => {
    expect(await control('POST', 'faults', { operation: 'ListModels', kind: 'explode' })).toMatchObject({
      status: 400,
      body: { error: "'kind' must be one of throttle, error, deny, delay" },
    });
    expect((await control('POST', 'faults', { operation: 'X', kind: 'delay' })).body.error).toMatch(
      /delayMs/,
    );
    expect((await control('POST', 'faults', { kind: 'throttle' })).body.error).toMatch(/operation/);
  });
});

describe('signatures', () => {
  it('refuses an unsigned request as AWS does', async () => {
    const res = await fetch(`${f.emulator.url}/`, {
      method: 'POST',
      headers: { 'x-amz-target': 'SageMaker.ListModels', 'content-type': 'application/x-amz-json-1.1' },
      body: '{}',
    });
    expect(res.status).toBe(403);
    expect(await res.json()).toMatchObject({ __type: 'MissingAuthenticationTokenException' });
    const malformed = await fetch(`${f.emulator.url}/`, {
      method: 'POST',
      headers: { 'x-amz-target': 'SageMaker.ListModels', authorization: 'Bearer abc' },
      body: '{}',
    });
    expect(malformed.status).toBe(403);
    expect(await malformed.json()).toMatchObject({ __type: 'IncompleteSignatureException' });
  });
});

describe('control API', () => {
  it('changes a serving model’s behaviour, and undoes it', async () => {
    await serving('ctl-b');
    expect((await invoke('ctl-b')).InvokedProductionVariant).toBe('v1');
    const changed = await control('PUT', 'models/ctl-b-m/behaviour', { errorRate: 1 });
    expect(changed).toMatchObject({ status: 200, body: { override: { errorRate: 1 } } });
    expect(await errorOf(invoke('ctl-b'))).toBeInstanceOf(ModelError);
    await control('DELETE', 'models/ctl-b-m/behaviour');
    expect((await invoke('ctl-b')).InvokedProductionVariant).toBe('v1');

    expect((await control('PUT', 'models/no-such-model/behaviour', { errorRate: 1 })).status).toBe(404);
    expect((await control('PUT', 'models/ctl-b-m/behaviour', { errorRate: 3 })).body.error).toMatch(
      /errorRate/,
    );
    expect((await control('PUT', 'models/ctl-b-m/behaviour', { colour: 'red' })).body.error).toMatch(
      /colour/,
    );
  });

  it('sets traffic rules that the generator follows', async () => {
    await serving('ctl-traffic-prod');
    const set = await control('PUT', 'traffic', { rules: [{ endpoint: '*-prod', ratePerSecond: 50 }] });
    expect(set.status).toBe(200);
    f.emulator.state.traffic.tick(); // catches up on the time the clock moved before (at most 1 s)
    const before = f.emulator.state.traffic.sent;
    const servedBefore = f.emulator.state.invocations.counts.get('ctl-traffic-prod/v1')?.invocations ?? 0;
    f.clock.advance(1000);
    f.emulator.state.traffic.tick();
    expect(f.emulator.state.traffic.sent - before).toBe(50);
    const state = await control('GET', 'state');
    const endpoints = state.body.endpoints as {
      name: string;
      variants: { served: { invocations: number } }[];
    }[];
    const served = endpoints.find((e) => e.name === 'ctl-traffic-prod')?.variants[0]?.served.invocations;
    expect(served! - servedBefore).toBe(50);
    expect((await control('PUT', 'traffic', { rules: [{ endpoint: 'x', ratePerSecond: -1 }] })).status).toBe(
      400,
    );
    await control('PUT', 'traffic', { rules: [] });
  });

  it('resets all state', async () => {
    await serving('ctl-reset');
    f.emulator.state.faults.add({ operation: 'ListModels', kind: 'delay', delayMs: 1 });
    expect(await control('POST', 'reset')).toMatchObject({ status: 200 });
    const state = await control('GET', 'state');
    expect(state.body.endpoints).toEqual([]);
    expect(state.body.faults).toEqual([]);
    const models = await f.aws.sagemaker.send(new ListModelsCommand({}));
    expect(models.Models).toEqual([]);
    expect((await control('GET', 'nowhere')).status).toBe(404);
  });
});
