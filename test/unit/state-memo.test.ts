/**
 * The read model in the memo (src/shared/state-memo.ts): what the workflow writes stays within its
 * bound however long the lifecycle's lists grow, and the API reads back the state it was written from.
 */
import { describe, expect, it } from 'vitest';
import type { HealthVerdict } from '../../src/shared/activity-contracts';
import type { LifecycleState } from '../../src/shared/lifecycle-state';
import {
  jsonBytes,
  MAX_MEMO_FIELD_BYTES,
  MAX_MEMO_TOTAL_BYTES,
  STATE_MEMO_BOUNDS,
  stateFromMemo,
  stateMemoFields,
} from '../../src/shared/state-memo';

const at = (i: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString();

function verdict(i: number): HealthVerdict {
  return {
    at: at(i),
    endpointName: 'churn-prod',
    canaryWeight: 10 * ((i % 10) + 1),
    status: 'healthy',
    reasons: [],
    canary: {
      variantName: 'canary',
      invocations: 1000 + i,
      errors5xx: 1,
      errors4xx: 0,
      errorRate: 0.001,
      rate4xx: 0,
    } as HealthVerdict['canary'],
    alarmsInAlarm: [],
    windowStart: at(i),
    windowEnd: at(i + 1),
    checks: i,
    tests: Array.from({ length: 6 }, (_, t) => ({
      test: `test-${t}`,
      event: '5xx',
      canaryEvents: 1,
      canaryTrials: 1000,
      nullValue: 0.05,
      estimate: 0.001,
      lowerBound: 0,
    })) as HealthVerdict['tests'],
  };
}

function state(overrides: Partial<LifecycleState> = {}): LifecycleState {
  return {
    workflowId: 'mv-churn-k1',
    stage: 'canary',
    modelPackageGroup: 'churn',
    idempotencyKey: 'k1',
    registeredBy: 'pipeline@test',
    modelPackageArn: 'arn:aws:sagemaker:us-east-1:123456789012:model-package/churn/1',
    modelVersion: 1,
    productionEndpointName: 'churn-prod',
    transitions: [
      { stage: 'registering', at: at(0), actor: 'pipeline@test' },
      { stage: 'awaiting-approval', at: at(1), actor: 'workflow' },
    ],
    commands: [],
    approval: {
      mode: 'manual',
      requiredApprovals: 1,
      deadline: at(999),
      approvals: [{ by: 'alice', at: at(2) }],
      comparison: { candidate: { auc: 0.91 }, production: null },
    },
    verdicts: [],
    notifications: [],
    warnings: [],
    ...overrides,
  };
}

/** The memo as the server holds it after a sequence of upserts: each upsert merges its fields. */
function memoAfter(states: LifecycleState[]): Record<string, unknown> {
  const memo: Record<string, unknown> = {};
  for (const s of states) Object.assign(memo, JSON.parse(JSON.stringify(stateMemoFields(s))));
  return memo;
}

const bytes = (memo: Record<string, unknown>) => JSON.stringify(memo).length;

describe('the state memo', () => {
  it('reads back the state it was written from, unchanged, while every list is within its bound', () => {
    const s = state({
      verdicts: [verdict(0), verdict(1)],
      commands: [{ action: 'approve', by: 'alice', at: at(2), accepted: true }],
    });
    const read = stateFromMemo(memoAfter([s]));
    expect(read?.state).toEqual(JSON.parse(JSON.stringify(s)));
    expect(read?.omitted).toEqual({});
  });

  it('stays within its bound after many verdicts, commands, transitions and warnings', () => {
    const s = state();
    const memo: Record<string, unknown> = {};
    let memoOf50 = 0;
    for (let i = 0; i < 500; i++) {
      s.verdicts.push(verdict(i));
      s.commands.push({
        action: 'pause',
        by: `op${i}`,
        at: at(i),
        accepted: false,
        refusal: 'not in the canary',
      });
      s.transitions.push({
        stage: i % 2 ? 'rolling-back' : 'needs-attention',
        at: at(i),
        actor: 'workflow',
        note: `retry ${i}`,
      });
      s.warnings.push({ at: at(i), text: `clean-up ${i} failed` });
      s.notifications.push({ kind: 'needs-attention', at: at(i), delivered: false, error: 'webhook down' });
      Object.assign(memo, JSON.parse(JSON.stringify(stateMemoFields(s))));
      if (i === 49) memoOf50 = bytes(memo);
    }
    const verdictSlots = Object.keys(memo).filter((k) => k.startsWith('state.verdict.'));
    expect(verdictSlots).toHaveLength(STATE_MEMO_BOUNDS.verdicts);
    // Ten full verdicts (~1.5 KB each) and the bounded lists: a few tens of KB, not 500 of everything.
    expect(bytes(memo)).toBeLessThan(40_000);
    expect(bytes(memo)).toBeLessThan(memoOf50 * 1.1);

    const read = stateFromMemo(memo)!;
    expect(read.state.verdicts.map((v) => v.checks)).toEqual(Array.from({ length: 10 }, (_, i) => 490 + i));
    expect(read.state.commands).toHaveLength(STATE_MEMO_BOUNDS.commands);
    expect(read.state.commands.at(-1)?.by).toBe('op499');
    expect(read.state.transitions[0]?.stage).toBe('registering');
    expect(read.state.transitions.at(-1)?.note).toBe('retry 499');
    expect(read.state.transitions).toHaveLength(STATE_MEMO_BOUNDS.transitions);
    expect(read.omitted).toEqual({
      verdicts: 490,
      commands: 480,
      transitions: 502 - STATE_MEMO_BOUNDS.transitions,
      warnings: 490,
      notifications: 490,
    });
  });

  it('writes only the new verdict slot and the counts when a verdict arrives', () => {
    const before = state({ verdicts: [verdict(0)] });
    const after = state({ verdicts: [verdict(0), verdict(1)] });
    const a = stateMemoFields(before);
    const b = stateMemoFields(after);
    const changed = Object.keys(b).filter((k) => JSON.stringify(a[k]) !== JSON.stringify(b[k]));
    expect(changed.sort()).toEqual(['state.counts', 'state.verdict.1']);
  });

  it('leaves out a field too large for one event and says so, keeping the rest readable', () => {
    const huge = state({
      approval: {
        ...state().approval!,
        comparison: {
          candidate: Object.fromEntries(
            Array.from({ length: 5000 }, (_, i) => [`metric_${i}_${'x'.repeat(10)}`, i]),
          ),
          production: null,
        },
      },
    });
    const fields = stateMemoFields(huge);
    expect(JSON.stringify(fields['state.approval']).length).toBeLessThan(100);
    expect(JSON.stringify(fields).length).toBeLessThan(MAX_MEMO_FIELD_BYTES);
    const read = stateFromMemo(memoAfter([huge]))!;
    expect(read.state.approval).toBeUndefined();
    expect(read.state.stage).toBe('canary');
    expect(read.omitted.fields).toBe(1);
  });

  it('counts a field in UTF-8 bytes, so text outside ASCII cannot slip past the field bound', () => {
    expect(jsonBytes('a€😀')).toBe('"a€😀"'.length + 2 + 2); // € is 3 bytes, 😀 4 (2 UTF-16 units)
    // 30,000 euro signs: 30 KB of UTF-16 units, 90 KB of UTF-8, over the 64 KiB field bound.
    const euros = state({
      warnings: [{ at: at(3), text: '€'.repeat(30_000) }],
    });
    const fields = stateMemoFields(euros);
    const log = fields['state.log'] as { omittedBytes: number };
    expect(log.omittedBytes).toBeGreaterThan(90_000);
    expect(Object.keys(log)).toEqual(['omittedBytes']);
    expect(stateFromMemo(memoAfter([euros]))!.omitted.fields).toBe(1);
  });

  it('keeps the whole memo under its budget (the server terminates a run whose merged memo passes 2 MiB), largest fields out first, the core never', () => {
    expect(MAX_MEMO_TOTAL_BYTES).toBeLessThanOrEqual(2 * 1024 * 1024 - 64 * 1024);
    // Ten verdicts of ~30 KB each, every one within the field bound; a 200 KB budget holds six.
    const big = (i: number) => ({ ...verdict(i), reasons: [`look ${i}: ${'r'.repeat(30_000 + i * 100)}`] });
    const heavy = state({ verdicts: Array.from({ length: 10 }, (_, i) => big(i)) });
    const limits = { fieldBytes: MAX_MEMO_FIELD_BYTES, totalBytes: 200_000 };
    const fields = stateMemoFields(heavy, limits);
    expect(jsonBytes(fields)).toBeLessThanOrEqual(limits.totalBytes);
    const slots = Object.entries(fields).filter(([k]) => k.startsWith('state.verdict.'));
    const out = slots.filter(([, v]) => 'omittedBytes' in (v as object)).map(([k]) => k);
    // The largest (the latest, longest reasons) go first, and no more than needed.
    expect(out.sort()).toEqual(['state.verdict.6', 'state.verdict.7', 'state.verdict.8', 'state.verdict.9']);
    const read = stateFromMemo(JSON.parse(JSON.stringify(fields)) as Record<string, unknown>)!;
    expect(read.state.stage).toBe('canary');
    expect(read.state.verdicts.map((v) => v.checks)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(read.omitted.fields).toBe(4);
    // With the default budget the same state is written in full.
    expect(Object.values(stateMemoFields(heavy)).some((v) => 'omittedBytes' in (v as object))).toBe(false);
  });

  it('is absent for a run started before the memo (only registeredBy) or with another layout', () => {
    expect(stateFromMemo(undefined)).toBeUndefined();
    expect(stateFromMemo({ registeredBy: 'pipeline@test' })).toBeUndefined();
    const memo = memoAfter([state()]);
    expect(
      stateFromMemo({ ...memo, 'state.core': { ...(memo['state.core'] as object), v: 99 } }),
    ).toBeUndefined();
  });
});
