/** Quantiles and the "median (min–max)" of repeated runs that BENCHMARKS.md reports. */
import { readFileSync } from 'node:fs';

export function quantile(values: number[], q: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[i]!;
}

export const median = (values: number[]) => quantile(values, 0.5);

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
