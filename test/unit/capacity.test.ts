import { describe, expect, it } from 'vitest';
import { canaryInstances, promotedInstances } from '../../workflows/capacity';

describe('capacity', () => {
  it('the canary runs its share of the stable capacity, rounded up, at least 1 and at most the stable count', () => {
    expect([0, 10, 50, 100].map((w) => canaryInstances(w, 10))).toEqual([1, 1, 5, 10]);
    expect([10, 34, 50, 100].map((w) => canaryInstances(w, 3))).toEqual([1, 2, 2, 3]);
    expect(canaryInstances(50, 1)).toBe(1);
    expect(canaryInstances(100, 0)).toBe(1);
  });

  it('a promoted version keeps the stable capacity unless the input names a count', () => {
    expect(promotedInstances(undefined, 6)).toBe(6);
    expect(promotedInstances(2, 6)).toBe(2);
    expect(promotedInstances(undefined, undefined)).toBe(1);
  });
});
