import { describe, expect, it } from 'vitest';
import { cpuSeconds, median, quantile, spread } from '../../../bench/orchestration/stats';

describe('benchmark statistics', () => {
  it('takes the mean of the two middle values as the median of an even count', () => {
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([7, 1, 3])).toBe(3);
    expect(spread([100, 200], 0)).toBe('150 (100–200)');
  });

  it('reads quantiles by nearest rank', () => {
    const values = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(quantile(values, 0.5)).toBe(50);
    expect(quantile(values, 0.99)).toBe(99);
    expect(quantile([5], 0.99)).toBe(5);
  });

  it("counts this process's CPU time, and grows by about what a busy loop burned", () => {
    const before = cpuSeconds(process.pid);
    const until = Date.now() + 300;
    let spin = 0;
    while (Date.now() < until) spin++;
    const used = cpuSeconds(process.pid) - before;
    expect(spin).toBeGreaterThan(0);
    // 0.3 s of wall time spinning on one thread: at least a third of it on the CPU on a loaded machine.
    expect(used).toBeGreaterThanOrEqual(0.1);
    expect(used).toBeLessThan(5);
    expect(cpuSeconds(2 ** 22 + 12345)).toBe(0); // no such process
  });
});
