/**
 * Validation at the edge: one Nest pipe per zod schema (`@Body(new ZodPipe(schema))`,
 * `@Param('id', new ZodPipe(schema))`), and a 400 whose body names every offending field.
 */
import { BadRequestException, type PipeTransform } from '@nestjs/common';
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

export class ZodPipe<S extends z.ZodType> implements PipeTransform<unknown, z.output<S>> {
  constructor(private readonly schema: S) {}

  transform(value: unknown): z.output<S> {
    const result = this.schema.safeParse(value);
    if (result.success) return result.data;
    throw badRequest(fieldErrors(result.error.issues));
  }
}
