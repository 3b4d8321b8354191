/**
 * The read routes the approval console needs, over real HTTP: who the token is (GET /whoami), what a
 * version was started with (GET /model-versions/:id/registration) and which lifecycles targeted an
 * endpoint (GET /endpoints/:name/history); plus the console's static files at /console/.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiHarness, TOKENS, type ApiHarness, type Persona } from './api-harness';
import { newGroup, startBody } from './requests';

let api: ApiHarness;
beforeAll(async () => {
  api = await startApiHarness();
});
afterAll(async () => api?.stop());

describe('GET /whoami', () => {
  it.each(Object.keys(TOKENS) as Persona[])(
    'names %s with the identity and roles of its token',
    async (as) => {
      const res = await api.call('GET', '/whoami', { as });
      expect(res.status).toBe(200);
      expect(res.body).toEqual({
        identity: TOKENS[as].identity,
        roles: TOKENS[as].roles,
        via: 'static-token',
      });
    },
  );

  it('401 without a token or with an unknown one', async () => {
    expect((await api.call('GET', '/whoami')).status).toBe(401);
    expect((await api.call('GET', '/whoami', { token: 'tok-unknown-0000000000' })).status).toBe(401);
  });
});

describe('GET /model-versions/:id/registration', () => {
  it("answers the start request with defaults applied and the caller's identity as registrant, without the container environment", async () => {
    const body = { ...startBody(), environment: { SECRET_LOOKING: 'not for approvers' } };
    const started = await api.call<{ id: string }>('POST', '/model-versions', { as: 'pipeline', body });
    expect(started.status).toBe(201);
    const res = await api.call('GET', `/model-versions/${started.body.id}/registration`, { as: 'viewer' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      modelPackageGroup: body.modelPackageGroup,
      registeredBy: 'pipeline@test',
      metrics: { auc: 0.91 },
      lineage: { ...body.lineage, hyperparameters: {} },
      deployment: {
        canarySteps: [10, 50, 100],
        bakeSeconds: 2,
        productionEndpointName: body.deployment.productionEndpointName,
      },
    });
    expect(res.body).not.toHaveProperty('environment');
    expect(JSON.stringify(res.body)).not.toContain('not for approvers');
  });

  it('404 for an unknown id, 400 for a malformed one, 403 for the eventbridge role', async () => {
    expect(
      (await api.call('GET', '/model-versions/mv-nope-nope/registration', { as: 'viewer' })).status,
    ).toBe(404);
    const bad = await api.call('GET', '/model-versions/bad%20id/registration', { as: 'viewer' });
    expect(bad.status).toBe(400);
    expect(bad.body.message).toMatch(/must be a model-version id/);
    expect((await api.call('GET', '/model-versions/mv-x/registration', { as: 'eventbridge' })).status).toBe(
      403,
    );
  });
});

describe('GET /endpoints/:name/history', () => {
  it("lists every lifecycle that targeted the endpoint, newest first, and none of another endpoint's", async () => {
    const group = newGroup();
    const ids: string[] = [];
    for (let i = 0; i < 2; i++) {
      const res = await api.call<{ id: string }>('POST', '/model-versions', {
        as: 'pipeline',
        body: startBody(group),
      });
      ids.push(res.body.id);
    }
    const elsewhere = await api.call<{ id: string }>('POST', '/model-versions', {
      as: 'pipeline',
      body: startBody(),
    });
    await expect
      .poll(
        async () => {
          const res = await api.call<{ items: { id: string }[] }>('GET', `/endpoints/${group}-prod/history`, {
            as: 'viewer',
          });
          return res.body.items.map((item) => item.id);
        },
        { timeout: 20_000 },
      )
      .toEqual([...ids].reverse());
    const res = await api.call<{ items: Record<string, unknown>[] }>(
      'GET',
      `/endpoints/${group}-prod/history?pageSize=1`,
      { as: 'viewer' },
    );
    expect(res.body.items).toHaveLength(1);
    expect(res.body.items[0]).toMatchObject({
      id: ids[1],
      modelPackageGroup: group,
      endpointName: `${group}-prod`,
    });
    expect(res.body).toHaveProperty('nextPageToken');
    expect(JSON.stringify(res.body)).not.toContain(elsewhere.body.id);
  });

  it('an endpoint no lifecycle targeted has an empty history; bad names and queries are 400 naming the field', async () => {
    const endpointName = `${newGroup('never')}-prod`;
    const empty = await api.call('GET', `/endpoints/${endpointName}/history`, { as: 'viewer' });
    expect(empty).toEqual({ status: 200, body: { endpointName, items: [] } });
    const badName = await api.call('GET', '/endpoints/-bad-/history', { as: 'viewer' });
    expect(badName.status).toBe(400);
    const badQuery = await api.call('GET', '/endpoints/churn-prod/history?pageSize=0&stage=x', {
      as: 'viewer',
    });
    expect(badQuery.status).toBe(400);
    expect(badQuery.body.message).toMatch(/pageSize/);
    expect(badQuery.body.message).toMatch(/stage|Unrecognized/i);
  });
});

describe('the console at /console/', () => {
  it('serves its page and modules without a token, from its own origin only (CSP), and redirects /console', async () => {
    const redirect = await fetch(`${api.baseUrl}/console`, { redirect: 'manual' });
    expect(redirect.status).toBe(301);
    expect(redirect.headers.get('location')).toBe('/console/');
    const page = await fetch(`${api.baseUrl}/console/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    expect(page.headers.get('content-security-policy')).toMatch(/default-src 'self'; script-src 'self'/);
    expect(await page.text()).toContain('<script type="module" src="app.js">');
    const app = await fetch(`${api.baseUrl}/console/app.js`);
    expect(app.status).toBe(200);
    expect(app.headers.get('content-type')).toMatch(/javascript/);
    expect((await fetch(`${api.baseUrl}/console/nope.js`)).status).toBe(404);
  });

  it('is not in the OpenAPI document, and the data routes it calls still need a token', async () => {
    const doc = (await (await fetch(`${api.baseUrl}/docs-json`)).json()) as {
      paths: Record<string, unknown>;
    };
    expect(Object.keys(doc.paths).filter((p) => p.startsWith('/console'))).toEqual([]);
    expect((await fetch(`${api.baseUrl}/model-versions`)).status).toBe(401);
  });
});
