/**
 * How an emulated model answers, read from its container environment so that a bad version can be
 * registered like any other (e.g. EMULATOR_ERROR_RATE=0.3), and changed while it serves through the
 * control API.
 */
import { validation } from '../aws-error';

export interface ModelBehaviour {
  /** Share of invocations the model answers with a 5xx (0..1). */
  errorRate: number;
  /** Share answered with a 4xx (0..1). */
  clientErrorRate: number;
  /** Mean model latency. */
  latencyMs: number;
  /** Standard deviation of the latency (normal, clipped at a tenth of the mean). */
  latencyJitterMs: number;
  /** The endpoint fails to deploy with this model (Creating → Failed, or an update rolled back). */
  failDeployment: boolean;
  /** A fixed answer; by default a small JSON prediction. */
  responseBody?: string;
  /**
   * The model answers 5xx to every request whose body contains this text, e.g. `null`: a model that
   * crashes on missing features passes validation on clean sample payloads and fails on real traffic
   * (a share of the traffic generator's requests carry a missing feature).
   */
  failOnInputContaining?: string;
}

export const ENV = {
  errorRate: 'EMULATOR_ERROR_RATE',
  clientErrorRate: 'EMULATOR_CLIENT_ERROR_RATE',
  latencyMs: 'EMULATOR_LATENCY_MS',
  latencyJitterMs: 'EMULATOR_LATENCY_JITTER_MS',
  failDeployment: 'EMULATOR_FAIL_DEPLOYMENT',
  responseBody: 'EMULATOR_RESPONSE_BODY',
  failOnInputContaining: 'EMULATOR_FAIL_ON_INPUT_CONTAINING',
} as const;

export const DEFAULT_LATENCY_MS = 20;

function share(env: Record<string, string>, key: string): number {
  const raw = env[key];
  if (raw === undefined || raw === '') return 0;
  const v = Number(raw);
  if (!Number.isFinite(v) || v < 0 || v > 1) {
    throw validation(`Environment variable ${key} must be a number between 0 and 1, got '${raw}'`);
  }
  return v;
}

function millis(env: Record<string, string>, key: string, fallback: number): number {
  const raw = env[key];
  if (raw === undefined || raw === '') return fallback;
  const v = Number(raw);
  if (!Number.isFinite(v) || v < 0 || v > 60_000) {
    throw validation(`Environment variable ${key} must be a number of milliseconds (0-60000), got '${raw}'`);
  }
  return v;
}

/** The behaviour a container environment asks for; a clear ValidationException when a value is wrong. */
export function behaviourFromEnvironment(env: Record<string, string>): ModelBehaviour {
  const latencyMs = millis(env, ENV.latencyMs, DEFAULT_LATENCY_MS);
  const fail = env[ENV.failDeployment];
  if (fail !== undefined && fail !== 'true' && fail !== 'false') {
    throw validation(`Environment variable ${ENV.failDeployment} must be 'true' or 'false', got '${fail}'`);
  }
  return {
    errorRate: share(env, ENV.errorRate),
    clientErrorRate: share(env, ENV.clientErrorRate),
    latencyMs,
    latencyJitterMs: millis(env, ENV.latencyJitterMs, latencyMs / 10),
    failDeployment: fail === 'true',
    ...(env[ENV.responseBody] ? { responseBody: env[ENV.responseBody] } : {}),
    ...(env[ENV.failOnInputContaining] ? { failOnInputContaining: env[ENV.failOnInputContaining] } : {}),
  };
}

/** A partial behaviour from the control API, checked member by member. */
export function behaviourOverride(body: unknown): Partial<ModelBehaviour> {
  if (!body || typeof body !== 'object' || Array.isArray(body)) {
    throw new Error('behaviour must be a JSON object');
  }
  const out: Partial<ModelBehaviour> = {};
  const b = body as Record<string, unknown>;
  const known = new Set([
    'errorRate',
    'clientErrorRate',
    'latencyMs',
    'latencyJitterMs',
    'failDeployment',
    'responseBody',
  ]);
  for (const key of Object.keys(b)) if (!known.has(key)) throw new Error(`unknown behaviour field '${key}'`);
  for (const key of ['errorRate', 'clientErrorRate'] as const) {
    if (b[key] === undefined) continue;
    const v = b[key];
    if (typeof v !== 'number' || v < 0 || v > 1) throw new Error(`${key} must be a number between 0 and 1`);
    out[key] = v;
  }
  for (const key of ['latencyMs', 'latencyJitterMs'] as const) {
    if (b[key] === undefined) continue;
    const v = b[key];
    if (typeof v !== 'number' || v < 0 || v > 60_000)
      throw new Error(`${key} must be a number of milliseconds (0-60000)`);
    out[key] = v;
  }
  if (b.failDeployment !== undefined) {
    if (typeof b.failDeployment !== 'boolean') throw new Error('failDeployment must be a boolean');
    out.failDeployment = b.failDeployment;
  }
  if (b.failOnInputContaining !== undefined) {
    if (typeof b.failOnInputContaining !== 'string' || b.failOnInputContaining === '') {
      throw new Error('failOnInputContaining must be a non-empty string');
    }
    out.failOnInputContaining = b.failOnInputContaining;
  }
  if (b.responseBody !== undefined) {
    if (typeof b.responseBody !== 'string') throw new Error('responseBody must be a string');
    out.responseBody = b.responseBody;
  }
  return out;
}

/** A latency draw: normal around the mean (Box-Muller), never below a tenth of it. */
export function drawLatencyMs(b: ModelBehaviour, random: () => number = Math.random): number {
  const u = 1 - random();
  const v = random();
  const z = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  return Math.max(b.latencyMs / 10, b.latencyMs + z * b.latencyJitterMs);
}

export type Outcome = { kind: 'ok' } | { kind: 'error5xx' } | { kind: 'error4xx' };

export function drawOutcome(b: ModelBehaviour, input: string, random: () => number = Math.random): Outcome {
  if (b.failOnInputContaining && input.includes(b.failOnInputContaining)) return { kind: 'error5xx' };
  const r = random();
  if (r < b.errorRate) return { kind: 'error5xx' };
  if (r < b.errorRate + b.clientErrorRate) return { kind: 'error4xx' };
  return { kind: 'ok' };
}
