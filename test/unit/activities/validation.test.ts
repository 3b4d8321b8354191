import { InvokeEndpointCommand, ModelError } from '@aws-sdk/client-sagemaker-runtime';
import { beforeEach, describe, expect, it } from 'vitest';
import { createValidationActivities, malformedAnswer } from '../../../activities/validation';
import { awsError, blob, failureOf, mockedDeps } from './helpers';

const payload = (body = '{"instances":[[1,2]]}') => ({ contentType: 'application/json', body });

describe('validateEndpoint', () => {
  let ctx: ReturnType<typeof mockedDeps>;
  let clock: number;
  beforeEach(() => {
    ctx = mockedDeps();
    clock = 0;
  });
  /** Each invocation "takes" the next latency from the list. */
  const activitiesWithLatencies = (latencies: number[]) => {
    ctx.mocks.runtime.on(InvokeEndpointCommand).callsFake(() => {
      clock += latencies.shift() ?? 0;
      return Promise.resolve(answers.shift());
    });
    return createValidationActivities({ runtime: ctx.deps.runtime, now: () => clock });
  };
  let answers: unknown[] = [];

  it('passes when every answer is well-formed JSON within budget, and sends the payloads as given', async () => {
    answers = [
      { ContentType: 'application/json', Body: blob('{"predictions":[0.2]}') },
      { ContentType: 'application/json; charset=utf-8', Body: blob('[0.7]') },
    ];
    const activities = activitiesWithLatencies([120, 340]);
    const report = await activities.validateEndpoint({
      endpointName: 'prod-stg-v7',
      payloads: [payload(), { contentType: 'text/csv', body: '1,2' }],
      latencyBudgetMs: 500,
    });
    expect(report).toEqual({
      endpointName: 'prod-stg-v7',
      passed: true,
      budgetMs: 500,
      maxLatencyMs: 340,
      results: [
        { index: 0, ok: true, latencyMs: 120 },
        { index: 1, ok: true, latencyMs: 340 },
      ],
      failures: [],
    });
    const inputs = ctx.mocks.runtime.commandCalls(InvokeEndpointCommand).map((c) => c.args[0].input);
    expect(inputs[1]).toMatchObject({
      EndpointName: 'prod-stg-v7',
      ContentType: 'text/csv',
      Accept: 'application/json',
    });
    expect(new TextDecoder().decode(inputs[1]!.Body as Uint8Array)).toBe('1,2');
  });

  it('fails a malformed JSON answer and a slow one, with reasons', async () => {
    answers = [
      { ContentType: 'application/json', Body: blob('{"predictions":') },
      { ContentType: 'application/json', Body: blob('{}') },
    ];
    const activities = activitiesWithLatencies([10, 2500]);
    const report = await activities.validateEndpoint({
      endpointName: 'stg',
      payloads: [payload(), payload()],
      latencyBudgetMs: 2000,
    });
    expect(report.passed).toBe(false);
    expect(report.maxLatencyMs).toBe(2500);
    expect(report.failures).toHaveLength(2);
    expect(report.failures[0]).toMatch(/^payload 0: response is not valid JSON/);
    expect(report.failures[1]).toBe('payload 1: took 2500 ms, over the 2000 ms budget');
  });

  it('a model error is a failed result, not an activity failure', async () => {
    ctx.mocks.runtime.on(InvokeEndpointCommand).rejects(
      new ModelError({
        message: 'Received server error (500) from primary with message "boom"',
        $metadata: { httpStatusCode: 424 },
        OriginalStatusCode: 500,
      }),
    );
    const report = await createValidationActivities(ctx.deps).validateEndpoint({
      endpointName: 'stg',
      payloads: [payload()],
      latencyBudgetMs: 2000,
    });
    expect(report.passed).toBe(false);
    expect(report.results[0]).toMatchObject({
      ok: false,
      error: expect.stringContaining('ModelError: Received server error'),
    });
  });

  it('throttling fails the attempt (retryable) instead of failing validation', async () => {
    ctx.mocks.runtime.on(InvokeEndpointCommand).rejects(awsError('ThrottlingException', 'Rate exceeded'));
    const f = await failureOf(
      createValidationActivities(ctx.deps).validateEndpoint({
        endpointName: 'stg',
        payloads: [payload()],
        latencyBudgetMs: 2000,
      }),
    );
    expect(f.nonRetryable).toBe(false);
  });

  it('no payloads never passes', async () => {
    const report = await createValidationActivities(ctx.deps).validateEndpoint({
      endpointName: 'stg',
      payloads: [],
      latencyBudgetMs: 2000,
    });
    expect(report.passed).toBe(false);
  });

  it('judges well-formedness by the answer’s content type', () => {
    expect(malformedAnswer('application/json', '{"a":1}')).toBeUndefined();
    expect(malformedAnswer('application/json', 'not json')).toMatch(/not valid JSON/);
    expect(malformedAnswer('text/csv', '0.2,0.8')).toBeUndefined();
    expect(malformedAnswer('text/csv', '')).toBe('empty text/csv response');
  });
});
