/**
 * `npm run bench`: the orchestration benchmarks of issue 11, written to BENCHMARKS.md's
 * "Orchestration" section (the health judge's section is `npm run bench:judge`'s and stays as it is).
 *   --parked N   lifecycles parked at the approval gate, on the dev server and on the cluster (default 1000)
 *   --parked-runs K  repeats of each N-parked run, each on a topology of its own (default 2)
 *   --many M     lifecycles parked on the cluster in the large run (default 10000; 0 skips it)
 *   --cache C    WORKER_MAX_CACHED_WORKFLOWS of the workers in the parked runs (default: the product's, 100)
 *   --runs R     repeats of each rollback-reaction case (default 3)
 *   --no-write   print the section, leave BENCHMARKS.md as it is (smoke runs)
 *   --no-overhead  skip the orchestration-overhead benchmark that runs after (`npm run bench:overhead`)
 * The cluster runs need PostgreSQL and the Temporal server built from Go (`npm run cluster`'s own).
 * Heavy: run it alone on the machine. Not part of `npm test`.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { cpus, loadavg, platform, release, totalmem } from 'node:os';
import { join } from 'node:path';
import { format } from 'prettier';
import { findPostgresBinDir } from '../../cluster/postgres';
import { WORKER_NODE_OPTIONS } from '../../cluster/service-processes';
import { DEFAULT_MAX_CACHED_WORKFLOWS } from '../../src/config/env-schema';
import { TEMPORAL_CLI_VERSION } from '../../dev/ensure-temporal-cli';
import { writeSection } from '../benchmarks-file';
import { startClusterParkingStack } from './cluster-stack';
import {
  CPU_ROLES,
  parkedAtGate,
  type LoadRun,
  type Memory,
  type ParkedResult,
  type ParkingStack,
} from './parked-at-gate';
import { measureReaction, REACTION, type ReactionRun, type Regression } from './rollback-reaction';
import { devParkingStack, startBenchStack } from './stack';
import { median, spread } from './stats';

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
};
const log = (line: string) => console.error(`[bench] ${line}`);

function postgresVersion(): string {
  const bin = findPostgresBinDir();
  try {
    return bin
      ? execFileSync(join(bin, 'postgres'), ['--version'])
          .toString()
          .trim()
          .replace(/^postgres \(PostgreSQL\) /, '')
      : 'unknown';
  } catch {
    return 'unknown';
  }
}

function reactionTable(runs: ReactionRun[]): string[] {
  const goalS = REACTION.healthCheckIntervalSeconds + REACTION.metricPeriodSeconds + 2;
  const failedGoal =
    1.2 *
    REACTION.canaryShare *
    REACTION.ratePerSecond *
    (REACTION.healthCheckIntervalSeconds + REACTION.metricPeriodSeconds);
  const rows = [
    '| regression | runs | first bad request → canary at 0 % (s) | goal ≤ ' +
      goalS +
      ' s | canary requests served | of which failed (5xx) | goal ≤ ' +
      failedGoal.toFixed(0) +
      ' failed | ended |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
  ];
  for (const regression of ['errors-50%', 'latency-10x'] as Regression[]) {
    const rs = runs.filter((r) => r.regression === regression);
    if (rs.length === 0) continue;
    const reaction = rs.map((r) => r.reactionSeconds);
    const failed = rs.map((r) => r.failedRequests);
    rows.push(
      `| ${regression === 'errors-50%' ? '50 % 5xx' : 'latency ×10 (20 → 200 ms), no errors'} | ${rs.length} | ${spread(reaction)} | ${median(reaction) <= goalS ? 'met' : '**missed**'} | ${spread(
        rs.map((r) => r.canaryRequests),
        0,
      )} | ${spread(failed, 0)} | ${regression === 'errors-50%' ? (median(failed) <= failedGoal ? 'met' : '**missed**') : 'n/a (slow, not failed)'} | ${[...new Set(rs.map((r) => `${r.stage} by ${r.rollbackBy ?? '?'}`))].join(', ')} |`,
    );
  }
  return rows;
}

/** One column per topology and size; each cell "median (min–max)" over that column's runs. */
function parkedTable(columns: ParkedResult[][]): string[] {
  const cell = (runs: ParkedResult[], pick: (p: ParkedResult) => number | undefined, digits = 0) => {
    const values = runs.map(pick).filter((v): v is number => v !== undefined && !Number.isNaN(v));
    return values.length ? spread(values, digits) : '–';
  };
  const largest = (m: Memory | undefined) => (m ? Math.max(...m.workers) : undefined);
  const phases = (runs: ParkedResult[], pick: (m: Memory) => number | undefined) =>
    [
      cell(runs, (p) => pick(p.memory.before)),
      cell(runs, (p) => pick(p.memory.parked)),
      cell(runs, (p) => (p.memory.afterApprove ? pick(p.memory.afterApprove) : undefined)),
    ].join(' → ');
  const row = (figure: string, f: (runs: ParkedResult[]) => string) =>
    `| ${figure} | ${columns.map(f).join(' | ')} |`;
  const first = (runs: ParkedResult[]) => runs[0]!;
  return [
    `| figure | ${columns.map((c) => `${first(c).label}, ${first(c).n} parked, cache ${first(c).maxCachedWorkflows}`).join(' | ')} |`,
    `| --- | ${columns.map(() => '---').join(' | ')} |`,
    row('runs', (c) => String(c.length)),
    row('time to start them through the API (50 concurrent) until all await approval (s)', (c) =>
      cell(c, (p) => p.startAllSeconds, 1),
    ),
    row('… started per second', (c) => cell(c, (p) => p.n / p.startAllSeconds, 1)),
    row('largest worker RSS (MiB): idle → parked → after approve-all', (c) => {
      const parked = median(c.map((p) => largest(p.memory.parked)!));
      const goal =
        first(c).n >= 10_000 ? ` (goal ≤ 1024 parked: ${parked <= 1024 ? 'met' : '**missed**'})` : '';
      return phases(c, (m) => Math.max(...m.workers)) + goal;
    }),
    row('Temporal server RSS (MiB): idle → parked → after approve-all', (c) => phases(c, (m) => m.server)),
    row('PostgreSQL PSS (MiB, postmaster + backends): idle → parked → after approve-all', (c) =>
      first(c).memory.before.database === undefined
        ? 'n/a (SQLite inside the server)'
        : phases(c, (m) => m.database),
    ),
    row('POST …/approve, 50 concurrent, all but the 5 approved alone: p50 / p99 (ms)', (c) =>
      first(c).approve
        ? `${cell(c, (p) => p.approve?.p50)} / ${cell(c, (p) => p.approve?.p99)}`
        : 'not run (parking is what this run measures)',
    ),
    row('… approved runs reaching staging per second', (c) =>
      first(c).approveThroughput ? cell(c, (p) => p.approveThroughput, 1) : '–',
    ),
    row('… errors (all runs)', (c) =>
      first(c).approve ? String(c.reduce((n, p) => n + (p.approve?.errors ?? 0), 0)) : '–',
    ),
    row(
      'baseline: approved one at a time on the idle stack, approve sent → first staging activity (ms)',
      (c) =>
        first(c).approveToStagingAlone
          ? spread(
              c.flatMap((p) => p.approveToStagingAlone ?? []),
              0,
            )
          : '–',
    ),
    row(
      'all the others approved at once: approve sent → first staging activity, p50 / p99 / max (ms)',
      (c) => {
        if (!first(c).approveToStaging) return '–';
        const p99 = median(c.map((p) => p.approveToStaging!.p99));
        const missing = c.reduce((n, p) => n + p.approveToStaging!.missing, 0);
        return (
          `${cell(c, (p) => p.approveToStaging?.p50)} / ${cell(c, (p) => p.approveToStaging?.p99)} / ${cell(c, (p) => p.approveToStaging?.max)}` +
          (missing ? ` (${missing} never reached staging)` : '') +
          ` (goal p99 ≤ 1000: ${p99 <= 1000 && !missing ? 'met' : '**missed**'})`
        );
      },
    ),
  ];
}

function apiTable(columns: ParkedResult[][]): string[] {
  const results = columns.map((c) => ({
    ...c[0]!,
    api: c[0]!.api.map((route, i) => ({ name: route.name, runs: c.flatMap((p) => p.api[i]!.runs) })),
  }));
  const rows = [
    `| topology | route | runs × 10 s | p50 (ms) | p99 (ms) | req/s | errors | goal p99 ≤ 50 ms, 0 errors | CPU in use, cores (median): ${CPU_ROLES.join(' · ')} |`,
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  ];
  for (const p of results) {
    for (const a of p.api) {
      const p99 = a.runs.map((r) => r.p99);
      const errors = a.runs.reduce((n, r) => n + r.errors, 0);
      rows.push(
        `| ${p.label}, ${p.n} parked | \`${a.name}\` | ${a.runs.length} | ${spread(
          a.runs.map((r) => r.p50),
          0,
        )} | ${spread(p99, 0)} | ${spread(
          a.runs.map((r) => r.rps),
          0,
        )} | ${errors} | ${median(p99) <= 50 && errors === 0 ? 'met' : '**missed**'} | ${coresCell(a.runs)} |`,
      );
    }
  }
  return rows;
}

/** "0.9 · 0.6 · 0.2 · – · 0.3 (sum 2.0)": the median cores of each role over the runs. */
function coresCell(runs: LoadRun[]): string {
  const medians = CPU_ROLES.map((role) => {
    const values = runs.map((r) => r.cores[role]).filter((v): v is number => v !== undefined);
    return values.length ? median(values) : undefined;
  });
  const sum = medians.reduce<number>((s, v) => s + (v ?? 0), 0);
  return `${medians.map((v) => (v === undefined ? '–' : v.toFixed(2))).join(' · ')} (sum ${sum.toFixed(2)})`;
}

/** One parked run on a stack that is started for it and stopped after, so its memory is its own. */
async function parkedRun(
  start: () => Promise<{ parking: ParkingStack; stop: () => Promise<void> }>,
  options: { n: number; approveAll: boolean },
): Promise<ParkedResult> {
  const { parking, stop } = await start();
  try {
    log(
      `${options.n} lifecycles parked at the approval gate on the ${parking.label}, cache ${parking.maxCachedWorkflows}`,
    );
    return await parkedAtGate(parking, options, log);
  } finally {
    await stop();
  }
}

async function main(): Promise<void> {
  const parkedN = arg('parked', 1000);
  const manyN = arg('many', 10_000);
  const cache = arg('cache', DEFAULT_MAX_CACHED_WORKFLOWS);
  const parkedRuns = arg('parked-runs', 2);
  const runs = arg('runs', 3);
  const started = Date.now();
  const loadAtStart = loadavg()[0]!;
  const command = ['npm run bench', ...process.argv.slice(2)].join(' ');

  log(`rollback reaction: ${runs} runs per regression`);
  const reactionStack = await startBenchStack({ metricPeriodSeconds: REACTION.metricPeriodSeconds });
  const reactions: ReactionRun[] = [];
  try {
    for (const regression of ['errors-50%', 'latency-10x'] as Regression[]) {
      for (let i = 0; i < runs; i++) {
        const r = await measureReaction(reactionStack, regression, i);
        log(
          `  ${regression} #${i + 1}: ${r.reactionSeconds.toFixed(2)} s, ${r.failedRequests}/${r.canaryRequests} failed, ${r.stage}`,
        );
        reactions.push(r);
      }
    }
  } finally {
    await reactionStack.stop();
  }

  const parked: ParkedResult[][] = [];
  const devRuns: ParkedResult[] = [];
  for (let i = 0; i < parkedRuns; i++) {
    devRuns.push(
      await parkedRun(
        async () => {
          const stack = await startBenchStack(
            { metricPeriodSeconds: 1, createDelayMs: 0, updateDelayMs: 0 },
            { WORKER_MAX_CACHED_WORKFLOWS: String(cache) },
          );
          return { parking: devParkingStack(stack, cache), stop: () => stack.stop() };
        },
        { n: parkedN, approveAll: true },
      ),
    );
  }
  parked.push(devRuns);
  const onCluster = (n: number, approveAll: boolean) =>
    parkedRun(
      async () => {
        const stack = await startClusterParkingStack({ workers: 2, maxCachedWorkflows: cache, log });
        return { parking: stack, stop: () => stack.stop() };
      },
      { n, approveAll },
    );
  const clusterRuns: ParkedResult[] = [];
  for (let i = 0; i < parkedRuns; i++) clusterRuns.push(await onCluster(parkedN, true));
  parked.push(clusterRuns);
  if (manyN > 0) parked.push([await onCluster(manyN, false)]);

  const cpu = cpus();
  const go = (() => {
    try {
      return execFileSync('go', ['version']).toString().trim();
    } catch {
      return 'no go';
    }
  })();
  const md = [
    '## Orchestration (`npm run bench`)',
    '',
    `Generated by \`${command}\` on ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC in ${((Date.now() - started) / 60_000).toFixed(1)} min: ` +
      `${cpu[0]?.model ?? 'unknown CPU'} (${cpu.length} cores, shared with other work), ${(totalmem() / 2 ** 30).toFixed(0)} GiB, ${platform()} ${release()}, ` +
      `load average ${loadAtStart.toFixed(1)} at the start and ${loadavg()[0]!.toFixed(1)} at the end (other work on the machine), ` +
      `Node ${process.version}; Temporal CLI ${TEMPORAL_CLI_VERSION} dev server (Server 1.29.1, SQLite file); the cluster: Temporal server 1.29.1 built from go.temporal.io/server on PostgreSQL ${postgresVersion()} (\`npm run cluster\`'s start-up, no UI); ${go}. ` +
      'Workers and API are child processes (`npm run worker`, `npm run api`) with a prebuilt workflow bundle; on the dev server the emulator runs in the benchmark process, on the cluster as its own process. ' +
      'Figures over repeated runs are "median (min–max)".',
    '',
    '### Rollback reaction',
    '',
    `Emulator with a ${REACTION.metricPeriodSeconds} s metric period and default endpoint delays (update 2 s), ${REACTION.ratePerSecond} req/s of steady traffic on a seeded endpoint; ` +
      `the bad version (automatic approval) at its 10 % step; health check every ${REACTION.healthCheckIntervalSeconds} s, minInvocations ${REACTION.minInvocations}, 120 s bake. ` +
      'Measured from what the emulator served, sampled every 20 ms: from the first request the canary serves to the moment it serves none (CurrentWeight 0 or gone).',
    '',
    ...reactionTable(reactions),
    '',
    '### Waiting at the approval gate',
    '',
    `Lifecycles (manual approval, default 7-day deadline) started through the API, then (except in the ${manyN} run) all approved at once through the API; staging's CreateModel refused by an emulator throttle fault (retried with backoff, so it holds no activity slot) so they stop at the first staging call. Each run on a topology started for it; figures are median (min–max) over the column's runs. The workers' sticky cache holds at most ${cache} runs (\`WORKER_MAX_CACHED_WORKFLOWS=${cache}\`): a parked run needs no place in it, since reads answer from the memo. Workers run with \`NODE_OPTIONS=${WORKER_NODE_OPTIONS}\`, as docker-compose runs them.`,
    '',
    ...parkedTable(parked),
    '',
    '### API under 50 concurrent clients',
    '',
    'autocannon, 50 connections, 10 s per run, on the parked runs above (ids drawn at random per request), viewer token; the load generator runs on the same 2 cores.',
    '',
    ...apiTable(parked),
    '',
  ].join('\n');
  // Formatted as `npm run lint` (prettier) wants the file.
  const noWrite = process.argv.includes('--no-write');
  if (!noWrite)
    writeSection(
      join(__dirname, '../../BENCHMARKS.md'),
      'orchestration',
      await format(md, { parser: 'markdown' }),
    );
  console.log(md);
  // The issue's last figure, orchestration overhead, has its own benchmark and section: run it too,
  // after this one's stacks are gone (`--no-overhead` skips it; `npm run bench:overhead` runs it alone).
  if (!process.argv.includes('--no-overhead')) {
    log('orchestration overhead (bench/overhead/main.ts)');
    const overhead = spawnSync(
      process.execPath,
      ['--import', 'tsx', join(__dirname, '../overhead/main.ts'), ...(noWrite ? ['--no-write'] : [])],
      { stdio: 'inherit' },
    );
    if (overhead.status !== 0) process.exit(overhead.status ?? 1);
  }
  // Sockets of held (then cancelled) emulator calls and the SDK's connections keep the loop alive.
  process.exit(0);
}

// Ctrl-C: exit through 'exit', where the dev server and the child processes are stopped.
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => process.exit(130));

main().catch((err: Error) => {
  console.error(err.stack ?? err.message);
  process.exit(1);
});
