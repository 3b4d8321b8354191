/**
 * Staging validation: invoke the endpoint with each sample payload and require a well-formed answer
 * within the latency budget. A model that errors is a failed result, not a failed activity.
 */
import { InvokeEndpointCommand, type SageMakerRuntimeClient } from '@aws-sdk/client-sagemaker-runtime';
import type { LifecycleActivities, ValidationResult } from '../src/shared/activity-contracts';
import type { SamplePayload } from '../src/shared/lifecycle-input';
import { classifyAwsError, isThrottling } from './aws-errors';

const decoder = new TextDecoder();

/** Why an answer is not well-formed, or undefined when it is. */
export function malformedAnswer(contentType: string | undefined, body: string): string | undefined {
  if (/\bjson\b/i.test(contentType ?? '')) {
    try {
      JSON.parse(body);
      return undefined;
    } catch (err) {
      return `response is not valid JSON (${(err as Error).message})`;
    }
  }
  return body.length === 0 ? `empty ${contentType ?? 'untyped'} response` : undefined;
}

/** Not a service answer at all (connection refused, timeout): the request never tested the model. */
function isNetworkFailure(err: unknown): boolean {
  return !(err instanceof Error && '$fault' in err);
}

async function invokeOnce(
  runtime: SageMakerRuntimeClient,
  now: () => number,
  endpointName: string,
  payload: SamplePayload,
  index: number,
  budgetMs: number,
): Promise<ValidationResult> {
  const started = now();
  try {
    const out = await runtime.send(
      new InvokeEndpointCommand({
        EndpointName: endpointName,
        ContentType: payload.contentType,
        Accept: 'application/json',
        Body: new TextEncoder().encode(payload.body),
      }),
    );
    const latencyMs = Math.round(now() - started);
    const malformed = malformedAnswer(out.ContentType, out.Body ? decoder.decode(out.Body) : '');
    const slow = latencyMs > budgetMs ? `took ${latencyMs} ms, over the ${budgetMs} ms budget` : undefined;
    const error = [malformed, slow].filter(Boolean).join('; ');
    return { index, ok: !error, latencyMs, ...(error ? { error } : {}) };
  } catch (err) {
    // Throttling or no answer says nothing about the model: fail the attempt so Temporal retries it.
    if (isThrottling(err) || isNetworkFailure(err)) throw classifyAwsError('InvokeEndpoint', err);
    const e = err as Error;
    return { index, ok: false, latencyMs: Math.round(now() - started), error: `${e.name}: ${e.message}` };
  }
}

export function createValidationActivities(deps: {
  runtime: SageMakerRuntimeClient;
  now?: () => number;
}): Pick<LifecycleActivities, 'validateEndpoint'> {
  const now = deps.now ?? (() => performance.now());
  return {
    async validateEndpoint({ endpointName, payloads, latencyBudgetMs }) {
      const results: ValidationResult[] = [];
      // One at a time: concurrent requests would measure queueing on a one-instance endpoint, not the model.
      for (const [index, payload] of payloads.entries()) {
        results.push(await invokeOnce(deps.runtime, now, endpointName, payload, index, latencyBudgetMs));
      }
      const failures = results.filter((r) => !r.ok).map((r) => `payload ${r.index}: ${r.error}`);
      if (results.length === 0) failures.push('no sample payloads to validate with');
      return {
        endpointName,
        passed: failures.length === 0,
        budgetMs: latencyBudgetMs,
        maxLatencyMs: Math.max(0, ...results.map((r) => r.latencyMs)),
        results,
        failures,
      };
    },
  };
}
