/**
 * OpenTelemetry for one process role (the worker or the API): spans batched to an OTLP/HTTP collector
 * as JSON, the W3C trace context carried in Temporal headers by `@temporalio/interceptors-opentelemetry`,
 * and the interceptors and sink each side installs. Loaded only when tracing is configured (index.ts).
 *
 * Each role has its own provider and tracer (the local stack runs both in one process, under two
 * service names); none is registered as the global provider. The context manager and the propagator
 * are process-wide: the interceptors read the active span and inject it through the global API.
 */
import { context, diag, DiagLogLevel, propagation, type Tracer } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { envDetectorSync, Resource } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from '@opentelemetry/semantic-conventions';
import type { ClientInterceptors } from '@temporalio/client';
import {
  makeWorkflowExporter,
  OpenTelemetryActivityInboundInterceptor,
  OpenTelemetryActivityOutboundInterceptor,
  OpenTelemetryWorkflowClientInterceptor,
  type OpenTelemetrySinks,
} from '@temporalio/interceptors-opentelemetry';
import type { ActivityInterceptorsFactory, InjectedSinks } from '@temporalio/worker';
import type { Logger } from 'pino';

export interface TracingOptions {
  tracesUrl: string;
  serviceName: string;
  serviceVersion: string;
  /** OpenTelemetry's own complaints (a collector that refuses or cannot be reached) go here, as WARN. */
  logger: Logger;
}

export interface Tracing {
  serviceName: string;
  tracesUrl: string;
  tracer: Tracer;
  /** For every Temporal client: a start, signal, update or query carries the caller's trace. */
  clientInterceptors: ClientInterceptors;
  /** For the worker: each activity attempt is a span under the workflow's, its log lines carry the ids. */
  activityInterceptors: ActivityInterceptorsFactory[];
  /** For the worker: the workflow interceptors (workflows/tracing-interceptors.ts) hand their spans here. */
  workflowSinks: InjectedSinks<OpenTelemetrySinks>;
  /** Exports what is still batched, then stops; at shutdown. */
  shutdown(): Promise<void>;
}

let processWideInstalled = false;

function installProcessWide(logger: Logger): void {
  if (processWideInstalled) return;
  processWideInstalled = true;
  const warn = (message: string, ...args: unknown[]) =>
    logger.warn({ component: 'opentelemetry', details: args.map(String) }, message);
  const quiet = () => undefined;
  diag.setLogger({ error: warn, warn, info: quiet, debug: quiet, verbose: quiet }, DiagLogLevel.WARN);
  // Without an async context manager, "the active span" is lost at the first await and a start
  // request would reach the workflow without its trace.
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
}

export function createTracing(options: TracingOptions): Tracing {
  installProcessWide(options.logger);
  // OTEL_RESOURCE_ATTRIBUTES (deployment.environment, …) on top of the service's own.
  const resource = Resource.default()
    .merge(
      new Resource({
        [ATTR_SERVICE_NAME]: options.serviceName,
        [ATTR_SERVICE_VERSION]: options.serviceVersion,
      }),
    )
    .merge(envDetectorSync.detect())
    .merge(new Resource({ [ATTR_SERVICE_NAME]: options.serviceName }));
  // Headers, timeout and compression still come from OTEL_EXPORTER_OTLP_* as the exporter reads them.
  const spanProcessor = new BatchSpanProcessor(new OTLPTraceExporter({ url: options.tracesUrl }));
  const provider = new BasicTracerProvider({ resource, spanProcessors: [spanProcessor] });
  const tracer = provider.getTracer('model-version-lifecycle', options.serviceVersion);
  return {
    serviceName: options.serviceName,
    tracesUrl: options.tracesUrl,
    tracer,
    clientInterceptors: { workflow: [new OpenTelemetryWorkflowClientInterceptor({ tracer })] },
    activityInterceptors: [
      (ctx) => ({
        inbound: new OpenTelemetryActivityInboundInterceptor(ctx, { tracer }),
        outbound: new OpenTelemetryActivityOutboundInterceptor(ctx),
      }),
    ],
    workflowSinks: { exporter: makeWorkflowExporter(spanProcessor, resource) },
    async shutdown() {
      // An unreachable collector loses the last spans (diag logs it); it never fails the shutdown.
      await provider.shutdown().catch(() => undefined);
    },
  };
}
