/**
 * Idempotency that notices a different request: the fields (dotted leaf paths) in which a repeated
 * start differs from the request that first used the key. Both sides are parsed inputs, defaults
 * applied, so "left out" and "sent the default" are the same request.
 */

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v);

export function differingFields(before: unknown, after: unknown, path = ''): string[] {
  if (isPlainObject(before) && isPlainObject(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
    return keys.flatMap((k) => differingFields(before[k], after[k], path ? `${path}.${k}` : k));
  }
  if (Array.isArray(before) && Array.isArray(after) && before.length === after.length) {
    return before.flatMap((item, i) => differingFields(item, after[i], `${path}[${i}]`));
  }
  return Object.is(before, after) ? [] : [path || '(root)'];
}
