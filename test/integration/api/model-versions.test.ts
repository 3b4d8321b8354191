/**
 * Starting, reading, listing and steering lifecycles over real HTTP, with the real workflow on the
 * shared Temporal server: idempotent starts, 404/409/403 from the workflow's own rules, and an
 * approval made in SageMaker Studio reaching the workflow through the EventBridge route.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LifecycleState } from '../../../src/shared/lifecycle-state';
import { startApiHarness, type ApiHarness, type Persona } from './api-harness';
import { newGroup, startBody } from './requests';

let api: ApiHarness;
beforeAll(async () => {
  api = await startApiHarness();
});
afterAll(async () => api?.stop());

async function startVersion(as: Persona = 'pipeline', group = newGroup()) {
  const res = await api.call<{ id: string }>('POST', '/model-versions', { as, body: startBody(group) });
  expect(res.status).toBe(201);
  return { id: res.body.id, group };
}

async function stateOf(id: string): Promise<LifecycleState> {
  const res = await api.call<LifecycleState>('GET', `/model-versions/${id}`, { as: 'viewer' });
  expect(res.status).toBe(200);
  return res.body;
}

async function awaitingApproval(id: string): Promise<LifecycleState> {
  await expect.poll(async () => (await stateOf(id)).stage, { timeout: 20_000 }).toBe('awaiting-approval');
  return stateOf(id);
}

describe('POST /model-versions', () => {
  it('201 when new, 200 with the same body on a retried start; the registrant is the token identity', async () => {
    const body = startBody();
    const first = await api.call('POST', '/model-versions', { as: 'pipeline', body });
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({
      id: `mv-${body.modelPackageGroup}-${body.idempotencyKey}`,
      registeredBy: 'pipeline@test',
    });
    const again = await api.call('POST', '/model-versions', { as: 'pipeline', body });
    expect(again.status).toBe(200);
    expect(again.body).toEqual(first.body);
    const state = await awaitingApproval(first.body.id as string);
    expect(state.stage).toBe('awaiting-approval');
    expect(state.registeredBy).toBe('pipeline@test');
    expect(state.transitions[0]).toMatchObject({ stage: 'registering', actor: 'pipeline@test' });
  });
});

describe('POST /model-versions idempotency', () => {
  it('409 naming the differing fields when a used key comes with a different request; the first stands', async () => {
    const body = startBody();
    const first = await api.call('POST', '/model-versions', { as: 'pipeline', body });
    expect(first.status).toBe(201);
    const changed = {
      ...body,
      artifactUri: 's3://models/churn/other-model.tar.gz',
      metrics: { auc: 0.95 },
      deployment: { ...body.deployment, bakeSeconds: 3 },
    };
    const conflict = await api.call('POST', '/model-versions', { as: 'pipeline', body: changed });
    expect(conflict.status).toBe(409);
    expect(conflict.body.differingFields).toEqual(['artifactUri', 'deployment.bakeSeconds', 'metrics.auc']);
    expect(conflict.body.message).toMatch(
      /differing fields: artifactUri, deployment.bakeSeconds, metrics.auc/,
    );
    expect(conflict.body.existing).toMatchObject({ id: first.body.id });

    // The key is scoped to the group, not the caller: another registrant reusing it is a different request.
    const otherCaller = await api.call('POST', '/model-versions', { as: 'pipelineApprover', body });
    expect(otherCaller.status).toBe(409);
    expect(otherCaller.body.differingFields).toEqual(['registeredBy']);

    // Sending a default explicitly is the same request as leaving it out.
    const explicitDefault = { ...body, description: '', retainPreviousVersions: 1 };
    const same = await api.call('POST', '/model-versions', { as: 'pipeline', body: explicitDefault });
    expect(same.status).toBe(200);
    expect(same.body).toEqual(first.body);
  });
});

describe('GET /model-versions', () => {
  it('lists from visibility by group and stage, page by page', async () => {
    const group = newGroup('list');
    const a = await startVersion('pipeline', group);
    const b = await startVersion('pipeline', group);
    await awaitingApproval(a.id);
    await awaitingApproval(b.id);
    await expect
      .poll(
        async () => {
          const res = await api.call<{ items: { id: string }[] }>(
            'GET',
            `/model-versions?group=${group}&stage=awaiting-approval`,
            { as: 'viewer' },
          );
          return res.body.items.map((i) => i.id).sort();
        },
        { timeout: 15_000 },
      )
      .toEqual([a.id, b.id].sort());

    const page1 = await api.call<{
      items: { id: string; modelPackageGroup: string; stage: string; modelVersion: number; status: string }[];
      nextPageToken?: string;
    }>('GET', `/model-versions?group=${group}&pageSize=1`, { as: 'viewer' });
    expect(page1.body.items).toHaveLength(1);
    // Each search attribute decoded with its type: keyword as text, ModelVersion as a number.
    expect(page1.body.items[0]).toMatchObject({
      modelPackageGroup: group,
      stage: 'awaiting-approval',
      status: 'RUNNING',
      modelVersion: expect.any(Number),
    });
    expect(page1.body.nextPageToken).toBeTruthy();
    const page2 = await api.call<{ items: { id: string }[] }>(
      'GET',
      `/model-versions?group=${group}&pageSize=1&pageToken=${page1.body.nextPageToken}`,
      { as: 'viewer' },
    );
    expect(page2.body.items).toHaveLength(1);
    expect(page2.body.items[0]!.id).not.toBe(page1.body.items[0]!.id);

    const other = await api.call<{ items: unknown[] }>('GET', `/model-versions?group=${newGroup('empty')}`, {
      as: 'viewer',
    });
    expect(other.body.items).toEqual([]);
  });
});

describe('commands', () => {
  it('403 when the registrant approves their own version; the refusal is recorded', async () => {
    const { id } = await startVersion('pipelineApprover');
    await awaitingApproval(id);
    const res = await api.call('POST', `/model-versions/${id}/approve`, {
      as: 'pipelineApprover',
      body: { comment: 'looks good to me' },
    });
    expect(res.status).toBe(403);
    expect(res.body.message).toMatch(/approve refused/);
    const state = await stateOf(id);
    expect(state.stage).toBe('awaiting-approval');
    expect(state.commands.at(-1)).toMatchObject({ action: 'approve', by: 'carol@test', accepted: false });
  });

  it('approve by an approver; out-of-stage commands are 409, never dropped', async () => {
    const { id } = await startVersion();
    await awaitingApproval(id);
    const early = await api.call('POST', `/model-versions/${id}/promote`, { as: 'operator', body: {} });
    expect(early.status).toBe(409);
    expect(early.body.message).toMatch(/promote refused/);

    const ok = await api.call('POST', `/model-versions/${id}/approve`, {
      as: 'approver',
      body: { comment: 'auc up 2 points' },
    });
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ accepted: true });
    const state = await stateOf(id);
    expect(state.approval?.approvals).toEqual([
      expect.objectContaining({ by: 'alice@test', comment: 'auc up 2 points' }),
    ]);

    const twice = await api.call('POST', `/model-versions/${id}/approve`, { as: 'approver', body: {} });
    expect(twice.status).toBe(409);
  });

  it('409 for any command once the lifecycle has finished (rejected)', async () => {
    const { id } = await startVersion();
    await awaitingApproval(id);
    const rejected = await api.call('POST', `/model-versions/${id}/reject`, {
      as: 'approver',
      body: { reason: 'trained on the wrong snapshot' },
    });
    expect(rejected.status).toBe(200);
    await expect.poll(async () => (await stateOf(id)).stage, { timeout: 15_000 }).toBe('rejected');
    for (const action of ['approve', 'rollback'] as const) {
      const res = await api.call('POST', `/model-versions/${id}/${action}`, {
        as: action === 'approve' ? 'approver' : 'operator',
        body: {},
      });
      expect(res.status).toBe(409);
    }
  });
});

describe('roles: one role per decision', () => {
  it('only an approver approves or rejects; an operator is refused with 403 and the version still waits', async () => {
    const { id } = await startVersion();
    await awaitingApproval(id);
    for (const action of ['approve', 'reject'] as const) {
      for (const as of ['operator', 'pipeline', 'viewer', 'eventbridge'] as const) {
        const res = await api.call('POST', `/model-versions/${id}/${action}`, { as, body: { reason: 'x' } });
        expect(res.status, `${as} ${action}`).toBe(403);
        expect(res.body.message).toMatch(/needs one of: approver$/);
      }
    }
    const state = await stateOf(id);
    expect(state.stage).toBe('awaiting-approval');
    expect(state.commands).toEqual([]);
  });

  it('only the eventbridge role may post SageMaker events: an operator cannot approve that way', async () => {
    const { id, group } = await startVersion();
    const state = await awaitingApproval(id);
    for (const as of ['operator', 'approver', 'pipeline', 'viewer'] as const) {
      const res = await api.call('POST', '/events/sagemaker', {
        as,
        body: studioEvent(group, state.modelVersion!, 'Approved'),
      });
      expect(res.status, as).toBe(403);
    }
    expect((await stateOf(id)).stage).toBe('awaiting-approval');
  });
});

const studioEvent = (group: string, version: number, status: string, user = 'bob') => ({
  version: '0',
  source: 'aws.sagemaker',
  'detail-type': 'SageMaker Model Package State Change',
  detail: {
    ModelPackageGroupName: group,
    ModelPackageVersion: version,
    ModelApprovalStatus: status,
    ApprovalDescription: 'checked the confusion matrix',
    LastModifiedBy: { UserProfileName: user },
  },
});

describe('POST /events/sagemaker', () => {
  const event = studioEvent;

  /** Posts the event until visibility has caught up with the version's ModelVersion attribute. */
  async function postUntilFound(body: ReturnType<typeof studioEvent>) {
    let last: Record<string, unknown> = {};
    await expect
      .poll(
        async () => {
          const res = await api.call('POST', '/events/sagemaker', { as: 'eventbridge', body });
          expect(res.status).toBe(200);
          last = res.body;
          return typeof last.ignored === 'string' && /no lifecycle manages/.test(last.ignored);
        },
        { timeout: 15_000 },
      )
      .toBe(false);
    return last;
  }

  it('an approval in SageMaker Studio approves the workflow; its echo is ignored', async () => {
    const { id, group } = await startVersion();
    const state = await awaitingApproval(id);
    const version = state.modelVersion!;
    // Visibility catches up with the ModelVersion search attribute shortly after registration.
    await expect
      .poll(
        async () => {
          const res = await api.call('POST', '/events/sagemaker', {
            as: 'eventbridge',
            body: event(group, version, 'Approved'),
          });
          return res.body;
        },
        { timeout: 15_000 },
      )
      .toMatchObject({ forwarded: 'approve', id, by: 'bob@test', studioUser: 'bob' });
    const after = await stateOf(id);
    expect(after.approval?.approvals[0]).toMatchObject({ by: 'bob@test' });
    expect(api.studio.statusWrites.filter((w) => w.modelPackageArn === after.modelPackageArn)).toEqual([]);
    await expect
      .poll(async () => (await stateOf(id)).approval?.decision?.status, { timeout: 15_000 })
      .toBe('Approved');

    const echo = await api.call('POST', '/events/sagemaker', {
      as: 'eventbridge',
      body: event(group, version, 'Approved'),
    });
    expect(echo.status).toBe(200);
    expect(echo.body.ignored).toMatch(/echo/);
  });

  it('ignores versions no lifecycle manages and rejects malformed events with 400', async () => {
    const unknown = await api.call('POST', '/events/sagemaker', {
      as: 'eventbridge',
      body: event(newGroup('nobody'), 3, 'Approved'),
    });
    expect(unknown.status).toBe(200);
    expect(unknown.body.ignored).toMatch(/no lifecycle manages/);
    const bad = await api.call('POST', '/events/sagemaker', {
      as: 'eventbridge',
      body: { 'detail-type': 'EC2 Instance State-change Notification', detail: {} },
    });
    expect(bad.status).toBe(400);
    expect((bad.body.errors as { field: string }[]).map((e) => e.field)).toEqual(
      expect.arrayContaining(['detail-type', 'detail.ModelPackageGroupName']),
    );
  });

  it('the registrant approving in Studio is refused like on /approve: recorded, notified, registry set back', async () => {
    const { id, group } = await startVersion('pipelineApprover');
    const state = await awaitingApproval(id);
    const outcome = await postUntilFound(event(group, state.modelVersion!, 'Approved', 'carol-studio'));
    expect(outcome).toMatchObject({
      id,
      by: 'carol@test',
      studioUser: 'carol-studio',
      registryStatus: 'PendingManualApproval',
    });
    expect(outcome.refused).toMatch(/registrant may not approve/);
    const after = await stateOf(id);
    expect(after.stage).toBe('awaiting-approval');
    expect(after.commands.at(-1)).toMatchObject({ action: 'approve', by: 'carol@test', accepted: false });
    expect(api.studio.statusWrites).toContainEqual(
      expect.objectContaining({ modelPackageArn: after.modelPackageArn, status: 'PendingManualApproval' }),
    );
    expect(api.studio.notifications).toContainEqual(
      expect.objectContaining({
        kind: 'studio-decision-refused',
        workflowId: id,
        studioStatus: 'Approved',
        restoredStatus: 'PendingManualApproval',
        identity: 'carol@test',
      }),
    );
  });

  it('an unmapped Studio user is refused and the registry set back; a quorum counts a Studio approver once', async () => {
    const group = newGroup();
    const body = { ...startBody(group), approval: { mode: 'quorum', quorum: 2 } };
    const started = await api.call<{ id: string }>('POST', '/model-versions', { as: 'pipeline', body });
    expect(started.status).toBe(201);
    const id = started.body.id;
    const state = await awaitingApproval(id);
    const version = state.modelVersion!;

    const unmapped = await postUntilFound(event(group, version, 'Approved', 'mallory'));
    expect(unmapped.refused).toMatch(/mallory is not mapped/);
    expect(unmapped.registryStatus).toBe('PendingManualApproval');
    expect((await stateOf(id)).approval?.approvals).toEqual([]);
    // The lifecycle's own record shows the refused decision too, though its rules never saw it.
    await expect
      .poll(async () => (await stateOf(id)).commands.filter((c) => !c.accepted).map((c) => c.refusal))
      .toEqual([expect.stringMatching(/mallory is not mapped/)]);

    // bob in Studio and bob@test on /approve are one approver: the quorum of two is not met.
    const viaStudio = await postUntilFound(event(group, version, 'Approved', 'bob'));
    expect(viaStudio).toMatchObject({ forwarded: 'approve', by: 'bob@test' });
    const approvals = (await stateOf(id)).approval?.approvals.map((a) => a.by);
    expect(approvals).toEqual(['bob@test']);
    expect((await stateOf(id)).stage).toBe('awaiting-approval');
  });

  it('a Studio decision after the approval deadline is refused and the registry shows the expiry', async () => {
    const group = newGroup();
    const body = { ...startBody(group), approval: { deadlineSeconds: 2 } };
    const started = await api.call<{ id: string }>('POST', '/model-versions', { as: 'pipeline', body });
    const id = started.body.id;
    const state = await awaitingApproval(id);
    await expect.poll(async () => (await stateOf(id)).stage, { timeout: 20_000 }).toBe('expired');
    const outcome = await postUntilFound(event(group, state.modelVersion!, 'Approved', 'bob'));
    expect(outcome.refused).toMatch(/refused/);
    expect(outcome.registryStatus).toBe('Rejected');
    expect(api.studio.statusWrites).toContainEqual(
      expect.objectContaining({ modelPackageArn: state.modelPackageArn, status: 'Rejected' }),
    );
  });
});
