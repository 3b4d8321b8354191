/** Quantiles and the "median (min–max)" of repeated runs that BENCHMARKS.md reports. */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

export function quantile(values: number[], q: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[i]!;
}

/** The middle value; of an even count, the mean of the two middle ones (of two runs, their mean). */
export function median(values: number[]): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** "4.1 (3.8–4.6)" with `digits` decimals. */
export function spread(values: number[], digits = 1): string {
  if (values.length === 0) return '–';
  const f = (v: number) => v.toFixed(digits);
  if (values.length === 1) return f(values[0]!);
  return `${f(median(values))} (${f(Math.min(...values))}–${f(Math.max(...values))})`;
}

export function rssMiB(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? NaN);
    return kb / 1024;
  } catch {
    return NaN;
  }
}

/** The pids whose parent is `pid` (PostgreSQL's backends under its postmaster), from /proc. */
function childPids(pid: number): number[] {
  const children: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // "pid (comm) state ppid ...": comm may hold spaces, so read after its closing parenthesis.
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid) children.push(Number(entry));
    } catch {
      // gone while we looked
    }
  }
  return children;
}

/**
 * Proportional memory (PSS) of a process and its children, in MiB: a multi-process server's
 * shared buffers counted once, not once per backend as a sum of RSS would.
 */
export function treePssMiB(pid: number): number {
  let kb = 0;
  for (const p of [pid, ...childPids(pid)]) {
    try {
      kb += Number(/^Pss:\s+(\d+)/m.exec(readFileSync(`/proc/${p}/smaps_rollup`, 'utf8'))?.[1] ?? 0);
    } catch {
      // gone while we looked
    }
  }
  return kb / 1024;
}

const CLOCK_TICKS_PER_SECOND = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;
  } catch {
    return 100;
  }
})();

/** CPU time (user + system, all threads) a process has used, in seconds; with `tree`, its children's too. */
export function cpuSeconds(pid: number, tree = false): number {
  let ticks = 0;
  for (const p of tree ? [pid, ...childPids(pid)] : [pid]) {
    try {
      const stat = readFileSync(`/proc/${p}/stat`, 'utf8');
      // After "(comm) ": state is field 3, utime field 14 and stime field 15.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ticks += Number(fields[11]) + Number(fields[12]);
    } catch {
      // gone while we looked
    }
  }
  return ticks / CLOCK_TICKS_PER_SECOND;
}
