/**
 * UpdateEndpoint with a DeploymentConfig (deployment guardrails): SageMaker provisions the new
 * (green) fleet beside the old (blue) one, shifts traffic by the BlueGreenUpdatePolicy (all at once,
 * a canary share then the rest, or linear steps), each shift followed by WaitIntervalInSeconds of
 * baking, then TerminationWaitInSeconds before the blue fleet goes. While it runs, an alarm of the
 * AutoRollbackConfiguration in ALARM sends all traffic back to blue and ends the update on the old
 * config with a FailureReason. Pure schedule arithmetic; hosting.ts applies it lazily from the clock.
 */
import { constraint, validation } from '../aws-error';
import type { Json } from '../wire';

export type RoutingType = 'ALL_AT_ONCE' | 'CANARY' | 'LINEAR';

export interface BlueGreenPlan {
  routing: RoutingType;
  /** Share of traffic (0..1) on green from each shift's time on (ms after green is ready). */
  shifts: { atMs: number; share: number }[];
  /** When the last bake ends (ms after green is ready): alarms are watched until then. */
  bakedAtMs: number;
  /** When the update completes and blue goes (ms after green is ready). */
  doneAtMs: number;
  alarms: string[];
  /** The DeploymentConfig as given, echoed as LastDeploymentConfig. */
  config: Json;
}

const num = (o: Json | undefined, name: string): number | undefined => {
  const value = o?.[name];
  return typeof value === 'number' ? value : undefined;
};

/** Share of the fleet a CanarySize/LinearStepSize names, given green's instance count. */
function sizeShare(size: Json | undefined, field: string, instances: number): number {
  const type = size?.Type;
  const value = num(size, 'Value');
  if ((type !== 'INSTANCE_COUNT' && type !== 'CAPACITY_PERCENT') || value === undefined || value <= 0) {
    throw validation(`${field} must have a Type of INSTANCE_COUNT or CAPACITY_PERCENT and a positive Value.`);
  }
  const share = type === 'CAPACITY_PERCENT' ? value / 100 : value / Math.max(1, instances);
  if (share > 1 || (type === 'CAPACITY_PERCENT' && value > 50)) {
    throw validation(`${field} must be at most 50 % of the fleet (or its instance count).`);
  }
  return share;
}

/** Reads and checks a DeploymentConfig; undefined when there is none (a plain update). */
export function blueGreenPlan(config: Json | undefined, greenInstances: number): BlueGreenPlan | undefined {
  if (!config) return undefined;
  const policy = config.BlueGreenUpdatePolicy as Json | undefined;
  if (!policy)
    throw validation('DeploymentConfig needs a BlueGreenUpdatePolicy (rolling updates are not emulated).');
  const routing = policy.TrafficRoutingConfiguration as Json | undefined;
  const type = routing?.Type;
  if (type !== 'ALL_AT_ONCE' && type !== 'CANARY' && type !== 'LINEAR') {
    throw constraint(
      'TrafficRoutingConfiguration.Type',
      type,
      'Member must satisfy enum value set: [ALL_AT_ONCE, CANARY, LINEAR]',
    );
  }
  const wait = num(routing, 'WaitIntervalInSeconds');
  if (wait === undefined || wait < 0 || wait > 3600) {
    throw constraint('WaitIntervalInSeconds', wait, 'Member must have value between 0 and 3600');
  }
  const termination = num(policy, 'TerminationWaitInSeconds') ?? 0;
  if (termination < 0 || termination > 3600) {
    throw constraint('TerminationWaitInSeconds', termination, 'Member must have value between 0 and 3600');
  }
  const waitMs = wait * 1000;
  const shifts: BlueGreenPlan['shifts'] = [];
  if (type === 'ALL_AT_ONCE') shifts.push({ atMs: 0, share: 1 });
  if (type === 'CANARY') {
    shifts.push({ atMs: 0, share: sizeShare(routing!.CanarySize as Json, 'CanarySize', greenInstances) });
    shifts.push({ atMs: waitMs, share: 1 });
  }
  if (type === 'LINEAR') {
    const step = sizeShare(routing!.LinearStepSize as Json, 'LinearStepSize', greenInstances);
    const count = Math.ceil(1 / step - 1e-9);
    for (let i = 0; i < count; i++) shifts.push({ atMs: i * waitMs, share: Math.min(1, step * (i + 1)) });
  }
  const bakedAtMs = shifts[shifts.length - 1]!.atMs + waitMs;
  const doneAtMs = bakedAtMs + termination * 1000;
  const max = num(policy, 'MaximumExecutionTimeoutInSeconds');
  if (max !== undefined && (max < 600 || max > 28800)) {
    throw constraint('MaximumExecutionTimeoutInSeconds', max, 'Member must have value between 600 and 28800');
  }
  if (max !== undefined && doneAtMs > max * 1000) {
    throw validation(
      `The deployment would take ${doneAtMs / 1000} s, more than MaximumExecutionTimeoutInSeconds (${max}).`,
    );
  }
  const auto = config.AutoRollbackConfiguration as Json | undefined;
  const alarms = ((auto?.Alarms as Json[] | undefined) ?? []).map((a) =>
    typeof a.AlarmName === 'string' ? a.AlarmName : '',
  );
  if (alarms.length > 10)
    throw constraint('Alarms', `${alarms.length} alarms`, 'Member must have length less than or equal to 10');
  return { routing: type, shifts, bakedAtMs, doneAtMs, alarms, config };
}

/** Green's share of traffic `elapsedMs` after green became ready. */
export function greenShare(plan: BlueGreenPlan, elapsedMs: number): number {
  let share = 0;
  for (const s of plan.shifts) if (elapsedMs >= s.atMs) share = s.share;
  return share;
}
