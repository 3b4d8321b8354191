/**
 * Where a read of a lifecycle spends its time: N lifecycles parked at the approval gate (started
 * through the API), then, each at 50 concurrent callers for a few seconds:
 *   - the Temporal calls alone, from this process: describe(), the `state` query, both in a row
 *     (what GET /model-versions/:id did before the memo), and the visibility list the list route makes;
 *   - the HTTP routes (autocannon): GET /model-versions/:id, ?view=full, GET /model-versions?stage=;
 *   - the same GET with the worker stopped (the read must not need one);
 *   - optionally (--approve) POST …/approve for every parked run, 50 at a time.
 * Runnable on its own, not part of `npm test` or BENCHMARKS.md:
 *   node --import tsx bench/read-path.ts --parked 200 [--seconds 8] [--approve]
 * It prints one JSON line of figures (ms) with the machine's load average at each step.
 */
import autocannon from 'autocannon';
import { randomUUID } from 'node:crypto';
import { cpus, loadavg } from 'node:os';
import { stateQuery } from '../src/shared/messages';
import { quantile } from './orchestration/stats';
import { startBenchStack, type BenchStack } from './orchestration/stack';

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
};
const log = (line: string) => console.error(`[read-path] ${line}`);
const load = () => loadavg()[0]!.toFixed(2);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const CONCURRENCY = 50;

interface Figure {
  name: string;
  p50: number;
  p99: number;
  max: number;
  calls: number;
  errors: number;
  load: string;
}

/** Closed loop: `concurrency` callers each call `fn` back to back for `seconds`; latency per call. */
async function closedLoop(name: string, seconds: number, fn: () => Promise<unknown>): Promise<Figure> {
  const latencies: number[] = [];
  let errors = 0;
  const until = Date.now() + seconds * 1000;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (Date.now() < until) {
        const t = performance.now();
        try {
          await fn();
        } catch {
          errors++;
        }
        latencies.push(performance.now() - t);
      }
    }),
  );
  return summary(name, latencies, errors);
}

function summary(name: string, latencies: number[], errors: number): Figure {
  return {
    name,
    p50: Math.round(quantile(latencies, 0.5)),
    p99: Math.round(quantile(latencies, 0.99)),
    max: Math.round(Math.max(...latencies)),
    calls: latencies.length,
    errors,
    load: load(),
  };
}

async function http(name: string, stack: BenchStack, path: () => string, seconds: number): Promise<Figure> {
  const r = await autocannon({
    url: stack.api.url,
    connections: CONCURRENCY,
    duration: seconds,
    headers: { authorization: `Bearer ${stack.token('viewer')}` },
    requests: [{ setupRequest: (req) => ({ ...req, path: path() }) }],
  });
  return {
    name,
    p50: r.latency.p50,
    p99: r.latency.p99,
    max: r.latency.max,
    calls: r.requests.total,
    errors: r.errors + r.timeouts + r.non2xx,
    load: load(),
  };
}

async function pool<T>(items: T[], concurrency: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < items.length) await fn(items[next++]!);
    }),
  );
}

async function park(stack: BenchStack, group: string, n: number): Promise<string[]> {
  const ids: string[] = [];
  await pool(
    Array.from({ length: n }, (_, i) => i),
    CONCURRENCY,
    async (i) => {
      const key = `read-${i}-${randomUUID().slice(0, 6)}`;
      const res = await fetch(`${stack.api.url}/model-versions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${stack.token('pipeline')}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          modelPackageGroup: group,
          idempotencyKey: key,
          artifactUri: 's3://models/read/model.tar.gz',
          inferenceImage: '123456789012.dkr.ecr.us-east-1.amazonaws.com/churn:2',
          metrics: { auc: 0.91 },
          lineage: {
            datasetUri: 's3://data/churn',
            datasetVersion: '8',
            codeCommit: 'def456',
            trainingJobName: key,
          },
          deployment: { productionEndpointName: `${group}-prod` },
        }),
      });
      if (res.status !== 201) throw new Error(`start ${i}: HTTP ${res.status} ${await res.text()}`);
      ids.push(((await res.json()) as { id: string }).id);
    },
  );
  const query = `ModelPackageGroup = '${group}' AND LifecycleStage = 'awaiting-approval'`;
  const t0 = Date.now();
  for (;;) {
    const { count } = await stack.client.workflowService.countWorkflowExecutions({
      namespace: 'default',
      query,
    });
    if (Number(count ?? 0) >= n) return ids;
    if (Date.now() - t0 > 1_800_000) throw new Error('not all parked within 30 min');
    await sleep(500);
  }
}

async function main() {
  const n = arg('parked', 200);
  const seconds = arg('seconds', 8);
  const started = Date.now();
  const machine = `${cpus()[0]?.model ?? '?'} × ${cpus().length}, load at start ${load()}`;
  log(`${machine}; ${n} parked, ${seconds} s per figure`);
  const stack = await startBenchStack({ metricPeriodSeconds: 1, createDelayMs: 0, updateDelayMs: 0 });
  const figures: Figure[] = [];
  const record = (f: Figure) => {
    figures.push(f);
    log(
      `${f.name}: p50 ${f.p50} ms, p99 ${f.p99} ms, max ${f.max} ms, ${f.calls} calls, ${f.errors} errors, load ${f.load}`,
    );
  };
  try {
    const group = `read${randomUUID().slice(0, 6)}`;
    const t0 = Date.now();
    const ids = await park(stack, group, n);
    log(`${n} parked in ${((Date.now() - t0) / 1000).toFixed(1)} s (load ${load()})`);
    await sleep(5000);
    const anyId = () => ids[Math.floor(Math.random() * ids.length)]!;
    const handle = () => stack.client.workflow.getHandle(anyId());
    const list = () =>
      stack.client.workflowService.listWorkflowExecutions({
        namespace: 'default',
        query: `WorkflowType = 'modelVersionLifecycle' AND ModelPackageGroup = '${group}' AND LifecycleStage = 'awaiting-approval'`,
        pageSize: 20,
      });

    record(await closedLoop('temporal describe()', seconds, () => handle().describe()));
    record(await closedLoop('temporal state query', seconds, () => handle().query(stateQuery)));
    record(
      await closedLoop('temporal describe() + query', seconds, async () => {
        const h = handle();
        await h.describe();
        await h.query(stateQuery);
      }),
    );
    record(await closedLoop('temporal visibility list (20)', seconds, list));
    record(await http('GET /model-versions/:id', stack, () => `/model-versions/${anyId()}`, seconds));
    record(
      await http(
        'GET /model-versions/:id?view=full',
        stack,
        () => `/model-versions/${anyId()}?view=full`,
        seconds,
      ),
    );
    record(
      await http(
        'GET /model-versions?stage=awaiting-approval',
        stack,
        () => `/model-versions?stage=awaiting-approval&group=${group}`,
        seconds,
      ),
    );
    // The same id from every client at once: what a single-flight per id would save.
    const hot = anyId();
    record(await http('GET /model-versions/:id (one id)', stack, () => `/model-versions/${hot}`, seconds));

    if (process.argv.includes('--approve')) {
      const hold = stack.emulator.state.faults.add({
        operation: 'CreateModel',
        kind: 'delay',
        delayMs: 900_000,
      });
      const latencies: number[] = [];
      let errors = 0;
      await pool(ids, CONCURRENCY, async (id) => {
        const t = performance.now();
        const res = await fetch(`${stack.api.url}/model-versions/${id}/approve`, {
          method: 'POST',
          headers: { authorization: `Bearer ${stack.token('approver')}`, 'content-type': 'application/json' },
          body: JSON.stringify({ comment: 'bench' }),
        });
        await res.arrayBuffer();
        latencies.push(performance.now() - t);
        if (res.status !== 200) errors++;
      });
      record(summary(`POST …/approve (all ${n})`, latencies, errors));
      stack.emulator.state.faults.remove(hold.id);
    }

    await stack.worker.stop();
    log(`worker stopped (load ${load()})`);
    record(
      await http('GET /model-versions/:id, no worker', stack, () => `/model-versions/${anyId()}`, seconds),
    );
    await pool(ids, CONCURRENCY, async (id) => {
      await stack.client.workflow
        .getHandle(id)
        .terminate('benchmark done')
        .catch(() => undefined);
    });
  } finally {
    await stack.stop();
  }
  console.log(
    JSON.stringify({
      machine,
      parked: n,
      secondsPerFigure: seconds,
      concurrency: CONCURRENCY,
      loadAtEnd: load(),
      minutes: ((Date.now() - started) / 60_000).toFixed(1),
      figures,
    }),
  );
}

// Exits when done: handles the stack leaves behind would keep the process alive after the figures are out.
main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
