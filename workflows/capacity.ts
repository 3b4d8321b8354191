/**
 * How many instances each variant runs. The canary's count follows its share of traffic (a 10 %
 * canary next to 10 stable instances needs 1, not 10), at least 1 and at most the stable's; the
 * promoted version keeps the capacity production had, unless the input names a count.
 */
export function canaryInstances(weightPercent: number, stableInstances: number): number {
  const stable = Math.max(1, stableInstances);
  return Math.min(stable, Math.max(1, Math.ceil((stable * weightPercent) / 100)));
}

export function promotedInstances(
  requested: number | undefined,
  stableInstances: number | undefined,
): number {
  return requested ?? Math.max(1, stableInstances ?? 1);
}
