import { z } from 'zod';
import { listQuerySchema } from '../model-versions/schemas';

export const endpointNameSchema = z
  .string()
  .regex(/^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$/, 'must be a SageMaker endpoint name');

export const endpointHistoryQuerySchema = listQuerySchema.pick({ pageSize: true, pageToken: true }).strict();
export type EndpointHistoryQuery = z.output<typeof endpointHistoryQuerySchema>;
