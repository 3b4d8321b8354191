/**
 * The lifecycle's read model: its state, bounded, kept by the workflow in its own memo so that a read
 * is one DescribeWorkflowExecution on the server (no worker, no replay). The workflow writes it in
 * the workflow task that changes the state (workflows/lifecycle-record.ts), so it is exactly as
 * current as the `state` query would be, and the API reassembles it (stateFromMemo).
 *
 * Split into memo fields by how often they change, because each upsert is a history event that holds
 * only the fields it changes: a command rewrites `state.commands`, not the approval comparison. The
 * verdicts are a ring of slots, one field each, so a verdict writes ~2 KB however many came before.
 * Deterministic and I/O-free: the workflow bundle imports it.
 */
import type { LifecycleState } from './lifecycle-state';

/** Bumped when the layout changes in a way an older API cannot read; the API then uses the query. */
export const STATE_MEMO_VERSION = 1;

/** The patch id that gates the memo writes (runs recorded before it replay without them). */
export const STATE_MEMO_PATCH = 'state-memo';

export const STATE_MEMO_BOUNDS = {
  /** A ramp has at most 10 steps (INPUT_BOUNDS.canarySteps), one verdict each: every real lifecycle's verdicts fit. */
  verdicts: 10,
  commands: 20,
  /** The first transition (registration time) and the last ones. */
  transitions: 30,
  notifications: 10,
  warnings: 10,
  /** Per sample payload: the failed ones first, then the first others. */
  validationResults: 20,
} as const;

/** Above this a field is left out (`omitted`): one large field must not crowd out the others. */
export const MAX_MEMO_FIELD_BYTES = 64 * 1024;

/**
 * The whole memo stays under this. At every upsert the server checks the memo with every field
 * merged, and above `limit.memoSize.error` (2 MiB by default) it terminates the run: a lifecycle
 * killed mid-canary by its own read model. Largest fields go first, the core never.
 */
export const MAX_MEMO_TOTAL_BYTES = 1024 * 1024;

/** What a field costs the server: its JSON in UTF-8, plus the payload's encoding metadata. */
const PAYLOAD_OVERHEAD_BYTES = 64;

/** UTF-8 length of the value's JSON, without Buffer or TextEncoder (the workflow bundle imports this). */
export function jsonBytes(value: unknown): number {
  const json = JSON.stringify(value) ?? '';
  let bytes = 0;
  for (let i = 0; i < json.length; i++) {
    const c = json.charCodeAt(i);
    if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    else if (c >= 0xd800 && c <= 0xdbff) {
      bytes += 4; // a surrogate pair: one 4-byte code point
      i++;
    } else bytes += 3;
  }
  return bytes;
}

export type OmittedCounts = Partial<Record<keyof typeof STATE_MEMO_BOUNDS | 'fields', number>>;

const CORE = 'state.core';
/** How many verdicts there were and what the bounds left out: apart, so a verdict does not rewrite the core. */
const COUNTS = 'state.counts';
const VERDICT_SLOT = 'state.verdict.';

/** State keys by memo field; any key not listed (a field added later) goes to `state.other`, never lost. */
const FIELDS: Record<string, (keyof LifecycleState)[]> = {
  [CORE]: [
    'workflowId',
    'stage',
    'modelPackageGroup',
    'idempotencyKey',
    'registeredBy',
    'modelPackageArn',
    'modelVersion',
    'productionEndpointName',
    'stagingEndpointName',
    'outcome',
    'transitions',
    'rollback',
    'attention',
    'refusal',
  ],
  'state.approval': ['approval'],
  'state.validation': ['validation'],
  'state.rollout': ['canary', 'guardrails', 'shadow', 'detectability'],
  'state.commands': ['commands'],
  'state.log': ['notifications', 'warnings'],
  'state.watch': ['watch'],
};
const LISTED = new Set<string>(Object.values(FIELDS).flat());
const OTHER = 'state.other';

function lastOf<T>(items: T[], bound: number, key: keyof OmittedCounts, omitted: OmittedCounts): T[] {
  if (items.length <= bound) return items;
  omitted[key] = items.length - bound;
  return items.slice(-bound);
}

/** The state with every list bounded, and how many entries each list lost. */
function bounded(state: LifecycleState): { state: LifecycleState; omitted: OmittedCounts } {
  const omitted: OmittedCounts = {};
  const b = STATE_MEMO_BOUNDS;
  const transitions =
    state.transitions.length <= b.transitions
      ? state.transitions
      : [
          state.transitions[0]!,
          ...lastOf(state.transitions.slice(1), b.transitions - 1, 'transitions', omitted),
        ];
  let validation = state.validation;
  if (validation && validation.results.length > b.validationResults) {
    const results = [...validation.results.filter((r) => !r.ok), ...validation.results.filter((r) => r.ok)]
      .slice(0, b.validationResults)
      .sort((x, y) => x.index - y.index);
    omitted.validationResults = validation.results.length - results.length;
    validation = { ...validation, results };
  }
  return {
    state: {
      ...state,
      transitions,
      ...(validation ? { validation } : {}),
      commands: lastOf(state.commands, b.commands, 'commands', omitted),
      notifications: lastOf(state.notifications, b.notifications, 'notifications', omitted),
      warnings: lastOf(state.warnings, b.warnings, 'warnings', omitted),
    },
    omitted,
  };
}

/**
 * The memo fields for this state. The workflow upserts the ones whose value changed since its last
 * upsert; verdict slots never change once written, so only a new verdict's slot is written.
 */
export function stateMemoFields(
  full: LifecycleState,
  limits = { fieldBytes: MAX_MEMO_FIELD_BYTES, totalBytes: MAX_MEMO_TOTAL_BYTES },
): Record<string, unknown> {
  const { state, omitted } = bounded(full);
  const fields: Record<string, Record<string, unknown>> = {};
  for (const [field, keys] of Object.entries(FIELDS)) {
    fields[field] = Object.fromEntries(keys.filter((k) => state[k] !== undefined).map((k) => [k, state[k]]));
  }
  const other = Object.entries(state).filter(
    ([k, v]) => !LISTED.has(k) && k !== 'verdicts' && v !== undefined,
  );
  if (other.length > 0) fields[OTHER] = Object.fromEntries(other);
  const verdicts = full.verdicts;
  const first = Math.max(0, verdicts.length - STATE_MEMO_BOUNDS.verdicts);
  verdicts.slice(first).forEach((verdict, i) => {
    const seq = first + i;
    fields[`${VERDICT_SLOT}${seq % STATE_MEMO_BOUNDS.verdicts}`] = { seq, verdict };
  });
  const size = new Map(Object.entries(fields).map(([f, v]) => [f, jsonBytes(v)]));
  const omit = (field: string) => {
    fields[field] = { omittedBytes: size.get(field)! };
    size.set(field, jsonBytes(fields[field]));
    omitted.fields = (omitted.fields ?? 0) + 1;
  };
  for (const field of Object.keys(fields)) {
    if (field !== CORE && size.get(field)! > limits.fieldBytes) omit(field);
  }
  // Each field's payload metadata, and the counts field and the API's own `registeredBy` on top.
  const total = () => [...size.values()].reduce((a, b) => a + b + PAYLOAD_OVERHEAD_BYTES, 0) + 1024;
  while (total() > limits.totalBytes) {
    const largest = [...size.entries()]
      .filter(([f]) => f !== CORE && !('omittedBytes' in fields[f]!))
      .sort((a, b) => b[1] - a[1])[0];
    if (!largest) break;
    omit(largest[0]);
  }
  fields[CORE] = { ...fields[CORE], v: STATE_MEMO_VERSION };
  fields[COUNTS] = { verdictCount: verdicts.length, omitted };
  return fields;
}

export interface MemoState {
  state: LifecycleState;
  /** Entries of bounded lists not in the memo (the full state has them: `?view=full`). */
  omitted: OmittedCounts;
}

/** The state from a described or listed run's memo; undefined for runs started before the memo (or a newer layout). */
export function stateFromMemo(memo: Record<string, unknown> | undefined): MemoState | undefined {
  const core = memo?.[CORE] as (Partial<LifecycleState> & { v?: number }) | undefined;
  if (!memo || !core || core.v !== STATE_MEMO_VERSION) return undefined;
  const { verdictCount = 0, omitted = {} } = (memo[COUNTS] ?? {}) as {
    verdictCount?: number;
    omitted?: OmittedCounts;
  };
  const { v: _v, ...coreState } = core;
  const state = { ...coreState } as Record<string, unknown>;
  for (const field of [...Object.keys(FIELDS), OTHER]) {
    if (field === CORE || field === COUNTS) continue;
    const value = memo[field] as Record<string, unknown> | undefined;
    if (value && !('omittedBytes' in value)) Object.assign(state, value);
  }
  const slots = Object.entries(memo)
    .filter(([k]) => k.startsWith(VERDICT_SLOT))
    .map(([, v]) => v as { seq: number; verdict: LifecycleState['verdicts'][number] })
    .filter((s) => s && typeof s.seq === 'number' && s.seq < verdictCount)
    .sort((a, b) => a.seq - b.seq);
  state.verdicts = slots.map((s) => s.verdict);
  state.commands ??= [];
  state.notifications ??= [];
  state.warnings ??= [];
  state.transitions ??= [];
  const verdictsOmitted = verdictCount - slots.length;
  return {
    state: state as unknown as LifecycleState,
    omitted: { ...omitted, ...(verdictsOmitted > 0 ? { verdicts: verdictsOmitted } : {}) },
  };
}
