/** The API's surface over real HTTP: health, OpenAPI, authentication, roles, validation, endpoints. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiHarness, startApiWithoutTemporal, type ApiHarness } from './api-harness';
import { startBody } from './requests';

let api: ApiHarness;
beforeAll(async () => {
  api = await startApiHarness();
});
afterAll(async () => api?.stop());

describe('health and documentation', () => {
  it('GET /health is public and 200 while Temporal answers', async () => {
    const res = await api.call('GET', '/health');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'ok', temporal: 'reachable' });
  });

  it('GET /health is 503 when Temporal is unreachable', async () => {
    const down = await startApiWithoutTemporal();
    try {
      const res = await fetch(`${down.baseUrl}/health`);
      expect(res.status).toBe(503);
      expect(await res.json()).toMatchObject({ temporal: 'unreachable' });
    } finally {
      await down.stop();
    }
  });

  it('serves the OpenAPI document with every route and the start body schema', async () => {
    const res = await fetch(`${api.baseUrl}/docs-json`);
    expect(res.status).toBe(200);
    const doc = (await res.json()) as { paths: Record<string, Record<string, unknown>> };
    expect(Object.keys(doc.paths).sort()).toEqual(
      [
        '/endpoints/{name}',
        '/endpoints/{name}/history',
        '/endpoints/{name}/revert',
        '/endpoints/{name}/reverts/{id}',
        '/events/sagemaker',
        '/health',
        '/metrics',
        '/model-versions',
        '/model-versions/{id}',
        '/model-versions/{id}/registration',
        '/model-versions/{id}/withdraw',
        '/whoami',
        ...['approve', 'reject', 'rollback', 'pause', 'resume', 'promote', 'retry-rollback', 'release'].map(
          (a) => `/model-versions/{id}/${a}`,
        ),
      ].sort(),
    );
    const post = doc.paths['/model-versions']!.post as {
      requestBody: { content: { 'application/json': { schema: { properties: Record<string, unknown> } } } };
    };
    const props = post.requestBody.content['application/json'].schema.properties;
    expect(props).toHaveProperty('artifactUri');
    expect(props).not.toHaveProperty('registeredBy');
    // A command documents its own refusals and what Temporal's limits or absence answer.
    const approve = doc.paths['/model-versions/{id}/approve']!.post as { responses: Record<string, unknown> };
    expect(Object.keys(approve.responses)).toEqual(
      expect.arrayContaining(['200', '403', '409', '429', '503', '504']),
    );
    expect((await fetch(`${api.baseUrl}/docs`)).status).toBe(200);
  });
});

describe('authentication and roles', () => {
  it('401 without a token and with an unknown one', async () => {
    expect((await api.call('GET', '/model-versions')).status).toBe(401);
    const bad = await api.call('GET', '/model-versions', { token: 'not-a-known-token' });
    expect(bad.status).toBe(401);
    expect(bad.body.message).toMatch(/bearer token/);
  });

  it('403 when the role does not open the route', async () => {
    const viewerStarts = await api.call('POST', '/model-versions', { as: 'viewer', body: startBody() });
    expect(viewerStarts.status).toBe(403);
    expect(viewerStarts.body.message).toMatch(/vera@test .* needs one of: pipeline/);
    const operatorApproves = await api.call('POST', '/model-versions/mv-x/approve', {
      as: 'operator',
      body: {},
    });
    expect(operatorApproves.status).toBe(403);
    const approverRollsBack = await api.call('POST', '/model-versions/mv-x/rollback', {
      as: 'approver',
      body: {},
    });
    expect(approverRollsBack.status).toBe(403);
    const eventbridgeReads = await api.call('GET', '/model-versions', { as: 'eventbridge' });
    expect(eventbridgeReads.status).toBe(403);
    const viewerPostsEvent = await api.call('POST', '/events/sagemaker', { as: 'viewer', body: {} });
    expect(viewerPostsEvent.status).toBe(403);
  });
});

describe('validation at the edge', () => {
  it('400 names each offending field of a start', async () => {
    const body = { ...startBody(), artifactUri: 'http://not-s3', lineage: { datasetUri: 's3://d' } };
    const res = await api.call<{ errors: { field: string; message: string }[] }>('POST', '/model-versions', {
      as: 'pipeline',
      body,
    });
    expect(res.status).toBe(400);
    const fields = res.body.errors.map((e) => e.field);
    expect(fields).toEqual(
      expect.arrayContaining([
        'artifactUri',
        'lineage.datasetVersion',
        'lineage.codeCommit',
        'lineage.trainingJobName',
      ]),
    );
    expect(res.body.errors.find((e) => e.field === 'artifactUri')?.message).toMatch(/s3:\/\//);
  });

  it('400 when the body tries to say who registered', async () => {
    const res = await api.call('POST', '/model-versions', {
      as: 'pipeline',
      body: { ...startBody(), registeredBy: 'someone-else' },
    });
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual([{ field: 'registeredBy', message: expect.stringMatching(/token/) }]);
  });

  it('400 for bad list filters and command bodies', async () => {
    const list = await api.call('GET', '/model-versions?stage=sleeping&pageSize=500', { as: 'viewer' });
    expect(list.status).toBe(400);
    expect((list.body.errors as { field: string }[]).map((e) => e.field).sort()).toEqual([
      'pageSize',
      'stage',
    ]);
    const command = await api.call('POST', '/model-versions/mv-x/approve', {
      as: 'approver',
      body: { by: 'mallory' },
    });
    expect(command.status).toBe(400);
    expect(command.body.message).toMatch(/by/);
  });

  it('404 for an unknown model version', async () => {
    const res = await api.call('GET', '/model-versions/mv-nope-never-started', { as: 'viewer' });
    expect(res.status).toBe(404);
    const cmd = await api.call('POST', '/model-versions/mv-nope-never-started/approve', {
      as: 'approver',
      body: { comment: 'ok' },
    });
    expect(cmd.status).toBe(404);
  });
});

describe('GET /endpoints/:name', () => {
  it('answers the serving lineage, 404 for an unknown endpoint, 400 for a bad name', async () => {
    const res = await api.call('GET', '/endpoints/churn-prod', { as: 'viewer' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      endpointName: 'churn-prod',
      variants: [{ modelVersion: 1, approvedBy: 'alice@test', lineage: { codeCommit: 'abc123' } }],
    });
    expect((await api.call('GET', '/endpoints/nothing-here', { as: 'viewer' })).status).toBe(404);
    expect((await api.call('GET', '/endpoints/-bad-', { as: 'viewer' })).status).toBe(400);
  });
});
