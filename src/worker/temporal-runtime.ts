/**
 * The process's one Temporal Runtime: the SDK's logs into pino (logger.ts) and, when an address is
 * given, its metrics on a Prometheus endpoint. Those metrics are the SDK's own (task latencies,
 * activity failures, poll counts: `temporal_*`) and the lifecycle's, which workflow code emits
 * through `metricMeter` (workflows/lifecycle-telemetry.ts: `mvl_*`).
 *
 * Temporal allows one Runtime per process, installed before any worker or native connection, so
 * the worker process and the local stack call this first, once.
 */
import { Runtime, type LogLevel } from '@temporalio/worker';
import type { Logger } from 'pino';
import { LIFECYCLE_HISTOGRAM_BUCKETS } from '../shared/lifecycle-metrics';
import { temporalLogger } from './logger';

export interface TemporalRuntimeOptions {
  /** `host:port` for the Prometheus exporter (GET /metrics there); unset: no metrics exporter. */
  metricsAddress?: string;
  /** Threshold for the SDK's own lines (default WARN); the lifecycle's lines follow the logger's level. */
  sdkLogLevel?: LogLevel;
}

let installed = false;

export function installTemporalRuntime(logger: Logger, options: TemporalRuntimeOptions = {}): void {
  if (installed) return;
  installed = true;
  Runtime.install({
    logger: temporalLogger(logger, options.sdkLogLevel),
    telemetryOptions: {
      // The Rust core's own lines (connection trouble, fatal worker errors) go to pino too.
      logging: { filter: { core: 'WARN', other: 'WARN' }, forward: {} },
      ...(options.metricsAddress
        ? {
            metrics: {
              prometheus: {
                bindAddress: options.metricsAddress,
                countersTotalSuffix: true,
                useSecondsForDurations: true,
                histogramBucketOverrides: LIFECYCLE_HISTOGRAM_BUCKETS,
              },
            },
          }
        : {}),
    },
  });
}
