/**
 * GET /metrics: the lifecycles-per-stage gauge from visibility, in Prometheus text format, for a
 * reader's token. Runs of a group of this test's own, filtered by `?group=`, so the counts are exact
 * on a server other files share.
 */
import { ACTIVE_STAGES, FINAL_STAGES } from '../../../src/shared/lifecycle-state';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LIFECYCLES_BY_STAGE_METRIC } from '../../../src/shared/lifecycle-metrics';
import { parsePrometheusText, sampleValue } from '../../helpers/prometheus-text';
import { startApiHarness, TOKENS, type ApiHarness } from './api-harness';
import { newGroup, startBody } from './requests';

let api: ApiHarness;
beforeAll(async () => {
  api = await startApiHarness();
});
afterAll(async () => api?.stop());

async function scrape(query: string, token: string | null = TOKENS.viewer.token) {
  const res = await fetch(`${api.baseUrl}/metrics${query}`, {
    headers: token ? { authorization: `Bearer ${token}` } : {},
  });
  return { status: res.status, type: res.headers.get('content-type'), text: await res.text() };
}

async function stageOf(id: string) {
  const res = await api.call<{ stage: string }>('GET', `/model-versions/${id}`, { as: 'viewer' });
  return res.body.stage;
}

async function start(group: string): Promise<string> {
  const res = await api.call<{ id: string }>('POST', '/model-versions', {
    as: 'pipeline',
    body: startBody(group),
  });
  expect(res.status).toBe(201);
  await expect.poll(() => stageOf(res.body.id), { timeout: 15_000 }).toBe('awaiting-approval');
  return res.body.id;
}

describe('GET /metrics', () => {
  it('counts the lifecycles of a group per stage: running ones in active stages, closed ones in final stages', async () => {
    const group = newGroup('metrics');
    const [waiting, rejected, terminated] = await Promise.all([start(group), start(group), start(group)]);
    const refused = await api.call('POST', `/model-versions/${rejected}/reject`, {
      as: 'approver',
      body: { reason: 'worse than production' },
    });
    expect(refused.status).toBe(200);
    await expect.poll(() => stageOf(rejected), { timeout: 15_000 }).toBe('rejected');
    // Terminated from the Temporal UI while awaiting approval: its stage attribute stays, it is no longer waiting.
    await api.temporal.client.workflow.getHandle(terminated).terminate('operator cleanup');
    expect(waiting).toBeTruthy();

    const expected = { 'awaiting-approval': 1, rejected: 1, canary: 0, promoted: 0 };
    await expect
      .poll(
        async () => {
          const samples = parsePrometheusText((await scrape(`?group=${group}`)).text);
          return Object.fromEntries(
            Object.keys(expected).map((stage) => [
              stage,
              sampleValue(samples, LIFECYCLES_BY_STAGE_METRIC, { stage }),
            ]),
          );
        },
        { timeout: 20_000, interval: 500 },
      )
      .toEqual(expected);

    const { status, type, text } = await scrape(`?group=${group}`);
    expect(status).toBe(200);
    expect(type).toMatch(/^text\/plain;.*version=0\.0\.4/);
    expect(text).toContain(`# TYPE ${LIFECYCLES_BY_STAGE_METRIC} gauge`);
    // Every stage is present, so a stage that empties shows 0 rather than vanishing.
    expect(parsePrometheusText(text).filter((s) => s.name === LIFECYCLES_BY_STAGE_METRIC)).toHaveLength(
      ACTIVE_STAGES.length + FINAL_STAGES.length,
    );
  });

  it('needs a reader’s token, and refuses a bad filter with the field named', async () => {
    expect((await scrape('', null)).status).toBe(401);
    expect((await scrape('', TOKENS.eventbridge.token)).status).toBe(403);
    const bad = await scrape('?group=not%20a%20group');
    expect(bad.status).toBe(400);
    expect(bad.text).toMatch(/group: must be a model package group name/);
    const unknown = await scrape('?stage=canary');
    expect(unknown.status).toBe(400);
    expect(unknown.text).toMatch(/stage/);
  });
});
