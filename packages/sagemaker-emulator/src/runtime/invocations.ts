/**
 * InvokeEndpoint's behaviour: route the request to a variant by weight (or the requested target
 * variant), let the variant's model answer as its behaviour says, and publish SageMaker's metrics
 * for it (AWS/SageMaker, EndpointName + VariantName) at the close of the metric period.
 *
 * Shadow variants: a sampled copy of each request goes to every shadow variant too, which answers
 * nobody (the caller gets the production variant's answer) but is measured under its own VariantName,
 * as SageMaker does. The share copied is the shadow's InitialVariantWeight relative to the production
 * variant's (1 and 0.25: a quarter of the requests), at most all of them.
 */
import { AwsError } from '../aws-error';
import type { MetricStore } from '../cloudwatch/metric-store';
import type { EmulatorContext } from '../context';
import { isServing, type Hosting, type LiveVariant } from '../sagemaker/hosting';
import { drawLatencyMs, drawOutcome } from './model-behaviour';

export interface InvocationRequest {
  endpointName: string;
  targetVariant?: string;
  accept?: string;
  /** The request body as text, for models that fail on some inputs. */
  body: string;
}

/** What the model did: answered, or failed with the error the caller gets; either after `latencyMs`. */
export type InvocationResult =
  | { ok: true; variantName: string; latencyMs: number; contentType: string; body: string }
  | { ok: false; variantName: string; latencyMs: number; error: AwsError };

const NAMESPACE = 'AWS/SageMaker';

function runtimeValidation(message: string): AwsError {
  return new AwsError('ValidationError', message, 400);
}

export class Invocations {
  /** Per endpoint and variant, what the emulator served: for the control API's state view. */
  readonly counts = new Map<string, { invocations: number; errors5xx: number; errors4xx: number }>();

  constructor(
    private readonly ctx: EmulatorContext,
    private readonly hosting: Hosting,
    private readonly metrics: MetricStore,
    private readonly random: () => number = Math.random,
  ) {}

  private pickVariant(
    endpointName: string,
    routes: { variant: LiveVariant; weight: number }[],
    target?: string,
  ): LiveVariant {
    if (target) {
      const v = routes.find((x) => x.variant.variantName === target)?.variant;
      if (!v) throw runtimeValidation(`Variant ${target} not found for endpoint ${endpointName}.`);
      return v;
    }
    const total = routes.reduce((n, r) => n + r.weight, 0);
    if (total <= 0) return routes[Math.floor(this.random() * routes.length)]!.variant;
    let r = this.random() * total;
    for (const route of routes) {
      r -= route.weight;
      if (r < 0) return route.variant;
    }
    return routes[routes.length - 1]!.variant;
  }

  /**
   * One invocation, decided and recorded now; an HTTP caller waits `latencyMs` before answering.
   * Throws only for requests that never reach a model (unknown endpoint or variant, not in service).
   */
  invoke(req: InvocationRequest): InvocationResult {
    const endpoint = this.hosting.findEndpoint(req.endpointName);
    if (!endpoint) {
      throw runtimeValidation(`Endpoint ${req.endpointName} of account ${this.ctx.accountId} not found.`);
    }
    if (!isServing(endpoint)) {
      throw runtimeValidation(`Endpoint ${req.endpointName} is not in service (status ${endpoint.status}).`);
    }
    const variant = this.pickVariant(req.endpointName, this.hosting.routing(endpoint), req.targetVariant);
    const behaviour = this.hosting.behaviourOf(variant);
    const latencyMs = drawLatencyMs(behaviour, this.random);
    const outcome = drawOutcome(behaviour, req.body, this.random);
    this.record(req.endpointName, variant.variantName, latencyMs, outcome.kind);
    this.mirror(req, variant, endpoint.shadowVariants ?? []);

    const logStream = `arn:aws:logs:${this.ctx.region}:${this.ctx.accountId}:log-group:/aws/sagemaker/Endpoints/${req.endpointName}`;
    if (outcome.kind !== 'ok') {
      const status = outcome.kind === 'error5xx' ? 500 : 400;
      const kind = status === 500 ? 'server' : 'client';
      const original =
        status === 500 ? 'Internal error in the model (emulated)' : 'Bad request for the model (emulated)';
      const error = new AwsError(
        'ModelError',
        `Received ${kind} error (${status}) from primary with message "${original}". See ${logStream} in account ${this.ctx.accountId} for more information.`,
        424,
        undefined,
        { OriginalStatusCode: status, OriginalMessage: original, LogStreamArn: logStream },
      );
      return { ok: false, variantName: variant.variantName, latencyMs, error };
    }
    const body =
      behaviour.responseBody ??
      JSON.stringify({
        predictions: [{ score: Math.round(this.random() * 1000) / 1000 }],
        model: variant.modelName,
      });
    return {
      ok: true,
      variantName: variant.variantName,
      latencyMs,
      contentType: behaviour.responseBody ? (req.accept ?? 'application/json') : 'application/json',
      body,
    };
  }

  /** The shadows' copies of one request: drawn and measured, their answers dropped. */
  private mirror(req: InvocationRequest, production: LiveVariant, shadows: LiveVariant[]): void {
    for (const shadow of shadows) {
      const share = production.currentWeight > 0 ? shadow.currentWeight / production.currentWeight : 0;
      if (this.random() >= Math.min(1, share)) continue;
      const behaviour = this.hosting.behaviourOf(shadow);
      const latencyMs = drawLatencyMs(behaviour, this.random);
      const outcome = drawOutcome(behaviour, req.body, this.random);
      this.record(req.endpointName, shadow.variantName, latencyMs, outcome.kind);
    }
  }

  private record(
    endpointName: string,
    variantName: string,
    latencyMs: number,
    outcome: 'ok' | 'error5xx' | 'error4xx',
  ) {
    const now = this.ctx.now();
    // SageMaker publishes a period's metrics once the period is over.
    const visibleAt = this.metrics.bucketStart(now) + this.metrics.periodMs;
    const dims = [
      { Name: 'EndpointName', Value: endpointName },
      { Name: 'VariantName', Value: variantName },
    ];
    const put = (metricName: string, value: number, unit: string) =>
      this.metrics.put(
        { namespace: NAMESPACE, metricName, dimensions: dims, unit },
        now,
        { value },
        visibleAt,
      );
    put('Invocations', 1, 'None');
    put('Invocation5XXErrors', outcome === 'error5xx' ? 1 : 0, 'None');
    put('Invocation4XXErrors', outcome === 'error4xx' ? 1 : 0, 'None');
    put('ModelLatency', Math.round(latencyMs * 1000), 'Microseconds');
    put('OverheadLatency', Math.round((1 + this.random() * 2) * 1000), 'Microseconds');

    const key = `${endpointName}/${variantName}`;
    const c = this.counts.get(key) ?? { invocations: 0, errors5xx: 0, errors4xx: 0 };
    c.invocations++;
    if (outcome === 'error5xx') c.errors5xx++;
    if (outcome === 'error4xx') c.errors4xx++;
    this.counts.set(key, c);
  }
}
