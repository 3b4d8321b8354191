/**
 * The bundle's workflow interceptors: OpenTelemetry tracing (`@temporalio/interceptors-opentelemetry`)
 * for a run whose start carried a trace context (a client with tracing on made it: the API, or the
 * worker's own client starting the endpoint lock), and nothing at all for every other run.
 *
 * Why gated: the bundle is built ahead, one for workers with tracing on and off (its hash is the build
 * id), and workflow code cannot see the worker's settings. The start's headers are in the run's
 * history, so the choice comes out the same on every replay. Recorded histories, runs started from the
 * UI or CLI and runs begun before tracing existed go through `next` alone, exactly as before. A traced
 * run gets spans and a trace header on its activities: no command is added, dropped or reordered (the
 * package's SDK flags keep its own yield points replay-safe).
 *
 * The OpenTelemetry code is required at the first traced run, so a worker without tracing never
 * evaluates it; the spans leave the sandbox through the `exporter` sink the worker injects.
 */
import type {
  Headers,
  WorkflowInboundCallsInterceptor,
  WorkflowInterceptors,
  WorkflowInternalsInterceptor,
  WorkflowOutboundCallsInterceptor,
} from '@temporalio/workflow';

type OpenTelemetryWorkflowModule = typeof import('@temporalio/interceptors-opentelemetry/lib/workflow');

/** The package's header (its TRACE_HEADER); importing it would load OpenTelemetry into every run. */
const TRACE_HEADER = '_tracer-data';

const carriesTrace = (headers: Headers | undefined): boolean => !!headers && TRACE_HEADER in headers;

interface OpenTelemetryInterceptors {
  inbound: WorkflowInboundCallsInterceptor;
  outbound: WorkflowOutboundCallsInterceptor;
  internals: WorkflowInternalsInterceptor;
}

function openTelemetryInterceptors(): OpenTelemetryInterceptors {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- evaluated at the first traced run only
  const otel = require('@temporalio/interceptors-opentelemetry/lib/workflow') as OpenTelemetryWorkflowModule;
  return {
    inbound: new otel.OpenTelemetryInboundInterceptor(),
    outbound: new otel.OpenTelemetryOutboundInterceptor(),
    internals: new otel.OpenTelemetryInternalsInterceptor(),
  };
}

export const interceptors = (): WorkflowInterceptors => {
  let otel: OpenTelemetryInterceptors | undefined;
  const tracing = () => (otel ??= openTelemetryInterceptors());
  /** Set by a traced start: the run's own calls (activities, signals, continue-as-new) carry its trace. */
  let traced = false;

  const inbound: WorkflowInboundCallsInterceptor = {
    execute(input, next) {
      if (!carriesTrace(input.headers)) return next(input);
      traced = true;
      return tracing().inbound.execute!(input, next);
    },
    // A signal, update or query is traced when its sender's trace came with it.
    handleSignal: (input, next) =>
      carriesTrace(input.headers) ? tracing().inbound.handleSignal!(input, next) : next(input),
    handleUpdate: (input, next) =>
      carriesTrace(input.headers) ? tracing().inbound.handleUpdate!(input, next) : next(input),
    validateUpdate: (input, next) =>
      carriesTrace(input.headers) ? tracing().inbound.validateUpdate!(input, next) : next(input),
    handleQuery: (input, next) =>
      carriesTrace(input.headers) ? tracing().inbound.handleQuery!(input, next) : next(input),
  };

  const outbound: WorkflowOutboundCallsInterceptor = {
    scheduleActivity: (input, next) =>
      traced ? tracing().outbound.scheduleActivity!(input, next) : next(input),
    scheduleLocalActivity: (input, next) =>
      traced ? tracing().outbound.scheduleLocalActivity!(input, next) : next(input),
    startChildWorkflowExecution: (input, next) =>
      traced ? tracing().outbound.startChildWorkflowExecution!(input, next) : next(input),
    continueAsNew: (input, next) => (traced ? tracing().outbound.continueAsNew!(input, next) : next(input)),
    signalWorkflow: (input, next) => (traced ? tracing().outbound.signalWorkflow!(input, next) : next(input)),
    // Log lines written inside a span carry its trace_id and span_id.
    getLogAttributes: (input, next) => (otel ? otel.outbound.getLogAttributes!(input, next) : next(input)),
  };

  const internals: WorkflowInternalsInterceptor = {
    dispose: (input, next) => (otel ? otel.internals.dispose!(input, next) : next(input)),
  };

  return { inbound: [inbound], outbound: [outbound], internals: [internals] };
};
