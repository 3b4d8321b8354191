/**
 * OpenTelemetry tracing end to end: the API and the worker as their processes start them
 * (`startApi`, `startWorker` from the environment, OTEL_EXPORTER_OTLP_ENDPOINT set), the prebuilt
 * workflow bundle of the run, the emulator, and an OTLP/HTTP receiver in this file. A start request's
 * trace continues into the workflow and its activities, and the traced run still replays.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client, Connection } from '@temporalio/client';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startEmulator, type Emulator } from '@model-version-lifecycle/sagemaker-emulator';
import { startApi, type RunningApi } from '../../../src/api/start-api';
import { loadConfig } from '../../../src/config';
import type { LifecycleState } from '../../../src/shared/lifecycle-state';
import { installTemporalRuntime } from '../../../src/worker/temporal-runtime';
import { startWorker, type RunningWorker } from '../../../src/worker/start-worker';
import { replayHistory, THIS_BUILD } from '../../helpers/replay-history';
import { runtimeInstalledByTest } from '../../helpers/temporal';
import { emulatorRequest } from '../emulator/emulator-harness';

interface ReceivedSpan {
  service: string;
  name: string;
  traceId: string;
  spanId: string;
  parentSpanId?: string;
}

interface OtlpJson {
  resourceSpans?: {
    resource?: { attributes?: { key: string; value: { stringValue?: string } }[] };
    scopeSpans?: { spans?: { name: string; traceId: string; spanId: string; parentSpanId?: string }[] }[];
  }[];
}

/** A collector's OTLP/HTTP traces route, JSON encoding (what the exporter sends), keeping every span. */
async function startOtlpReceiver(): Promise<{ url: string; spans: ReceivedSpan[]; close(): Promise<void> }> {
  const spans: ReceivedSpan[] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      if (req.method !== 'POST' || req.url !== '/v1/traces') {
        res.writeHead(404).end();
        return;
      }
      const payload = JSON.parse(body) as OtlpJson;
      for (const rs of payload.resourceSpans ?? []) {
        const service =
          rs.resource?.attributes?.find((a) => a.key === 'service.name')?.value.stringValue ?? '';
        for (const ss of rs.scopeSpans ?? []) {
          for (const s of ss.spans ?? []) {
            spans.push({
              service,
              name: s.name,
              traceId: s.traceId,
              spanId: s.spanId,
              ...(s.parentSpanId ? { parentSpanId: s.parentSpanId } : {}),
            });
          }
        }
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    spans,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** A port free right now, for the API (startApi listens on the configured port). */
async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

const PIPELINE = { token: `tok-pipeline-${randomUUID()}`, identity: 'pipeline@test', role: 'pipeline' };
const APPROVER = { token: `tok-approver-${randomUUID()}`, identity: 'alice@test', role: 'approver' };

let receiver: Awaited<ReturnType<typeof startOtlpReceiver>>;
let emulator: Emulator;
let worker: RunningWorker | undefined;
let api: RunningApi | undefined;
const taskQueue = `tracing-${randomUUID()}`;

beforeAll(async () => {
  process.env.AWS_ACCESS_KEY_ID ??= 'test';
  process.env.AWS_SECRET_ACCESS_KEY ??= 'test';
  receiver = await startOtlpReceiver();
  emulator = await startEmulator({ port: 0, metricPeriodSeconds: 1, createDelayMs: 300, updateDelayMs: 300 });
  const config = loadConfig({
    TEMPORAL_ADDRESS: inject('temporalAddress'),
    TEMPORAL_NAMESPACE: inject('temporalNamespace'),
    TEMPORAL_TASK_QUEUE: taskQueue,
    TEMPORAL_WORKER_VERSIONING: 'off',
    WORKFLOW_BUNDLE_PATH: inject('workflowBundlePath'),
    AWS_ENDPOINT_URL: emulator.url,
    API_PORT: String(await freePort()),
    AUTH_TOKENS: [PIPELINE, APPROVER].map((t) => `${t.token}:${t.identity}:${t.role}`).join(','),
    OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
  });
  const logger = pino({ level: 'warn' });
  installTemporalRuntime(logger);
  runtimeInstalledByTest();
  worker = await startWorker(config, logger);
  api = await startApi(config, logger);
});

afterAll(async () => {
  await api?.close();
  await worker?.stop();
  await emulator?.close();
  await receiver?.close();
});

async function call<T>(method: string, path: string, token: string, body?: unknown) {
  const res = await fetch(`${api!.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  return { status: res.status, body: (await res.json()) as T };
}

describe('tracing with OTEL_EXPORTER_OTLP_ENDPOINT set', () => {
  it("continues a start request's trace into the workflow and its activities, and the traced run replays", async () => {
    const { registeredBy: _, ...body } = emulatorRequest();
    const started = await call<{ id: string }>('POST', '/model-versions', PIPELINE.token, body);
    expect(started.status).toBe(201);
    const id = started.body.id;
    await expect
      .poll(
        // view=full: the state query (a plain GET answers from the memo, with no worker involved).
        async () =>
          (await call<LifecycleState>('GET', `/model-versions/${id}?view=full`, APPROVER.token)).body.stage,
        {
          timeout: 60_000,
          interval: 250,
        },
      )
      .toBe('awaiting-approval');
    const rejected = await call('POST', `/model-versions/${id}/reject`, APPROVER.token, {
      comment: 'not now',
    });
    expect(rejected.status).toBeLessThan(300);
    await expect
      .poll(
        // view=full: the state query (a plain GET answers from the memo, with no worker involved).
        async () =>
          (await call<LifecycleState>('GET', `/model-versions/${id}?view=full`, APPROVER.token)).body.stage,
        {
          timeout: 60_000,
          interval: 250,
        },
      )
      .toBe('rejected');

    // Stopping flushes: the API's client spans, then the worker's (the workflow's come through its sink).
    await api!.close();
    api = undefined;
    await worker!.stop();
    worker = undefined;

    const spans = receiver.spans;
    const start = spans.find((s) => s.name === 'StartWorkflow:modelVersionLifecycle');
    expect(start, `spans received: ${spans.map((s) => s.name).join(', ')}`).toBeDefined();
    expect(start!.service).toBe('model-version-lifecycle-api');
    const trace = spans.filter((s) => s.traceId === start!.traceId);
    const run = trace.find((s) => s.name === 'RunWorkflow:modelVersionLifecycle');
    expect(run, `spans of the start's trace: ${trace.map((s) => s.name).join(', ')}`).toBeDefined();
    expect(run!.service).toBe('model-version-lifecycle-worker');
    expect(run!.parentSpanId).toBe(start!.spanId);
    const activities = trace.filter((s) => s.name.startsWith('RunActivity:'));
    expect(activities.length).toBeGreaterThan(0);
    expect(activities.map((s) => s.service)).toEqual(activities.map(() => 'model-version-lifecycle-worker'));
    // Each attempt hangs under the workflow's StartActivity span, itself under RunWorkflow.
    const scheduled = new Map(
      trace.filter((s) => s.name.startsWith('StartActivity:')).map((s) => [s.spanId, s]),
    );
    for (const a of activities) expect(scheduled.get(a.parentSpanId ?? '')?.parentSpanId).toBe(run!.spanId);

    // The reject went through an update with a trace of its own, handled in the workflow.
    const update = spans.find((s) => s.name === 'StartWorkflowUpdate:command');
    expect(update).toBeDefined();
    expect(spans.some((s) => s.traceId === update!.traceId && s.name === 'HandleUpdate:command')).toBe(true);

    // The API's full-state reads are queries, each a trace of its own (answered in the workflow too, once
    // the run has recorded the package's SDK flag for it: here from the traced update on).
    const queries = spans.filter((s) => s.name === 'QueryWorkflow:state');
    expect(queries.map((s) => s.service)).toContain('model-version-lifecycle-api');
    const handled = spans.filter((s) => s.name === 'HandleQuery:state');
    expect(handled.some((h) => queries.some((q) => q.traceId === h.traceId))).toBe(true);

    // Trace headers and spans only: the traced run's history replays on the bundle.
    const connection = await Connection.connect({ address: inject('temporalAddress') });
    try {
      const client = new Client({ connection, namespace: inject('temporalNamespace') });
      const history = await client.workflow.getHandle(id).fetchHistory();
      await replayHistory(inject('workflowBundlePath'), { name: 'traced-rejected', history }, THIS_BUILD);
    } finally {
      await connection.close();
    }
  });
});
