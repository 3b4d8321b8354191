/**
 * Lifecycles parked at the approval gate: N started through the API, all waiting for an approver,
 * on the dev server or on the PostgreSQL cluster (a `ParkingStack` either way).
 * Then the API under 50 concurrent clients (autocannon) on those runs, and approve-all-at-once:
 * every one approved through the API by 50 concurrent clients, and the time from each approve
 * request to its first staging activity (createModelFromPackage) being scheduled, read from the
 * run's history. Staging's CreateModel is refused by an emulator throttle fault so the approved runs
 * stop there instead of deploying N staging endpoints; they are terminated at the end.
 */
import autocannon from 'autocannon';
import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { cpuSeconds, quantile } from './stats';

/** What the parked benchmark needs of a topology. */
export interface ParkingStack {
  /** "dev server" or "PostgreSQL cluster, 2 workers", for the tables. */
  label: string;
  /** WORKER_MAX_CACHED_WORKFLOWS of its workers. */
  maxCachedWorkflows: number;
  client: Client;
  namespace: string;
  apiUrl: string;
  token(role: string): string;
  /** Memory now, MiB: each worker's RSS, the Temporal server's RSS, its database's (PSS) if it has its own. */
  memory(): Memory;
  /** Its processes by role, for the CPU each used during a load test (`tree`: with its children). */
  processes(): { role: CpuRole; pid: number; tree?: boolean }[];
  /** Makes staging's CreateModel fail as throttled until the returned function is called. */
  refuseStagingCreateModel(): Promise<() => Promise<void>>;
}

/** Where the CPU of a load test went; "benchmark" is this process, which runs autocannon. */
export const CPU_ROLES = ['Temporal server', 'API', 'workers', 'PostgreSQL', 'benchmark'] as const;
export type CpuRole = (typeof CPU_ROLES)[number];

export interface Memory {
  workers: number[];
  server: number;
  database?: number;
}

export interface ParkedResult {
  label: string;
  n: number;
  maxCachedWorkflows: number;
  startAllSeconds: number;
  memory: { before: Memory; parked: Memory; afterApprove?: Memory };
  /** Only when the run approved them all (not for the 10,000 run: parking is what it measures). */
  approve?: { p50: number; p99: number; errors: number };
  approveToStaging?: { p50: number; p99: number; max: number; missing: number };
  /** The baseline, same run: approve → first staging activity for a few runs approved one at a time on the idle stack. */
  approveToStagingAlone?: number[];
  /** Approved runs that reached their first staging call, per second, from the first approve sent to the last one there. */
  approveThroughput?: number;
  api: { name: string; runs: LoadRun[] }[];
}

export interface LoadRun {
  p50: number;
  p99: number;
  errors: number;
  rps: number;
  /** CPU used during the run by each role, in cores (CPU seconds ÷ the run's seconds). */
  cores: Partial<Record<CpuRole, number>>;
}

export interface ParkedOptions {
  n: number;
  approveAll: boolean;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** Approved one at a time before the rest are approved at once: the baseline of the approve figure. */
const SOLO_APPROVALS = 5;

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

async function count(stack: ParkingStack, query: string): Promise<number> {
  const r = await stack.client.workflowService.countWorkflowExecutions({ namespace: stack.namespace, query });
  return Number(r.count ?? 0);
}

function cpuByRole(stack: ParkingStack): Partial<Record<CpuRole, number>> {
  const out: Partial<Record<CpuRole, number>> = { benchmark: cpuSeconds(process.pid) };
  for (const p of stack.processes()) out[p.role] = (out[p.role] ?? 0) + cpuSeconds(p.pid, p.tree);
  return out;
}

async function loadTest(
  stack: ParkingStack,
  token: string,
  paths: () => string,
  seconds: number,
): Promise<LoadRun> {
  const cpuBefore = cpuByRole(stack);
  const wallBefore = Date.now();
  const result = await autocannon({
    url: stack.apiUrl,
    connections: 50,
    duration: seconds,
    headers: { authorization: `Bearer ${token}` },
    requests: [{ setupRequest: (req) => ({ ...req, path: paths() }) }],
  });
  const wallSeconds = (Date.now() - wallBefore) / 1000;
  const cpuAfter = cpuByRole(stack);
  const cores: LoadRun['cores'] = {};
  for (const role of Object.keys(cpuAfter) as CpuRole[])
    cores[role] = (cpuAfter[role]! - (cpuBefore[role] ?? 0)) / wallSeconds;
  return {
    cores,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.timeouts + result.non2xx,
    rps: result.requests.average,
  };
}

export async function parkedAtGate(
  stack: ParkingStack,
  { n, approveAll }: ParkedOptions,
  log: (l: string) => void,
): Promise<ParkedResult> {
  const group = `park${randomUUID().slice(0, 6)}`;
  const api = (path: string, role: string, body: unknown) =>
    fetch(`${stack.apiUrl}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${stack.token(role)}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  const before = stack.memory();
  const ids: string[] = [];
  const t0 = Date.now();
  await pool(
    Array.from({ length: n }, (_, i) => i),
    50,
    async (i) => {
      const res = await api('/model-versions', 'pipeline', startBody(group, i));
      if (res.status !== 201) throw new Error(`start ${i}: HTTP ${res.status} ${await res.text()}`);
      ids.push(((await res.json()) as { id: string }).id);
      if (ids.length % 1000 === 0) log(`  ${ids.length} of ${n} started`);
    },
  );
  const parkedQuery = `ModelPackageGroup = '${group}' AND LifecycleStage = 'awaiting-approval'`;
  while ((await count(stack, parkedQuery)) < n) {
    if (Date.now() - t0 > 5_400_000) throw new Error('not all parked within 90 min');
    await sleep(1000);
  }
  const startAllSeconds = (Date.now() - t0) / 1000;
  log(`  ${n} parked in ${startAllSeconds.toFixed(1)} s`);
  await sleep(5000); // let the worker settle (cache, GC) before memory is read
  const parked = stack.memory();

  const readerToken = stack.token('viewer');
  const apiRuns: ParkedResult['api'] = [
    { name: 'GET /model-versions/:id', runs: [] },
    { name: 'GET /model-versions?stage=awaiting-approval', runs: [] },
  ];
  for (let r = 0; r < 3; r++) {
    apiRuns[0]!.runs.push(
      await loadTest(
        stack,
        readerToken,
        () => `/model-versions/${ids[Math.floor(Math.random() * ids.length)]}`,
        10,
      ),
    );
    apiRuns[1]!.runs.push(
      await loadTest(stack, readerToken, () => `/model-versions?stage=awaiting-approval&group=${group}`, 10),
    );
  }
  log(`  API load done`);
  const result: ParkedResult = {
    label: stack.label,
    n,
    maxCachedWorkflows: stack.maxCachedWorkflows,
    startAllSeconds,
    memory: { before, parked },
    api: apiRuns,
  };
  if (approveAll) {
    const { memory, ...approved } = await approveAllAtOnce(stack, ids, group, api, log);
    Object.assign(result, approved);
    result.memory.afterApprove = memory;
  }
  log(`  terminating`);
  await pool(ids, 50, async (id) => {
    await stack.client.workflow
      .getHandle(id)
      .terminate('benchmark done')
      .catch(() => undefined);
  });
  return result;
}

/** All approved at once through the API, and each approve → its first staging activity, from the history. */
async function approveAllAtOnce(
  stack: ParkingStack,
  ids: string[],
  group: string,
  api: (path: string, role: string, body: unknown) => Promise<Response>,
  log: (l: string) => void,
): Promise<
  Pick<ParkedResult, 'approve' | 'approveToStaging' | 'approveToStagingAlone' | 'approveThroughput'> & {
    memory: Memory;
  }
> {
  const alone = ids.slice(0, SOLO_APPROVALS);
  const together = ids.slice(SOLO_APPROVALS);

  // Throttled, not delayed: a held call would keep one of the worker's activity slots per run, and
  // the runs behind them would wait for a slot before their first staging call (1000 parked, run of
  // 2026-12-02: 629 never got there). A throttled call is retried with backoff and frees its slot.
  const release = await stack.refuseStagingCreateModel();
  const sentAt = new Map<string, number>();
  const firstStagingCall = async (id: string): Promise<number | undefined> => {
    const events = (await stack.client.workflow.getHandle(id).fetchHistory()).events ?? [];
    const scheduled = events.find(
      (e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'createModelFromPackage',
    );
    if (!scheduled) return undefined;
    return Number(scheduled.eventTime!.seconds) * 1000 + Math.floor((scheduled.eventTime!.nanos ?? 0) / 1e6);
  };
  // The baseline: one at a time on the idle stack, what a single approval's path costs.
  const approveToStagingAlone: number[] = [];
  for (const id of alone) {
    const sent = Date.now();
    const res = await api(`/model-versions/${id}/approve`, 'approver', { comment: 'bench, alone' });
    if (res.status !== 200) throw new Error(`approve ${id}: HTTP ${res.status} ${await res.text()}`);
    await res.arrayBuffer();
    await sleep(2000);
    const at = await firstStagingCall(id);
    if (at === undefined) throw new Error(`${id}: approved alone, no staging call within 2 s`);
    approveToStagingAlone.push(at - sent);
  }
  const approveLatency: number[] = [];
  let approveErrors = 0;
  const firstSent = Date.now();
  await pool(together, 50, async (id) => {
    const sent = Date.now();
    sentAt.set(id, sent);
    const res = await api(`/model-versions/${id}/approve`, 'approver', { comment: 'bench' });
    approveLatency.push(Date.now() - sent);
    if (res.status !== 200) approveErrors++;
    await res.arrayBuffer();
  });
  const stagingQuery = `ModelPackageGroup = '${group}' AND LifecycleStage = 'deploying-staging'`;
  const t1 = Date.now();
  while ((await count(stack, stagingQuery)) < ids.length - approveErrors && Date.now() - t1 < 600_000)
    await sleep(500);
  const afterApprove = stack.memory();
  const toStaging: number[] = [];
  let missing = 0;
  let lastThere = firstSent;
  await pool(together, 20, async (id) => {
    const at = await firstStagingCall(id);
    if (at === undefined) {
      missing++;
      return;
    }
    lastThere = Math.max(lastThere, at);
    toStaging.push(at - sentAt.get(id)!);
  });
  log(`  approve-all measured`);
  await release();
  return {
    memory: afterApprove,
    approveToStagingAlone,
    approveThroughput: toStaging.length / ((lastThere - firstSent) / 1000),
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
  };
}
