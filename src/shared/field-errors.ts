/**
 * zod issues as the API's field errors: one entry per offending field, the field a dotted path.
 * An unknown key is reported at its own path ("deployment.bakeSecond: is not a known field"), so a
 * typo is named rather than its parent; a bad record key reports the key rule it broke.
 */
import type { z } from 'zod';

export interface FieldError {
  field: string;
  message: string;
}

const pathOf = (path: readonly PropertyKey[]) => path.map(String).join('.') || '(root)';

export function fieldErrors(issues: readonly z.core.$ZodIssue[]): FieldError[] {
  return issues.flatMap((issue): FieldError[] => {
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({
        field: pathOf([...issue.path, key]),
        message: 'is not a known field (unknown fields are refused, so a typo never becomes a default)',
      }));
    }
    if (issue.code === 'invalid_key') {
      return [{ field: pathOf(issue.path), message: issue.issues.map((i) => i.message).join('; ') }];
    }
    return [{ field: pathOf(issue.path), message: issue.message }];
  });
}
