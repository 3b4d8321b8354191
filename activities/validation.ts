/**
 * Staging validation: invoke the endpoint with each sample payload and require a well-formed answer
 * within the latency budget. A model that errors is a failed result, not a failed activity.
 *
 * Judged with the care of the production health check: a 5xx from the model is retried (up to
 * MAX_ATTEMPTS), so one transient error from a model whose error rate is within limits does not reject
 * it, while a payload that fails every attempt, a malformed answer or a latency over budget still does.
 * All 5xx answers are counted, and the validation fails when an anytime-valid lower bound of their rate
 * is over `maxErrorRate`. The activity heartbeats after every payload (with its results so far, so a
 * retried attempt resumes), caps each request at REQUEST_CAP × budget, and stops at the first answer
 * over budget: a slow model ends `validation-failed` with its numbers, not in an activity timeout.
 */
import { InvokeEndpointCommand, type SageMakerRuntimeClient } from '@aws-sdk/client-sagemaker-runtime';
import { Context } from '@temporalio/activity';
import type { LifecycleActivities, ValidationResult } from '../src/shared/activity-contracts';
import type { SamplePayload } from '../src/shared/lifecycle-input';
import { classifyAwsError, isThrottling } from './aws-errors';
import { rateLowerBound } from './health/sequential';

/** Three attempts: a model at 1 % transient 5xx fails all three on a payload about once in a million. */
export const MAX_ATTEMPTS = 3;
/** A request gets this many latency budgets before it is abandoned as "no answer". */
export const REQUEST_CAP = 2;
const DEFAULT_MAX_ERROR_RATE = 0.05;
const DEFAULT_ALPHA = 0.01;

/** Heartbeat details: the results so far, which a retried attempt resumes from. */
export interface ValidationProgress {
  results: ValidationResult[];
  requests: number;
  serverErrors: number;
}

const decoder = new TextDecoder();

/** Why an answer is not well-formed, or undefined when it is. */
export function malformedAnswer(contentType: string | undefined, body: string): string | undefined {
  // We ask for JSON; an HTML page is a proxy's or a server's error page, not the model's answer.
  if (/^\s*text\/html\b/i.test(contentType ?? ''))
    return `an HTML page (${contentType}) answered a request for JSON`;
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

/** A 5xx from the model (SageMaker wraps it in a ModelError): possibly transient, worth another attempt. */
function isModelServerError(err: unknown): boolean {
  const e = err as { OriginalStatusCode?: number; name?: string };
  return e.name === 'ModelError' && (e.OriginalStatusCode ?? 500) >= 500;
}

/**
 * A 5xx of SageMaker Runtime itself (ServiceUnavailable, InternalFailure): the request never reached
 * the model, so it says nothing about it; counted against the model it would reject a good version.
 */
function isServiceFault(err: unknown): boolean {
  const e = err as { $fault?: string; name?: string };
  return e.$fault === 'server' && e.name !== 'ModelError';
}

type Attempt =
  | { kind: 'answer'; latencyMs: number; error?: string }
  | { kind: 'server-error'; latencyMs: number; error: string }
  | { kind: 'failed'; latencyMs: number; error: string }
  | { kind: 'no-answer'; latencyMs: number; error: string };

async function attemptOnce(
  runtime: SageMakerRuntimeClient,
  now: () => number,
  endpointName: string,
  payload: SamplePayload,
  budgetMs: number,
): Promise<Attempt> {
  const started = now();
  const cap = REQUEST_CAP * budgetMs;
  const abort = new AbortController();
  let timer: ReturnType<typeof setTimeout> | undefined;
  // A race as well as the abort signal: the answer must not depend on the client honouring the signal.
  const capped = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      abort.abort();
      reject(new Error('validation request cap'));
    }, cap);
  });
  try {
    const out = await Promise.race([
      runtime.send(
        new InvokeEndpointCommand({
          EndpointName: endpointName,
          ContentType: payload.contentType,
          Accept: 'application/json',
          Body: new TextEncoder().encode(payload.body),
        }),
        { abortSignal: abort.signal },
      ),
      capped,
    ]);
    // Rounded up: 2000.4 ms is over a 2000 ms budget, and says so.
    const latencyMs = Math.ceil(now() - started);
    const malformed = malformedAnswer(out.ContentType, out.Body ? decoder.decode(out.Body) : '');
    const slow = latencyMs > budgetMs ? `took ${latencyMs} ms, over the ${budgetMs} ms budget` : undefined;
    const error = [malformed, slow].filter(Boolean).join('; ');
    return { kind: 'answer', latencyMs, ...(error ? { error } : {}) };
  } catch (err) {
    const latencyMs = Math.ceil(now() - started);
    if (abort.signal.aborted) {
      return {
        kind: 'no-answer',
        latencyMs,
        error: `no answer within ${cap} ms (${REQUEST_CAP} × the ${budgetMs} ms budget)`,
      };
    }
    // Throttling, a service fault or no answer says nothing about the model: fail the attempt so
    // Temporal retries it (the retry resumes from the heartbeat's progress).
    if (isThrottling(err) || isNetworkFailure(err) || isServiceFault(err)) {
      throw classifyAwsError('InvokeEndpoint', err);
    }
    const e = err as Error;
    const error = `${e.name}: ${e.message}`;
    return isModelServerError(err)
      ? { kind: 'server-error', latencyMs, error }
      : { kind: 'failed', latencyMs, error };
  } finally {
    clearTimeout(timer);
  }
}

/** Heartbeat when running as an activity; plain calls (tests, scripts) have no context. */
function heartbeat(progress: ValidationProgress): void {
  try {
    Context.current().heartbeat(progress);
  } catch {
    // Not inside an activity: nothing to report to.
  }
}

function resumed(): ValidationProgress | undefined {
  try {
    return Context.current().info.heartbeatDetails as ValidationProgress | undefined;
  } catch {
    return undefined;
  }
}

export function createValidationActivities(deps: {
  runtime: SageMakerRuntimeClient;
  now?: () => number;
}): Pick<LifecycleActivities, 'validateEndpoint'> {
  const now = deps.now ?? (() => performance.now());
  return {
    async validateEndpoint({ endpointName, payloads, latencyBudgetMs, maxErrorRate, alpha }) {
      const limit = maxErrorRate ?? DEFAULT_MAX_ERROR_RATE;
      const progress: ValidationProgress = resumed() ?? { results: [], requests: 0, serverErrors: 0 };
      const failures: string[] = [];
      let stopped: string | undefined;
      // Also between payloads, so a short heartbeat timeout notices a dead worker whatever the model's
      // latency, and a live one is never cut short; every beat carries the progress to resume from.
      const beating = setInterval(() => heartbeat(progress), 1000);
      try {
        // One at a time: concurrent requests would measure queueing on a one-instance endpoint, not the model.
        for (let index = progress.results.length; index < payloads.length && !stopped; index++) {
          let attempts = 0;
          let last: Attempt;
          let slowestMs = 0;
          do {
            attempts += 1;
            last = await attemptOnce(deps.runtime, now, endpointName, payloads[index]!, latencyBudgetMs);
            slowestMs = Math.max(slowestMs, last.latencyMs);
            progress.requests += 1;
            if (last.kind === 'server-error') progress.serverErrors += 1;
          } while (last.kind === 'server-error' && attempts < MAX_ATTEMPTS);
          // A caller waited for every attempt: a slow 5xx before a fast answer is still over the budget.
          const slowRetried =
            slowestMs > latencyBudgetMs && last.latencyMs <= latencyBudgetMs
              ? `an earlier attempt (a 5xx) took ${slowestMs} ms, over the ${latencyBudgetMs} ms budget`
              : undefined;
          const error = last.error ?? slowRetried;
          const ok = last.kind === 'answer' && !error;
          const result: ValidationResult = {
            index,
            ok,
            latencyMs: slowestMs,
            attempts,
            ...(ok && attempts > 1 ? { transient: true } : {}),
            ...(error
              ? { error: attempts > 1 && !ok && !slowRetried ? `${error} (all ${attempts} attempts)` : error }
              : {}),
          };
          progress.results.push(result);
          heartbeat(progress);
          if (last.kind === 'no-answer' || slowestMs > latencyBudgetMs) {
            stopped = `stopped after payload ${index} of ${payloads.length}: the model is over its latency budget`;
          }
        }
      } finally {
        clearInterval(beating);
      }
      const { results, requests, serverErrors } = progress;
      failures.push(...results.filter((r) => !r.ok).map((r) => `payload ${r.index}: ${r.error}`));
      if (stopped) failures.push(stopped);
      if (results.length === 0) failures.push('no sample payloads to validate with');
      const lowerBound = rateLowerBound(serverErrors, requests, alpha ?? DEFAULT_ALPHA);
      if (lowerBound > limit) {
        failures.push(
          `5xx rate ${serverErrors}/${requests} (lower bound ${(lowerBound * 100).toFixed(2)}%) is over the limit ${(limit * 100).toFixed(2)}%`,
        );
      }
      return {
        endpointName,
        passed: failures.length === 0,
        budgetMs: latencyBudgetMs,
        maxLatencyMs: Math.max(0, ...results.map((r) => r.latencyMs)),
        results,
        failures,
        requests,
        serverErrors,
        errorRateLowerBound: lowerBound,
        maxErrorRate: limit,
      };
    },
  };
}
