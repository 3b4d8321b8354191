/**
 * The users of the emulated endpoints: invokes every in-service endpoint a rule matches at the
 * rule's rate, in-process, so CloudWatch has real invocations to aggregate without HTTP overhead.
 */
import type { Invocations } from './runtime/invocations';
import { isServing, type Hosting } from './sagemaker/hosting';

export interface TrafficRule {
  /** An endpoint name, or a pattern where '*' matches any characters ('*' alone: every endpoint). */
  endpoint: string;
  ratePerSecond: number;
}

/** Parses `name=rate,pattern*=rate` (the EMULATOR_TRAFFIC variable). */
export function parseTrafficSpec(spec: string): TrafficRule[] {
  return spec
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean)
    .map((part) => {
      const [endpoint, rate] = part.split('=');
      const ratePerSecond = Number(rate);
      if (!endpoint || !Number.isFinite(ratePerSecond) || ratePerSecond < 0 || ratePerSecond > 1000) {
        throw new Error(
          `traffic rule '${part}' must look like <endpoint name or pattern with *>=<requests per second, 0-1000>`,
        );
      }
      return { endpoint, ratePerSecond };
    });
}

export function parseTrafficRules(body: unknown): TrafficRule[] {
  const rules = (body as { rules?: unknown } | null)?.rules;
  if (!Array.isArray(rules))
    throw new Error('body must be {"rules": [{"endpoint": "name or pattern with *", "ratePerSecond": n}]}');
  return rules.map((r: unknown, i) => {
    const rule = r as Partial<TrafficRule> | null;
    if (!rule || typeof rule.endpoint !== 'string' || rule.endpoint === '')
      throw new Error(`rules[${i}].endpoint must be an endpoint name or a pattern with *`);
    if (typeof rule.ratePerSecond !== 'number' || rule.ratePerSecond < 0 || rule.ratePerSecond > 1000) {
      throw new Error(`rules[${i}].ratePerSecond must be a number between 0 and 1000`);
    }
    return { endpoint: rule.endpoint, ratePerSecond: rule.ratePerSecond };
  });
}

/**
 * What the generated users send: mostly complete feature rows, and a share with a missing feature,
 * as real traffic has and clean sample payloads usually do not.
 */
export const GENERATED_PAYLOADS = {
  complete: '{"instances":[[0.3,0.7,1.2]]}',
  missingFeature: '{"instances":[[0.3,null,1.2]]}',
  missingFeatureShare: 0.25,
} as const;

/** '*' stands for any run of characters: `churn-prod`, `churn-*`, `*-prod`, `*`. */
function endpointPattern(rule: TrafficRule): RegExp {
  const parts = rule.endpoint.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'));
  return new RegExp(`^${parts.join('.*')}$`);
}

export class TrafficGenerator {
  private timer?: NodeJS.Timeout;
  private last = 0;
  private credits = new Map<string, number>();
  private current: { rule: TrafficRule; pattern: RegExp }[] = [];
  sent = 0;

  constructor(
    private readonly hosting: Hosting,
    private readonly invocations: Invocations,
    rules: TrafficRule[],
    private readonly tickMs = 100,
    private readonly now: () => number = Date.now,
    private readonly random: () => number = Math.random,
  ) {
    this.setRules(rules);
  }

  get rules(): TrafficRule[] {
    return this.current.map(({ rule }) => ({ ...rule }));
  }

  setRules(rules: TrafficRule[]): void {
    this.current = rules.map((rule) => ({ rule, pattern: endpointPattern(rule) }));
    this.credits.clear();
  }

  start(): void {
    if (this.timer) return;
    this.last = this.now();
    this.timer = setInterval(() => this.tick(), this.tickMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  tick(): void {
    const now = this.now();
    // After a stall (a paused debugger, a busy CI machine) send at most one second's worth.
    const elapsed = Math.min(1000, now - this.last);
    this.last = now;
    if (this.current.length === 0) return;
    for (const endpoint of this.hosting.allEndpoints()) {
      if (!isServing(endpoint)) continue;
      const rule = this.current.find(({ pattern }) => pattern.test(endpoint.name))?.rule;
      if (!rule) continue;
      const credit = (this.credits.get(endpoint.name) ?? 0) + (rule.ratePerSecond * elapsed) / 1000;
      const n = Math.floor(credit);
      this.credits.set(endpoint.name, credit - n);
      for (let i = 0; i < n; i++) {
        const body =
          this.random() < GENERATED_PAYLOADS.missingFeatureShare
            ? GENERATED_PAYLOADS.missingFeature
            : GENERATED_PAYLOADS.complete;
        this.invocations.invoke({ endpointName: endpoint.name, body });
        this.sent++;
      }
    }
  }
}
