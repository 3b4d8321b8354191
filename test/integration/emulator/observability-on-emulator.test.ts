/**
 * What operators read and scrape, end to end: the worker's Runtime installed as the worker process
 * installs it (src/worker/temporal-runtime.ts), its logs captured, its Prometheus endpoint scraped,
 * while the real activities poll real (emulated) endpoints that take seconds to become InService.
 * One version is promoted, one is rolled back by its health verdict.
 */
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  APPROVAL_WAIT_METRIC,
  ROLLBACKS_METRIC,
  STAGE_DURATION_METRIC,
  VERDICTS_METRIC,
} from '../../../src/shared/lifecycle-metrics';
import type { LifecycleState } from '../../../src/shared/lifecycle-state';
import { approveSignal } from '../../../src/shared/messages';
import { createLogger } from '../../../src/worker/logger';
import { installTemporalRuntime } from '../../../src/worker/temporal-runtime';
import { parsePrometheusText, sampleValue } from '../../helpers/prometheus-text';
import { runtimeInstalledByTest } from '../../helpers/temporal';
import { startLifecycle, waitForStage, type LifecycleHandle } from '../workflows/lifecycle-harness';
import {
  emulatorRequest,
  seedProduction,
  startEmulatorHarness,
  type EmulatorHarness,
} from './emulator-harness';

interface LogLine {
  level: number;
  msg: string;
  lifecycleId?: string;
  stage?: string;
  verdict?: string;
  failureType?: string;
  [key: string]: unknown;
}
const PINO_DEBUG = 20;
const PINO_INFO = 30;
const PINO_WARN = 40;

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

const lines: LogLine[] = [];
let metricsUrl: string;
let h: EmulatorHarness;

beforeAll(async () => {
  const port = await freePort();
  metricsUrl = `http://127.0.0.1:${port}/metrics`;
  // DEBUG for the SDK too, so the test sees the polls the production threshold (WARN) hides.
  const logger = createLogger('debug', 'mvl-worker', {
    write: (line: string) => void lines.push(JSON.parse(line) as LogLine),
  });
  installTemporalRuntime(logger, { metricsAddress: `127.0.0.1:${port}`, sdkLogLevel: 'DEBUG' });
  runtimeInstalledByTest();
  h = await startEmulatorHarness({ createDelayMs: 2500, updateDelayMs: 1500 });
});
afterAll(async () => h?.stop());

async function approvedRun(environment: Record<string, string> = {}): Promise<LifecycleState> {
  const req = emulatorRequest({ environment });
  req.deployment.bakeSeconds = 3;
  await seedProduction(h, req.modelPackageGroup, req.deployment.productionEndpointName);
  const handle: LifecycleHandle = await startLifecycle(h, req);
  await waitForStage(handle, 'awaiting-approval', 60_000);
  await handle.signal(approveSignal, { by: 'alice@ml' });
  return handle.result();
}

async function waitUntil(check: () => boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out waiting for the log lines');
    await new Promise((r) => setTimeout(r, 100));
  }
}

const linesOf = (id: string) => lines.filter((l) => l.lifecycleId === id);

describe('logs and metrics of lifecycles on the AWS emulator', () => {
  let promoted: LifecycleState;
  let rolledBack: LifecycleState;

  beforeAll(async () => {
    [promoted, rolledBack] = await Promise.all([
      approvedRun(),
      approvedRun({ EMULATOR_FAIL_ON_INPUT_CONTAINING: 'null' }),
    ]);
    expect(promoted.stage).toBe('promoted');
    expect(rolledBack.stage).toBe('rolled-back');
    expect(rolledBack.rollback?.cause).toBe('health');
    // The SDK writes a workflow task's log lines once the task is done, a moment after the result.
    await waitUntil(() =>
      [promoted, rolledBack].every((s) => linesOf(s.workflowId).some((l) => l.stage === s.stage)),
    );
  }, 180_000);

  it('logs the EndpointNotReady polls at DEBUG, never as a WARN per poll', () => {
    const polls = lines.filter((l) => l.msg === 'Activity failed' && l.failureType === 'EndpointNotReady');
    // The endpoints took seconds to be InService: the waits did poll.
    expect(polls.length).toBeGreaterThan(0);
    expect(polls.filter((l) => l.level !== PINO_DEBUG)).toEqual([]);
    const warnings = lines.filter((l) => l.level >= PINO_WARN);
    expect(warnings.filter((l) => JSON.stringify(l).includes('EndpointNotReady'))).toEqual([]);
  });

  it('logs one INFO line per stage transition and per health verdict, with the lifecycle id', () => {
    for (const state of [promoted, rolledBack]) {
      const own = linesOf(state.workflowId);
      const stageLines = own.filter((l) => l.stage !== undefined);
      expect(stageLines.map((l) => l.stage)).toEqual(state.transitions.map((t) => t.stage));
      expect(stageLines.every((l) => l.level === PINO_INFO)).toBe(true);
      const verdictLines = own.filter((l) => l.verdict !== undefined);
      expect(verdictLines.map((l) => l.verdict)).toEqual(state.verdicts.map((v) => v.status));
      expect(verdictLines.every((l) => l.level === PINO_INFO)).toBe(true);
    }
    const rollbackLine = linesOf(rolledBack.workflowId).find((l) => l.stage === 'rolling-back');
    expect(rollbackLine?.msg).toContain(`${rolledBack.workflowId}: canary → rolling-back`);
  });

  it('exports the lifecycle counters and histograms on the worker’s Prometheus endpoint', async () => {
    const scrape = parsePrometheusText(await (await fetch(metricsUrl)).text());
    const ours = { taskQueue: h.temporal.taskQueue };
    expect(sampleValue(scrape, `${ROLLBACKS_METRIC}_total`, { ...ours, cause: 'health' })).toBe(1);
    expect(sampleValue(scrape, `${ROLLBACKS_METRIC}_total`, { ...ours, cause: 'operator' })).toBe(0);

    const verdicts = [...promoted.verdicts, ...rolledBack.verdicts];
    for (const status of ['healthy', 'unhealthy'] as const) {
      expect(sampleValue(scrape, `${VERDICTS_METRIC}_total`, { ...ours, status })).toBe(
        verdicts.filter((v) => v.status === status).length,
      );
    }
    // Every stage left is one observation of its duration.
    const left = new Map<string, number>();
    for (const state of [promoted, rolledBack]) {
      for (const t of state.transitions.slice(0, -1)) left.set(t.stage, (left.get(t.stage) ?? 0) + 1);
    }
    for (const [stage, n] of left) {
      expect(sampleValue(scrape, `${STAGE_DURATION_METRIC}_count`, { ...ours, stage }), stage).toBe(n);
    }
    expect(sampleValue(scrape, `${APPROVAL_WAIT_METRIC}_count`, { ...ours, decision: 'Approved' })).toBe(2);
    expect(
      sampleValue(scrape, `${APPROVAL_WAIT_METRIC}_sum`, { ...ours, decision: 'Approved' }),
    ).toBeGreaterThan(0);
    // The SDK's own metrics come through the same exporter (their labels are snake_case).
    expect(
      sampleValue(scrape, 'temporal_workflow_completed_total', {
        task_queue: h.temporal.taskQueue,
        workflow_type: 'modelVersionLifecycle',
      }),
    ).toBe(2);
  });
});
