/**
 * The body of POST /model-versions: the lifecycle input without `registeredBy`, which the API takes
 * from the caller's token. Checked with the same schema the workflow uses, so a 400 here names the
 * same fields a direct Temporal start would fail on.
 */
import {
  checkMetadataBudget,
  lifecycleInputObject,
  parseLifecycleInput,
  type LifecycleInput,
} from '../../shared/lifecycle-input';
import { badRequest } from '../common/validation';

export const startRequestSchema = lifecycleInputObject
  .omit({ registeredBy: true })
  .superRefine(checkMetadataBudget);

export function parseStartRequest(body: unknown, registeredBy: string): LifecycleInput {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw badRequest([{ field: '(root)', message: 'must be a JSON object' }]);
  }
  if ('registeredBy' in body) {
    throw badRequest([
      { field: 'registeredBy', message: "is taken from the caller's token; do not send it" },
    ]);
  }
  const parsed = parseLifecycleInput({ ...body, registeredBy });
  if (!parsed.ok) throw badRequest(parsed.errors);
  return parsed.value;
}
