/**
 * `npm run bench`: the orchestration benchmarks of issue 11, written to BENCHMARKS.md's
 * "Orchestration" section (the health judge's section is `npm run bench:judge`'s and stays as it is).
 *   --parked N   lifecycles parked at the approval gate (default 1000)
 *   --runs R     repeats of each rollback-reaction case (default 3)
 * Heavy: run it alone on the machine. Not part of `npm test`.
 */
import { execFileSync } from 'node:child_process';
import { cpus, loadavg, platform, release, totalmem } from 'node:os';
import { join } from 'node:path';
import { format } from 'prettier';
import { TEMPORAL_CLI_VERSION } from '../../dev/ensure-temporal-cli';
import { writeSection } from '../benchmarks-file';
import { parkedAtGate, type ParkedResult } from './parked-at-gate';
import { measureReaction, REACTION, type ReactionRun, type Regression } from './rollback-reaction';
import { startBenchStack } from './stack';
import { median, spread } from './stats';

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
};
const log = (line: string) => console.error(`[bench] ${line}`);

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

function parkedTable(p: ParkedResult): string[] {
  const f = (v: number) => v.toFixed(0);
  return [
    `| figure | value |`,
    `| --- | --- |`,
    `| time to start ${p.n} through the API (50 concurrent) until all are awaiting approval | ${p.startAllSeconds.toFixed(1)} s |`,
    `| worker RSS: idle → ${p.n} parked → after approve-all | ${f(p.rss.before.worker)} → ${f(p.rss.parked.worker)} → ${f(p.rss.afterApprove.worker)} MiB |`,
    `| dev server RSS: idle → ${p.n} parked → after approve-all | ${f(p.rss.before.server)} → ${f(p.rss.parked.server)} → ${f(p.rss.afterApprove.server)} MiB |`,
    `| POST …/approve, 50 concurrent, all ${p.n}: p50 / p99, errors | ${f(p.approve.p50)} / ${f(p.approve.p99)} ms, ${p.approve.errors} |`,
    `| approve request sent → first staging activity scheduled: p50 / p99 / max | ${f(p.approveToStaging.p50)} / ${f(p.approveToStaging.p99)} / ${f(p.approveToStaging.max)} ms${p.approveToStaging.missing ? ` (${p.approveToStaging.missing} never reached staging)` : ''} |`,
  ];
}

function apiTable(p: ParkedResult): string[] {
  const rows = [
    '| route (on ' +
      p.n +
      ' parked runs) | runs × 10 s | p50 (ms) | p99 (ms) | req/s | errors | goal p99 ≤ 50 ms, 0 errors |',
    '| --- | --- | --- | --- | --- | --- | --- |',
  ];
  for (const a of p.api) {
    const p99 = a.runs.map((r) => r.p99);
    const errors = a.runs.reduce((n, r) => n + r.errors, 0);
    rows.push(
      `| \`${a.name}\` | ${a.runs.length} | ${spread(
        a.runs.map((r) => r.p50),
        0,
      )} | ${spread(p99, 0)} | ${spread(
        a.runs.map((r) => r.rps),
        0,
      )} | ${errors} | ${median(p99) <= 50 && errors === 0 ? 'met' : '**missed**'} |`,
    );
  }
  return rows;
}

async function main(): Promise<void> {
  const parkedN = arg('parked', 1000);
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

  log(`${parkedN} lifecycles parked at the approval gate`);
  const parkStack = await startBenchStack({ metricPeriodSeconds: 1, createDelayMs: 0, updateDelayMs: 0 });
  let parked: ParkedResult;
  try {
    parked = await parkedAtGate(parkStack, parkedN, log);
  } finally {
    await parkStack.stop();
  }

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
      `Node ${process.version}; Temporal CLI ${TEMPORAL_CLI_VERSION} dev server (Server 1.29.1, SQLite file); ${go}. ` +
      'Worker and API are child processes (`npm run worker`, `npm run api`) with a prebuilt workflow bundle; the emulator runs in the benchmark process. ' +
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
    `${parked.n} lifecycles (manual approval, default 7-day deadline) started through the API, then all approved at once through the API; staging's CreateModel refused by an emulator throttle fault (retried with backoff, so it holds no activity slot) so they stop at the first staging call. One run. The worker's sticky cache is the SDK default.`,
    '',
    ...parkedTable(parked),
    '',
    '### API under 50 concurrent clients',
    '',
    'autocannon, 50 connections, 10 s per run, on the parked runs above (ids drawn at random per request), viewer token.',
    '',
    ...apiTable(parked),
    '',
  ].join('\n');
  // Formatted as `npm run lint` (prettier) wants the file.
  writeSection(
    join(__dirname, '../../BENCHMARKS.md'),
    'orchestration',
    await format(md, { parser: 'markdown' }),
  );
  console.log(md);
  // Sockets of held (then cancelled) emulator calls and the SDK's connections keep the loop alive.
  process.exit(0);
}

// Ctrl-C: exit through 'exit', where the dev server and the child processes are stopped.
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => process.exit(130));

main().catch((err: Error) => {
  console.error(err.stack ?? err.message);
  process.exit(1);
});
