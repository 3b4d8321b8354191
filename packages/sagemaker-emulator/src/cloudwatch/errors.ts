/** CloudWatch's error shapes with their legacy query codes (awsQueryCompatible), as the SDK models them. */
import { AwsError } from '../aws-error';

export function invalidParameter(message: string): AwsError {
  return new AwsError('InvalidParameterValueException', message, 400, 'InvalidParameterValue');
}

export function missingParameter(name: string): AwsError {
  return new AwsError(
    'MissingRequiredParameterException',
    `The parameter ${name} is required.`,
    400,
    'MissingParameter',
  );
}

export function invalidNextToken(): AwsError {
  return new AwsError(
    'InvalidNextToken',
    'The service returned an invalid next token.',
    400,
    'InvalidNextToken',
  );
}
