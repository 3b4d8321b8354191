/**
 * Without an OTLP endpoint tracing costs nothing: the worker's and the API's start modules load no
 * OpenTelemetry SDK, exporter or Temporal interceptor (prom-client's optional use of the bare
 * `@opentelemetry/api` aside), and `startTracing` gives nothing to install.
 */
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { startApi } from '../../../src/api/start-api';
import { loadConfig } from '../../../src/config';
import { startTracing } from '../../../src/tracing';
import { startWorker } from '../../../src/worker/start-worker';

/** Packages loaded into this process (each test file runs in a process of its own). */
function loadedPackages(): string[] {
  const names = Object.keys(require.cache)
    .filter((f) => f.includes('node_modules/'))
    .map((f) => f.split('node_modules/').pop()!.split('/').slice(0, 2).join('/'));
  return [...new Set(names)];
}

describe('tracing unset', () => {
  it('starts nothing and loads no OpenTelemetry SDK or interceptor into the worker or the API', async () => {
    expect([startWorker, startApi].map((f) => typeof f)).toEqual(['function', 'function']);
    expect(await startTracing(loadConfig({}).tracing, 'worker', pino({ level: 'silent' }))).toBeUndefined();
    const loaded = loadedPackages();
    expect(loaded).toContain('@temporalio/worker'); // the check sees what the modules load
    expect(
      loaded.filter((m) => m.startsWith('@opentelemetry/') || m === '@temporalio/interceptors-opentelemetry'),
    ).toEqual(['@opentelemetry/api']);
  });
});
