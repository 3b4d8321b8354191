/**
 * An error as an AWS service returns it: a code the SDK maps to an exception class, a message, the
 * HTTP status, and whether the caller or the service is at fault (the `Sender;`/`Receiver;` half of
 * CloudWatch's query-compatible error header).
 */
export class AwsError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status = 400,
    /** For awsQueryCompatible services: the legacy query error code, when it differs from `code`. */
    readonly queryCode?: string,
    /** Extra members of the modelled error shape (e.g. ModelError's OriginalStatusCode). */
    readonly fields: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = code;
  }

  get fault(): 'Sender' | 'Receiver' {
    return this.status >= 500 ? 'Receiver' : 'Sender';
  }
}

/** SageMaker's catch-all client error, e.g. 'Could not find endpoint "x".'. */
export function validation(message: string): AwsError {
  return new AwsError('ValidationException', message);
}

/** SageMaker's wording for a field that breaks its constraint, as the real service phrases it. */
export function constraint(field: string, value: unknown, rule: string): AwsError {
  const shown = value === undefined || value === null ? 'null' : `'${shownValue(value)}'`;
  return validation(
    `1 validation error detected: Value ${shown} at '${lowerFirst(field)}' failed to satisfy constraint: ${rule}`,
  );
}

export function lowerFirst(name: string): string {
  return name.charAt(0).toLowerCase() + name.slice(1);
}

function shownValue(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint')
    return value.toString();
  return JSON.stringify(value) ?? typeof value;
}
