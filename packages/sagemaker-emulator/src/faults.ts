/**
 * Injected faults: a share of the calls of one operation (or of all, with '*') is throttled, fails
 * with a 5xx, is refused as not authorised (a client fault no retry can fix), or is slowed down. A rule may apply to the next N matching calls only, so tests can
 * say "the next two UpdateEndpoint calls throttle" and stay deterministic.
 */
import { randomUUID } from 'node:crypto';

export type FaultKind = 'throttle' | 'error' | 'deny' | 'delay';

export interface FaultSpec {
  /** An operation name as in X-Amz-Target (e.g. UpdateEndpoint, GetMetricData, InvokeEndpoint), or '*'. */
  operation: string;
  kind: FaultKind;
  /** Share of matching calls affected (0..1); default 1. */
  probability?: number;
  /** Affect only this many calls, then the rule is spent; default unlimited. */
  count?: number;
  /** For 'delay': how long to hold the call before handling it. */
  delayMs?: number;
}

export interface FaultRule extends Required<Omit<FaultSpec, 'count' | 'delayMs'>> {
  id: string;
  remaining: number | null;
  delayMs: number;
  hits: number;
}

export interface FaultDecision {
  delayMs: number;
  failure?: Exclude<FaultKind, 'delay'>;
  ruleIds: string[];
}

/** Checks a control-API body and names the first thing wrong with it. */
export function parseFaultSpec(body: unknown): FaultSpec {
  if (!body || typeof body !== 'object' || Array.isArray(body))
    throw new Error('fault must be a JSON object');
  const b = body as Record<string, unknown>;
  if (typeof b.operation !== 'string' || b.operation === '')
    throw new Error("'operation' must be an operation name or '*'");
  if (b.kind !== 'throttle' && b.kind !== 'error' && b.kind !== 'deny' && b.kind !== 'delay') {
    throw new Error("'kind' must be one of throttle, error, deny, delay");
  }
  if (
    b.probability !== undefined &&
    (typeof b.probability !== 'number' || b.probability < 0 || b.probability > 1)
  ) {
    throw new Error("'probability' must be a number between 0 and 1");
  }
  if (b.count !== undefined && (!Number.isInteger(b.count) || (b.count as number) < 1)) {
    throw new Error("'count' must be a positive integer");
  }
  if (b.kind === 'delay' && (typeof b.delayMs !== 'number' || b.delayMs < 0 || b.delayMs > 120_000)) {
    throw new Error("'delayMs' must be a number of milliseconds (0-120000) for a delay fault");
  }
  return b as unknown as FaultSpec;
}

export class Faults {
  private rules: FaultRule[] = [];

  constructor(private readonly random: () => number = Math.random) {}

  add(spec: FaultSpec): FaultRule {
    const rule: FaultRule = {
      id: randomUUID(),
      operation: spec.operation,
      kind: spec.kind,
      probability: spec.probability ?? 1,
      remaining: spec.count ?? null,
      delayMs: spec.delayMs ?? 0,
      hits: 0,
    };
    this.rules.push(rule);
    return rule;
  }

  list(): FaultRule[] {
    return this.rules.map((r) => ({ ...r }));
  }

  remove(id: string): boolean {
    const before = this.rules.length;
    this.rules = this.rules.filter((r) => r.id !== id);
    return this.rules.length < before;
  }

  clear(): void {
    this.rules = [];
  }

  /** What happens to one call of `operation`: summed delays, and the first failure that fires. */
  decide(operation: string): FaultDecision {
    const decision: FaultDecision = { delayMs: 0, ruleIds: [] };
    for (const rule of this.rules) {
      if (rule.operation !== '*' && rule.operation !== operation) continue;
      if (rule.remaining === 0) continue;
      if (rule.kind !== 'delay' && decision.failure) continue;
      if (this.random() >= rule.probability) continue;
      if (rule.remaining !== null) rule.remaining--;
      rule.hits++;
      decision.ruleIds.push(rule.id);
      if (rule.kind === 'delay') decision.delayMs += rule.delayMs;
      else decision.failure = rule.kind;
    }
    return decision;
  }
}
