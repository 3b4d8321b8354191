/** Validation at the edge: a zod schema, and a 400 whose body names every offending field. */
import { BadRequestException } from '@nestjs/common';
import type { z } from 'zod';
import { fieldErrors, type FieldError } from '../../shared/field-errors';

export function badRequest(errors: FieldError[]): BadRequestException {
  return new BadRequestException({
    statusCode: 400,
    error: 'Bad Request',
    message: errors.map((e) => `${e.field}: ${e.message}`).join('; '),
    errors,
  });
}

export function parseOrBadRequest<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  throw badRequest(fieldErrors(result.error.issues));
}
