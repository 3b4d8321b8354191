/**
 * Generated bad requests from the OpenAPI document the API serves: for the start request, every
 * command body and the SageMaker event, a valid body with one field broken against its JSON schema.
 * Over real HTTP, every one must be a 4xx whose errors name the broken field, never a 5xx and never
 * a start; bodies over the size limit are a 413. At least 1,000 start requests per run.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FieldError } from '../../../src/shared/field-errors';
import { startApiHarness, type ApiHarness, type Persona } from './api-harness';
import { startBody } from './requests';
import { mutations, type JsonSchema, type Mutation } from './schema-mutations';

let api: ApiHarness;
let doc: {
  paths: Record<
    string,
    Record<string, { requestBody?: { content: Record<string, { schema: JsonSchema }> } }>
  >;
};
beforeAll(async () => {
  api = await startApiHarness();
  doc = (await (await fetch(`${api.baseUrl}/docs-json`)).json()) as typeof doc;
});
afterAll(async () => api?.stop());

const bodySchema = (path: string): JsonSchema => {
  const schema = doc.paths[path]?.post?.requestBody?.content['application/json']?.schema;
  if (!schema) throw new Error(`the OpenAPI document has no JSON body schema for POST ${path}`);
  return schema;
};

const namesField = (field: string) => (e: FieldError) => e.field === field || e.field.startsWith(`${field}.`);

async function expectRefused(path: string, as: Persona, m: Mutation): Promise<void> {
  const res = await api.call<{ errors?: FieldError[]; id?: string }>('POST', path, { as, body: m.body });
  const label = `${m.keyword} on ${m.field}: ${JSON.stringify(res.body).slice(0, 300)}`;
  expect(res.status, label).toBeGreaterThanOrEqual(400);
  expect(res.status, label).toBeLessThan(500);
  expect((res.body.errors ?? []).some(namesField(m.field)), label).toBe(true);
}

describe('generated bad requests from the OpenAPI document', () => {
  it('1,000 broken start requests: each a 400 naming the broken field', async () => {
    const schema = bodySchema('/model-versions');
    await fc.assert(
      fc.asyncProperty(mutations(schema, startBody('fuzz', 'fuzz-1')), (m) =>
        expectRefused('/model-versions', 'pipeline', m),
      ),
      { numRuns: 1000 },
    );
  });

  it('broken command bodies on every command route: 400 naming the field', async () => {
    const routes: [string, Persona][] = [
      ['approve', 'approver'],
      ['reject', 'approver'],
      ['rollback', 'operator'],
      ['pause', 'operator'],
      ['resume', 'operator'],
      ['promote', 'operator'],
    ];
    for (const [action, as] of routes) {
      const path = `/model-versions/{id}/${action}`;
      await fc.assert(
        fc.asyncProperty(mutations(bodySchema(path), { reason: 'ok' }), (m) =>
          expectRefused(`/model-versions/mv-none-x/${action}`, as, m),
        ),
        { numRuns: 50 },
      );
    }
  });

  it('broken SageMaker events: 400 naming the field', async () => {
    const event = {
      'detail-type': 'SageMaker Model Package State Change',
      source: 'aws.sagemaker',
      detail: { ModelPackageGroupName: 'fuzz', ModelPackageVersion: 1, ModelApprovalStatus: 'Approved' },
    };
    await fc.assert(
      fc.asyncProperty(mutations(bodySchema('/events/sagemaker'), event), (m) =>
        expectRefused('/events/sagemaker', 'eventbridge', m),
      ),
      { numRuns: 200 },
    );
  });

  it('bodies over the limit are 413 on every route that takes one', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(
          ['/model-versions', 'pipeline'] as const,
          ['/model-versions/mv-none-x/approve', 'approver'] as const,
          ['/events/sagemaker', 'eventbridge'] as const,
        ),
        fc.integer({ min: 1_048_577, max: 1_300_000 }),
        async ([path, as], size) => {
          const res = await api.call('POST', path, {
            as,
            rawBody: JSON.stringify({ reason: 'x'.repeat(size) }),
          });
          expect(res.status).toBe(413);
        },
      ),
      { numRuns: 6 },
    );
  });
});
