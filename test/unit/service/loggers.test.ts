/**
 * The two adapters onto pino: the Temporal SDK's logger (lifecycle lines at the service's level, SDK
 * chatter only from WARN, failures readable) and Nest's LoggerService.
 */
import { ApplicationFailure } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import { PinoNestLogger } from '../../../src/api/pino-nest-logger';
import { createLogger, temporalLogger } from '../../../src/worker/logger';

function capture(level = 'info') {
  const lines: Record<string, unknown>[] = [];
  const logger = createLogger(level, 'test', {
    write: (l: string) => void lines.push(JSON.parse(l) as Record<string, unknown>),
  });
  return { logger, lines };
}

describe('the Temporal SDK logger on pino', () => {
  it('passes workflow lines at the service level and the SDK’s own only from WARN', () => {
    const { logger, lines } = capture('info');
    const sdk = temporalLogger(logger);
    sdk.info('mv-1: registering → awaiting-approval', { sdkComponent: 'workflow', lifecycleId: 'mv-1' });
    sdk.info('Worker state changed', { sdkComponent: 'worker' });
    sdk.debug('Activity failed', { sdkComponent: 'worker' });
    sdk.debug('workflow debug', { sdkComponent: 'workflow' });
    sdk.warn('Activity failed', { sdkComponent: 'worker' });
    expect(lines.map((l) => [l.level, l.msg])).toEqual([
      [30, 'mv-1: registering → awaiting-approval'],
      [40, 'Activity failed'],
    ]);
    expect(lines[0]).toMatchObject({ component: 'temporal', lifecycleId: 'mv-1' });
  });

  it('prints a failure’s message, stack and own type instead of {}', () => {
    const { logger, lines } = capture();
    temporalLogger(logger).warn('Activity failed', {
      sdkComponent: 'worker',
      error: ApplicationFailure.nonRetryable('no such role', 'AwsValidationError'),
    });
    expect(lines[0]).toMatchObject({ failureType: 'AwsValidationError', err: { message: 'no such role' } });
    expect((lines[0]!.err as { stack: string }).stack).toMatch(/no such role/);
    expect(lines[0]).not.toHaveProperty('error');
  });
});

describe('Nest’s logger on pino', () => {
  it('writes warnings and errors with their context, and Nest’s bootstrap chatter at debug', () => {
    const { logger, lines } = capture('debug');
    const nest = new PinoNestLogger(logger);
    nest.log('Mapped {/metrics, GET} route', 'RouterExplorer');
    nest.warn('studio decision refused', 'SageMakerEvents');
    nest.error('boom', 'Error: boom\n    at x', 'ExceptionsHandler');
    nest.error(new Error('thrown'));
    expect(lines.map((l) => [l.level, l.msg, l.context])).toEqual([
      [20, 'Mapped {/metrics, GET} route', 'RouterExplorer'],
      [40, 'studio decision refused', 'SageMakerEvents'],
      [50, 'boom', 'ExceptionsHandler'],
      [50, 'thrown', undefined],
    ]);
    expect(lines[2]).toMatchObject({ component: 'nest', stack: 'Error: boom\n    at x' });
  });
});
