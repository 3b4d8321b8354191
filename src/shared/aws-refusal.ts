/**
 * The AWS validation refusal behind a failed activity, for the workflow to end in a clear terminal
 * stage with AWS's own words when a limit the API does not know yet (one AWS adds later) slips
 * through: `refused-by-aws` in the state rather than a bare "Activity task failed". Pure and
 * deterministic: safe to import from workflow code.
 */
import { ApplicationFailure } from '@temporalio/common';
import { ErrorTypes } from './activity-contracts';

export interface AwsRefusal {
  /** The SageMaker operation that refused, e.g. CreateModelPackage. */
  operation?: string;
  /** AWS's error name, e.g. ValidationException. */
  awsError?: string;
  /** AWS's message, as the activity reported it. */
  message: string;
}

/** The first AwsValidationError in the failure's cause chain, or undefined for any other failure. */
export function awsRefusal(err: unknown): AwsRefusal | undefined {
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 10; e = e.cause, depth++) {
    if (e instanceof ApplicationFailure && e.type === ErrorTypes.Validation) {
      const detail = (e.details?.[0] ?? {}) as { operation?: unknown; awsError?: unknown };
      return {
        ...(typeof detail.operation === 'string' ? { operation: detail.operation } : {}),
        ...(typeof detail.awsError === 'string' ? { awsError: detail.awsError } : {}),
        message: e.message,
      };
    }
  }
  return undefined;
}

/** One line for the state's final transition and the notification. */
export function describeAwsRefusal(refusal: AwsRefusal): string {
  const source = [refusal.operation, refusal.awsError].filter(Boolean).join(' ');
  return `refused by AWS${source ? ` (${source})` : ''}: ${refusal.message}`;
}
