/**
 * The emulator's control API under /_emulator/ (plain JSON, no AWS signature): inspect state, inject
 * faults, change a serving model's behaviour, steer the traffic generator, reset everything.
 * Documented in the README's "AWS emulator" section.
 */
import type { EmulatorState } from './emulator-state';
import { parseFaultSpec } from './faults';
import { behaviourOverride } from './runtime/model-behaviour';
import { parseTrafficRules } from './traffic-generator';

export interface ControlResponse {
  status: number;
  body: unknown;
}

const ok = (body: unknown): ControlResponse => ({ status: 200, body });
const badRequest = (err: unknown): ControlResponse => ({
  status: 400,
  body: { error: (err as Error).message },
});
const notFound = (what: string): ControlResponse => ({ status: 404, body: { error: `${what} not found` } });

/** A model that exists, or that an endpoint still serves after the model was deleted. */
function modelIsKnown(state: EmulatorState, modelName: string): boolean {
  return (
    state.hosting.hasModel(modelName) ||
    state.hosting
      .allEndpoints()
      .some((e) => [...e.variants, ...(e.shadowVariants ?? [])].some((v) => v.modelName === modelName))
  );
}

export function handleControl(
  state: EmulatorState,
  method: string,
  path: string,
  body: unknown,
): ControlResponse {
  const parts = path
    .replace(/^\/_emulator\/?/, '')
    .split('/')
    .filter(Boolean)
    .map(decodeURIComponent);
  const [resource, id, sub] = parts;
  const route = `${method} ${resource ?? ''}${id !== undefined ? '/:id' : ''}${sub ? `/${sub}` : ''}`;
  try {
    switch (route) {
      case 'GET health':
        return ok({ ok: true });
      case 'GET state':
        return ok(state.snapshot());
      case 'POST reset':
        state.reset();
        return ok({ reset: true });
      case 'GET faults':
        return ok({ faults: state.faults.list() });
      case 'POST faults': {
        const specs = Array.isArray((body as { faults?: unknown })?.faults)
          ? (body as { faults: unknown[] }).faults
          : [body];
        const parsed = specs.map(parseFaultSpec);
        return { status: 201, body: { faults: parsed.map((s) => state.faults.add(s)) } };
      }
      case 'DELETE faults':
        state.faults.clear();
        return ok({ faults: [] });
      case 'DELETE faults/:id':
        return state.faults.remove(id!) ? ok({ removed: id }) : notFound(`fault ${id}`);
      case 'GET models/:id/behaviour':
        if (!modelIsKnown(state, id!)) return notFound(`model ${id}`);
        return ok({ model: id, override: state.hosting.behaviourOverrides()[id!] ?? {} });
      case 'PUT models/:id/behaviour': {
        if (!modelIsKnown(state, id!)) return notFound(`model ${id}`);
        state.hosting.setBehaviourOverride(id!, behaviourOverride(body));
        state.save();
        return ok({ model: id, override: state.hosting.behaviourOverrides()[id!] });
      }
      case 'DELETE models/:id/behaviour':
        state.hosting.setBehaviourOverride(id!, undefined);
        state.save();
        return ok({ model: id, override: {} });
      case 'GET traffic':
        return ok({ rules: state.traffic.rules, sent: state.traffic.sent });
      case 'PUT traffic':
        state.traffic.setRules(parseTrafficRules(body));
        return ok({ rules: state.traffic.rules });
      default:
        return notFound(`route ${method} ${path}`);
    }
  } catch (err) {
    return badRequest(err);
  }
}
