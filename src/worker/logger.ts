/**
 * pino for the service's own logs, and the Temporal SDK's logs routed into the same stream.
 *
 * Two thresholds: the lifecycle's own lines (workflow code's `log`, one per stage transition and
 * health verdict: workflows/lifecycle-telemetry.ts) pass at the service's level; the SDK's and Rust
 * core's chatter only from WARN. An expected poll (EndpointNotReady) is a BENIGN failure, which the
 * SDK logs at DEBUG (activities/aws-errors.ts), so it never reaches the WARN threshold.
 */
import { DefaultLogger, type LogLevel } from '@temporalio/worker';
import { ApplicationFailure, SdkComponent } from '@temporalio/common';
import pino, { type DestinationStream, type Logger } from 'pino';

export function createLogger(level: string, name = 'mvl', destination?: DestinationStream): Logger {
  return destination ? pino({ name, level }, destination) : pino({ name, level });
}

/**
 * `err` is the key pino serialises errors under (message, stack); under the SDK's `error` key an
 * Error prints as {}. pino names an error's class `type`, so a failure's own type (EndpointNotReady,
 * AwsValidationError) goes in `failureType`.
 */
function readableMeta(meta: Record<string, unknown> | undefined): Record<string, unknown> {
  if (!meta || !(meta.error instanceof Error)) return meta ?? {};
  const { error, ...rest } = meta;
  return {
    ...rest,
    err: error,
    ...(error instanceof ApplicationFailure && error.type ? { failureType: error.type } : {}),
  };
}

const ORDER: LogLevel[] = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR'];
const PINO_METHOD = { TRACE: 'trace', DEBUG: 'debug', INFO: 'info', WARN: 'warn', ERROR: 'error' } as const;

const PINO_TO_SDK: Record<string, LogLevel> = {
  trace: 'TRACE',
  debug: 'DEBUG',
  info: 'INFO',
  warn: 'WARN',
  error: 'ERROR',
  fatal: 'ERROR',
};

/** The SDK logger for `Runtime.install`, writing to `logger` (component: temporal). */
export function temporalLogger(logger: Logger, sdkLevel: LogLevel = 'WARN'): DefaultLogger {
  const temporalLog = logger.child({ component: 'temporal' });
  const atLeast = (level: LogLevel, threshold: LogLevel) => ORDER.indexOf(level) >= ORDER.indexOf(threshold);
  const workflowLevel = PINO_TO_SDK[logger.level] ?? 'INFO';
  const lowest = atLeast(workflowLevel, sdkLevel) ? sdkLevel : workflowLevel;
  return new DefaultLogger(lowest, ({ level, message, meta }) => {
    const fromWorkflow = meta?.sdkComponent === SdkComponent.workflow;
    if (!fromWorkflow && !atLeast(level, sdkLevel)) return;
    temporalLog[PINO_METHOD[level]](readableMeta(meta), message);
  });
}
