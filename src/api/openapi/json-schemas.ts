/** OpenAPI schemas derived from the zod schemas, so the document cannot drift from the validation. */
import { z } from 'zod';
import { commandBodySchema } from '../model-versions/schemas';
import { startRequestSchema } from '../model-versions/start-request';
import { sageMakerStateChangeSchema } from '../events/sagemaker-event';
import { revertBodySchema } from '../../shared/revert';

type SchemaObject = Record<string, unknown>;

const toOpenApi = (schema: z.ZodType): SchemaObject =>
  z.toJSONSchema(schema, { io: 'input', target: 'openapi-3.0', unrepresentable: 'any' });

export const startRequestJsonSchema = toOpenApi(startRequestSchema);
export const commandBodyJsonSchema = toOpenApi(commandBodySchema);
export const sageMakerEventJsonSchema = toOpenApi(sageMakerStateChangeSchema);
export const revertBodyJsonSchema = toOpenApi(revertBodySchema);

export const errorJsonSchema: SchemaObject = {
  type: 'object',
  properties: {
    statusCode: { type: 'integer' },
    error: { type: 'string' },
    message: { type: 'string' },
    errors: {
      type: 'array',
      items: { type: 'object', properties: { field: { type: 'string' }, message: { type: 'string' } } },
    },
  },
};

export const startedJsonSchema: SchemaObject = {
  type: 'object',
  properties: {
    id: { type: 'string', example: 'mv-churn-train-2026-11-22' },
    runId: { type: 'string' },
    modelPackageGroup: { type: 'string' },
    idempotencyKey: { type: 'string' },
    registeredBy: { type: 'string' },
    links: { type: 'object', properties: { self: { type: 'string' } } },
  },
};

export const summaryListJsonSchema: SchemaObject = {
  type: 'object',
  properties: {
    items: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          id: { type: 'string' },
          runId: { type: 'string' },
          status: { type: 'string', example: 'RUNNING' },
          stage: { type: 'string', example: 'awaiting-approval' },
          modelPackageGroup: { type: 'string' },
          modelVersion: { type: 'integer' },
          endpointName: { type: 'string' },
          startTime: { type: 'string', format: 'date-time' },
          closeTime: { type: 'string', format: 'date-time' },
          registeredBy: {
            type: 'string',
            description: "From the run's memo (absent for runs started before it)",
          },
          approval: {
            type: 'object',
            description:
              "From the run's memo: mode, requiredApprovals, deadline, approvals, decision (no metrics table)",
          },
          outcome: { type: 'string', description: "From the run's memo, once it has ended" },
        },
      },
    },
    nextPageToken: { type: 'string' },
  },
};

export const whoamiJsonSchema: SchemaObject = {
  type: 'object',
  properties: {
    identity: { type: 'string', example: 'alice@example.com' },
    roles: { type: 'array', items: { type: 'string', example: 'approver' } },
    via: { type: 'string', enum: ['static-token', 'jwt'] },
  },
};

export const registrationJsonSchema: SchemaObject = {
  type: 'object',
  description:
    'What the lifecycle was started with (its first history event), container environment left out',
  properties: {
    modelPackageGroup: { type: 'string' },
    idempotencyKey: { type: 'string' },
    registeredBy: { type: 'string' },
    artifactUri: { type: 'string' },
    inferenceImage: { type: 'string' },
    metrics: { type: 'object', additionalProperties: { type: 'number' } },
    lineage: {
      type: 'object',
      properties: {
        datasetUri: { type: 'string' },
        datasetVersion: { type: 'string' },
        codeCommit: { type: 'string' },
        trainingJobName: { type: 'string' },
        hyperparameters: { type: 'object' },
      },
    },
    tags: { type: 'object', additionalProperties: { type: 'string' } },
    approval: { type: 'object' },
    deployment: {
      type: 'object',
      properties: {
        productionEndpointName: { type: 'string' },
        canarySteps: { type: 'array', items: { type: 'integer' } },
        bakeSeconds: { type: 'integer' },
        healthCheckIntervalSeconds: { type: 'integer' },
      },
    },
  },
};
