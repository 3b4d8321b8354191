/**
 * Optional OpenTelemetry tracing (README, "Operations"). Without an OTLP endpoint this returns
 * nothing and no OpenTelemetry module is loaded: the worker and the API install no interceptor.
 */
import type { Logger } from 'pino';
import type { TracingConfig } from '../config';
import { packageVersion } from '../worker/build-id';
import type { Tracing } from './otlp-tracing';

export type { Tracing } from './otlp-tracing';

export async function startTracing(
  config: TracingConfig | undefined,
  role: 'worker' | 'api',
  logger: Logger,
): Promise<Tracing | undefined> {
  if (!config) return undefined;
  const { createTracing } = await import('./otlp-tracing.js');
  return createTracing({
    tracesUrl: config.tracesUrl,
    serviceName: config.serviceName ?? `model-version-lifecycle-${role}`,
    serviceVersion: packageVersion(),
    logger,
  });
}
