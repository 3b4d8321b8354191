/**
 * Lifecycles parked at the approval gate: N started through the API, all waiting for an approver.
 * Then the API under 50 concurrent clients (autocannon) on those runs, and approve-all-at-once:
 * every one approved through the API by 50 concurrent clients, and the time from each approve
 * request to its first staging activity (createModelFromPackage) being scheduled, read from the
 * run's history. Staging's CreateModel is refused by an emulator throttle fault so the approved runs
 * stop there instead of deploying N staging endpoints; they are terminated at the end.
 */
import autocannon from 'autocannon';
import { randomUUID } from 'node:crypto';
import { quantile, rssMiB } from './stats';
import type { BenchStack } from './stack';

export interface ParkedResult {
  n: number;
  startAllSeconds: number;
  rss: {
    before: { worker: number; server: number };
    parked: { worker: number; server: number };
    afterApprove: { worker: number; server: number };
  };
  approve: { p50: number; p99: number; errors: number };
  approveToStaging: { p50: number; p99: number; max: number; missing: number };
  api: { name: string; runs: { p50: number; p99: number; errors: number; rps: number }[] }[];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function pool<T>(items: T[], concurrency: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < items.length) await fn(items[next++]!);
    }),
  );
}

function startBody(group: string, i: number) {
  const key = `park-${i}-${randomUUID().slice(0, 6)}`;
  return {
    modelPackageGroup: group,
    idempotencyKey: key,
    artifactUri: 's3://models/park/model.tar.gz',
    inferenceImage: '123456789012.dkr.ecr.us-east-1.amazonaws.com/churn:2',
    metrics: { auc: 0.91 },
    lineage: {
      datasetUri: 's3://data/churn',
      datasetVersion: '8',
      codeCommit: 'def456',
      trainingJobName: key,
    },
    deployment: { productionEndpointName: `${group}-prod` },
  };
}

async function count(stack: BenchStack, query: string): Promise<number> {
  const r = await stack.client.workflowService.countWorkflowExecutions({ namespace: 'default', query });
  return Number(r.count ?? 0);
}

const rss = (stack: BenchStack) => ({
  worker: rssMiB(stack.worker.pid),
  server: rssMiB(stack.temporal.process.pid!),
});

async function loadTest(url: string, token: string, paths: () => string, seconds: number) {
  const result = await autocannon({
    url,
    connections: 50,
    duration: seconds,
    headers: { authorization: `Bearer ${token}` },
    requests: [{ setupRequest: (req) => ({ ...req, path: paths() }) }],
  });
  return {
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.timeouts + result.non2xx,
    rps: result.requests.average,
  };
}

export async function parkedAtGate(
  stack: BenchStack,
  n: number,
  log: (l: string) => void,
): Promise<ParkedResult> {
  const group = `park${randomUUID().slice(0, 6)}`;
  const api = (path: string, role: string, body: unknown) =>
    fetch(`${stack.api.url}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${stack.token(role)}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  const before = rss(stack);
  const ids: string[] = [];
  const t0 = Date.now();
  await pool(
    Array.from({ length: n }, (_, i) => i),
    50,
    async (i) => {
      const res = await api('/model-versions', 'pipeline', startBody(group, i));
      if (res.status !== 201) throw new Error(`start ${i}: HTTP ${res.status} ${await res.text()}`);
      ids.push(((await res.json()) as { id: string }).id);
    },
  );
  const parkedQuery = `ModelPackageGroup = '${group}' AND LifecycleStage = 'awaiting-approval'`;
  while ((await count(stack, parkedQuery)) < n) {
    if (Date.now() - t0 > 1_800_000) throw new Error('not all parked within 30 min');
    await sleep(500);
  }
  const startAllSeconds = (Date.now() - t0) / 1000;
  log(`  ${n} parked in ${startAllSeconds.toFixed(1)} s`);
  await sleep(5000); // let the worker settle (cache, GC) before memory is read
  const parked = rss(stack);

  const readerToken = stack.token('viewer');
  const apiRuns: ParkedResult['api'] = [
    { name: 'GET /model-versions/:id', runs: [] },
    { name: 'GET /model-versions?stage=awaiting-approval', runs: [] },
  ];
  for (let r = 0; r < 3; r++) {
    apiRuns[0]!.runs.push(
      await loadTest(
        stack.api.url,
        readerToken,
        () => `/model-versions/${ids[Math.floor(Math.random() * ids.length)]}`,
        10,
      ),
    );
    apiRuns[1]!.runs.push(
      await loadTest(
        stack.api.url,
        readerToken,
        () => `/model-versions?stage=awaiting-approval&group=${group}`,
        10,
      ),
    );
  }
  log(`  API load done`);

  // Throttled, not delayed: a held call would keep one of the worker's activity slots per run, and
  // the runs behind them would wait for a slot before their first staging call (1000 parked, run of
  // 2026-12-02: 629 never got there). A throttled call is retried with backoff and frees its slot.
  const hold = stack.emulator.state.faults.add({ operation: 'CreateModel', kind: 'throttle' });
  const sentAt = new Map<string, number>();
  const approveLatency: number[] = [];
  let approveErrors = 0;
  await pool(ids, 50, async (id) => {
    const sent = Date.now();
    sentAt.set(id, sent);
    const res = await api(`/model-versions/${id}/approve`, 'approver', { comment: 'bench' });
    approveLatency.push(Date.now() - sent);
    if (res.status !== 200) approveErrors++;
    await res.arrayBuffer();
  });
  const stagingQuery = `ModelPackageGroup = '${group}' AND LifecycleStage = 'deploying-staging'`;
  const t1 = Date.now();
  while ((await count(stack, stagingQuery)) < n - approveErrors && Date.now() - t1 < 600_000)
    await sleep(500);
  const afterApprove = rss(stack);
  const toStaging: number[] = [];
  let missing = 0;
  await pool(ids, 20, async (id) => {
    const events = (await stack.client.workflow.getHandle(id).fetchHistory()).events ?? [];
    const scheduled = events.find(
      (e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'createModelFromPackage',
    );
    if (!scheduled) {
      missing++;
      return;
    }
    const at =
      Number(scheduled.eventTime!.seconds) * 1000 + Math.floor((scheduled.eventTime!.nanos ?? 0) / 1e6);
    toStaging.push(at - sentAt.get(id)!);
  });
  log(`  approve-all measured; terminating`);
  await pool(ids, 50, async (id) => {
    await stack.client.workflow
      .getHandle(id)
      .terminate('benchmark done')
      .catch(() => undefined);
  });
  stack.emulator.state.faults.remove(hold.id);
  return {
    n,
    startAllSeconds,
    rss: { before, parked, afterApprove },
    approve: {
      p50: quantile(approveLatency, 0.5),
      p99: quantile(approveLatency, 0.99),
      errors: approveErrors,
    },
    approveToStaging: {
      p50: quantile(toStaging, 0.5),
      p99: quantile(toStaging, 0.99),
      max: Math.max(...toStaging),
      missing,
    },
    api: apiRuns,
  };
}
