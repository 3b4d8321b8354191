/**
 * Custom guardrail metrics: any CloudWatch metric the callers publish per variant. A generic metric
 * has no counts to build an exact test from, so a guardrail is the operator's own line, judged like an
 * alarm on the whole aligned window (its periods combined, metrics.ts): outside the α budget, stated as such.
 */
import type { GuardrailMetric } from '../../src/shared/lifecycle-input';

/** One guardrail's value over the aligned window per variant; null when CloudWatch had no datapoint. */
export interface GuardrailReading {
  name: string;
  canary: number | null;
  stable?: number | null;
}

/** The line the canary must stay on the good side of, or null when there is none to draw yet. */
export function guardrailLine(g: GuardrailMetric, stable: number | null | undefined): number | null {
  const lines: number[] = [];
  if (g.limit !== undefined) lines.push(g.limit);
  if (g.relativeMargin !== undefined && stable !== null && stable !== undefined) {
    lines.push(g.worseWhen === 'higher' ? stable * (1 + g.relativeMargin) : stable * (1 - g.relativeMargin));
  }
  if (lines.length === 0) return null;
  // Both given: the stricter line applies.
  return g.worseWhen === 'higher' ? Math.min(...lines) : Math.max(...lines);
}

export function guardrailReasons(readings: GuardrailReading[], configs: GuardrailMetric[]): string[] {
  const reasons: string[] = [];
  for (const [i, g] of configs.entries()) {
    const r = readings[i]; // read in the configs' order (metrics.ts)
    if (!r || r.canary === null) continue;
    const line = guardrailLine(g, r.stable);
    if (line === null) continue;
    const bad = g.worseWhen === 'higher' ? r.canary > line : r.canary < line;
    if (bad) {
      const stable = r.stable === undefined || r.stable === null ? '' : `, stable ${r.stable}`;
      reasons.push(
        `guardrail ${g.name} (${g.namespace} ${g.metricName} ${g.statistic}): canary ${r.canary}${stable}, ` +
          `${g.worseWhen === 'higher' ? 'over' : 'under'} the line ${line}`,
      );
    }
  }
  return reasons;
}
