/** pino for the service's own logs, and Temporal's Rust core and SDK logs routed into the same stream. */
import { DefaultLogger, Runtime, type LogLevel } from '@temporalio/worker';
import pino, { type Logger } from 'pino';

export function createLogger(level: string, name = 'mvl'): Logger {
  return pino({ name, level });
}

let runtimeInstalled = false;

/** Once per process: Temporal allows a single Runtime. */
export function routeTemporalLogsTo(logger: Logger, level: LogLevel = 'WARN'): void {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  const temporalLog = logger.child({ component: 'temporal' });
  Runtime.install({
    logger: new DefaultLogger(level, ({ level: l, message, meta }) => {
      const method = (
        { TRACE: 'trace', DEBUG: 'debug', INFO: 'info', WARN: 'warn', ERROR: 'error' } as const
      )[l];
      temporalLog[method](meta ?? {}, message);
    }),
  });
}
