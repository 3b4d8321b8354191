/**
 * The start request against SageMaker's limits and the API's bounds, over real HTTP: for every field
 * a value just inside each limit starts a lifecycle (201) and one just outside is a 400 naming the
 * field and the limit. Unknown fields are refused at every level and in every command body, and a
 * body over the size limit is a 413.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FieldError } from '../../../src/shared/field-errors';
import { startApiHarness, type ApiHarness } from './api-harness';
import { LIMIT_CASES } from './limit-cases';
import { startBody } from './requests';

let api: ApiHarness;
beforeAll(async () => {
  api = await startApiHarness();
});
afterAll(async () => api?.stop());

const names = (field: string) => (e: FieldError) => e.field === field || e.field.startsWith(`${field}.`);

describe('start request limits, one value just inside and one just outside each', () => {
  it.each(LIMIT_CASES.map((c) => [`${c.field}: ${c.limit}`, c] as const))('%s', async (_name, c) => {
    const inside = await api.call<{ id: string; errors?: FieldError[] }>('POST', '/model-versions', {
      as: 'pipeline',
      body: c.inside(),
    });
    expect(inside.status, JSON.stringify(inside.body.errors)).toBe(201);
    // Only acceptance is under test here; the lifecycle need not run.
    await api.temporal.client.workflow.getHandle(inside.body.id).terminate('limit test');

    const outside = await api.call<{ errors: FieldError[]; message: string }>('POST', '/model-versions', {
      as: 'pipeline',
      body: c.outside(),
    });
    expect(outside.status).toBe(400);
    const named = outside.body.errors.filter(names(c.field));
    expect(named, JSON.stringify(outside.body.errors)).not.toEqual([]);
    if (c.mentions) expect(named.map((e) => e.message).join(' ')).toContain(c.mentions);
  });
});

describe('unknown fields', () => {
  it('are refused at every level of the start request, each named by its path', async () => {
    const body = startBody();
    const typo = {
      ...body,
      descripton: 'typo',
      lineage: { ...body.lineage, datasetVerison: '8' },
      deployment: {
        ...body.deployment,
        bakeSecond: 60,
        health: { ...body.deployment.health, maxErrorRat: 0.5 },
      },
      approval: { mode: 'manual', deadline: 10 },
      samplePayloads: [{ body: '{}', contenType: 'text/csv' }],
      tags: { team: 'ml' },
    };
    const res = await api.call<{ errors: FieldError[] }>('POST', '/model-versions', {
      as: 'pipeline',
      body: typo,
    });
    expect(res.status).toBe(400);
    expect(res.body.errors.map((e) => e.field).sort()).toEqual(
      [
        'approval.deadline',
        'deployment.bakeSecond',
        'deployment.health.maxErrorRat',
        'descripton',
        'lineage.datasetVerison',
        'samplePayloads.0.contenType',
      ].sort(),
    );
    expect(res.body.errors[0]!.message).toMatch(/not a known field/);
  });

  it('are refused in every command body', async () => {
    const res = await api.call<{ id: string }>('POST', '/model-versions', {
      as: 'pipeline',
      body: startBody(),
    });
    const id = res.body.id;
    const roleOf = {
      approve: 'approver',
      reject: 'approver',
      rollback: 'operator',
      pause: 'operator',
      resume: 'operator',
      promote: 'operator',
    } as const;
    for (const [action, as] of Object.entries(roleOf)) {
      const bad = await api.call<{ errors: FieldError[] }>('POST', `/model-versions/${id}/${action}`, {
        as,
        body: { reason: 'x', force: true },
      });
      expect(bad.status, action).toBe(400);
      expect(bad.body.errors).toEqual([expect.objectContaining({ field: 'force' })]);
    }
    await api.temporal.client.workflow.getHandle(id).terminate('test done');
  });
});

describe('body size and shape', () => {
  it('413 for a body over the limit, 400 for malformed JSON or a non-object body', async () => {
    const big = { ...startBody(), description: 'x'.repeat(1_100_000) };
    const tooLarge = await api.call('POST', '/model-versions', { as: 'pipeline', body: big });
    expect(tooLarge.status).toBe(413);
    expect(tooLarge.body.message).toMatch(/too large/i);

    const malformed = await api.call('POST', '/model-versions', { as: 'pipeline', rawBody: '{"a":' });
    expect(malformed.status).toBe(400);
    const array = await api.call<{ errors: FieldError[] }>('POST', '/model-versions', {
      as: 'pipeline',
      body: [1],
    });
    expect(array.status).toBe(400);
    expect(array.body.errors[0]!.field).toBe('(root)');
  });
});
