import { InvokeEndpointCommand, ModelError } from '@aws-sdk/client-sagemaker-runtime';
import { MockActivityEnvironment } from '@temporalio/testing';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  createValidationActivities,
  malformedAnswer,
  MAX_ATTEMPTS,
  type ValidationProgress,
} from '../../../activities/validation';
import type { ValidationReport } from '../../../src/shared/activity-contracts';
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
        { index: 0, ok: true, latencyMs: 120, attempts: 1 },
        { index: 1, ok: true, latencyMs: 340, attempts: 1 },
      ],
      failures: [],
      requests: 2,
      serverErrors: 0,
      errorRateLowerBound: 0,
      maxErrorRate: 0.05,
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
    expect(report.failures).toHaveLength(3);
    expect(report.failures[0]).toMatch(/^payload 0: response is not valid JSON/);
    expect(report.failures[1]).toBe('payload 1: took 2500 ms, over the 2000 ms budget');
    expect(report.failures[2]).toBe('stopped after payload 1 of 2: the model is over its latency budget');
  });

  const modelError = (status = 500) =>
    new ModelError({
      message: `Received server error (${status}) from primary with message "boom"`,
      $metadata: { httpStatusCode: 424 },
      OriginalStatusCode: status,
    });
  const ok = { ContentType: 'application/json', Body: blob('{"predictions":[0.2]}') };

  it('retries a transient model 5xx: one blip does not reject a healthy model, and it is counted', async () => {
    ctx.mocks.runtime.on(InvokeEndpointCommand).rejectsOnce(modelError()).resolves(ok);
    const report = await createValidationActivities(ctx.deps).validateEndpoint({
      endpointName: 'stg',
      payloads: [payload(), payload(), payload()],
      latencyBudgetMs: 2000,
    });
    expect(report.passed).toBe(true);
    expect(report.results[0]).toMatchObject({ ok: true, attempts: 2, transient: true });
    expect(report).toMatchObject({ requests: 4, serverErrors: 1 });
  });

  it('rejects a payload that fails every attempt, and a model 4xx at once', async () => {
    ctx.mocks.runtime.on(InvokeEndpointCommand).rejects(modelError());
    const report = await createValidationActivities(ctx.deps).validateEndpoint({
      endpointName: 'stg',
      payloads: [payload()],
      latencyBudgetMs: 2000,
    });
    expect(report.passed).toBe(false);
    expect(report.results[0]).toMatchObject({ ok: false, attempts: MAX_ATTEMPTS });
    expect(report.failures[0]).toContain(`(all ${MAX_ATTEMPTS} attempts)`);

    ctx.mocks.runtime.reset();
    ctx.mocks.runtime.on(InvokeEndpointCommand).rejects(modelError(400));
    const bad = await createValidationActivities(ctx.deps).validateEndpoint({
      endpointName: 'stg',
      payloads: [payload()],
      latencyBudgetMs: 2000,
    });
    expect(bad.passed).toBe(false);
    expect(bad.results[0]).toMatchObject({ attempts: 1 });
  });

  it('fails a model whose transient 5xx rate is over the limit on its lower bound', async () => {
    let calls = 0;
    // Every other request errors: each payload passes on its retry, but half the answers are 5xx.
    ctx.mocks.runtime.on(InvokeEndpointCommand).callsFake(() => {
      calls += 1;
      return calls % 2 === 1 ? Promise.reject(modelError()) : Promise.resolve(ok);
    });
    const report = await createValidationActivities(ctx.deps).validateEndpoint({
      endpointName: 'stg',
      payloads: Array.from({ length: 60 }, () => payload()),
      latencyBudgetMs: 2000,
    });
    expect(report.results.every((r) => r.ok)).toBe(true);
    expect(report.passed).toBe(false);
    expect(report.serverErrors).toBe(60);
    expect(report.errorRateLowerBound).toBeGreaterThan(0.05);
    expect(report.failures.at(-1)).toMatch(
      /^5xx rate 60\/120 \(lower bound \d+\.\d+%\) is over the limit 5\.00%$/,
    );
  });

  it('a model that never answers is validation-failed with the numbers, not an activity timeout', async () => {
    ctx.mocks.runtime.on(InvokeEndpointCommand).callsFake(() => new Promise(() => undefined));
    const started = Date.now();
    const report = await createValidationActivities({ runtime: ctx.deps.runtime }).validateEndpoint({
      endpointName: 'stg',
      payloads: [payload(), payload(), payload()],
      latencyBudgetMs: 30,
    });
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(report.passed).toBe(false);
    expect(report.results).toHaveLength(1); // stopped: the rest would only add time
    expect(report.results[0]!.error).toBe('no answer within 60 ms (2 × the 30 ms budget)');
    expect(ctx.mocks.runtime.commandCalls(InvokeEndpointCommand)).toHaveLength(1);
  });

  it('heartbeats after every payload and resumes from the last heartbeat', async () => {
    ctx.mocks.runtime.on(InvokeEndpointCommand).resolves(ok);
    const done: ValidationProgress = {
      results: [{ index: 0, ok: true, latencyMs: 5, attempts: 1 }],
      requests: 1,
      serverErrors: 0,
    };
    const env = new MockActivityEnvironment({ heartbeatDetails: done });
    const beats: ValidationProgress[] = [];
    env.on('heartbeat', (d: ValidationProgress) => beats.push(structuredClone(d)));
    const { validateEndpoint } = createValidationActivities(ctx.deps);
    const report: ValidationReport = await env.run(validateEndpoint, {
      endpointName: 'stg',
      payloads: [payload(), payload(), payload()],
      latencyBudgetMs: 2000,
    });
    expect(ctx.mocks.runtime.commandCalls(InvokeEndpointCommand)).toHaveLength(2);
    expect(beats.map((b) => b.results.length)).toEqual([2, 3]);
    expect(report.results.map((r) => r.index)).toEqual([0, 1, 2]);
    expect(report.passed).toBe(true);
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

  it('a 503 of SageMaker Runtime itself fails the attempt (retryable): the model was never asked', async () => {
    ctx.mocks.runtime
      .on(InvokeEndpointCommand)
      .rejects(awsError('ServiceUnavailable', 'Service unavailable', { status: 503, fault: 'server' }));
    const f = await failureOf(
      createValidationActivities(ctx.deps).validateEndpoint({
        endpointName: 'stg',
        payloads: [payload()],
        latencyBudgetMs: 2000,
      }),
    );
    expect(f.nonRetryable).toBe(false);
    expect(f.message).toMatch(/InvokeEndpoint/);
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

describe('validateEndpoint at the edges of its budget and its answers', () => {
  const ok = { ContentType: 'application/json', Body: blob('{"predictions":[0.2]}') };
  const modelError = () =>
    new ModelError({
      message: 'Received server error (500) from primary with message "boom"',
      $metadata: { httpStatusCode: 424 },
      OriginalStatusCode: 500,
    });
  /** Each invocation "takes" the next latency and gives the next answer (an Error is thrown). */
  function validator(latencies: number[], answers: unknown[]) {
    const ctx = mockedDeps();
    let clock = 0;
    ctx.mocks.runtime.on(InvokeEndpointCommand).callsFake(() => {
      clock += latencies.shift() ?? 0;
      const a = answers.shift();
      return a instanceof Error ? Promise.reject(a) : Promise.resolve(a);
    });
    return createValidationActivities({ runtime: ctx.deps.runtime, now: () => clock });
  }
  const validate = (latencies: number[], answers: unknown[]) =>
    validator(latencies, answers).validateEndpoint({
      endpointName: 'stg',
      payloads: [payload()],
      latencyBudgetMs: 2000,
    });

  it('an answer at the budget passes; 0.4 ms over it fails, and says 2001 ms', async () => {
    expect((await validate([2000], [ok])).passed).toBe(true);
    const over = await validate([2000.4], [ok]);
    expect(over.passed).toBe(false);
    expect(over.results[0]!.error).toBe('took 2001 ms, over the 2000 ms budget');
  });

  it('a 5xx that took 1.5x the budget before a fast retry is over the budget, in the numbers too', async () => {
    const r = await validate([3000, 100], [modelError(), ok]);
    expect(r).toMatchObject({ passed: false, requests: 2, serverErrors: 1, maxLatencyMs: 3000 });
    expect(r.results[0]).toMatchObject({ ok: false, attempts: 2, latencyMs: 3000 });
    expect(r.results[0]!.error).toBe('an earlier attempt (a 5xx) took 3000 ms, over the 2000 ms budget');
    // Control: the same transient 5xx, fast, passes.
    expect((await validate([100, 100], [modelError(), ok])).passed).toBe(true);
  });

  it('an HTML error page answering a request for JSON is not an answer', async () => {
    const r = await validate(
      [10],
      [{ ContentType: 'text/html; charset=utf-8', Body: blob('<html>502</html>') }],
    );
    expect(r.passed).toBe(false);
    expect(r.results[0]!.error).toBe('an HTML page (text/html; charset=utf-8) answered a request for JSON');
  });
});
