/**
 * How each emulated service answers on the wire, so the AWS SDK v3 clients parse the emulator's
 * replies, errors included, exactly as they parse AWS's:
 * - SageMaker: AWS JSON 1.1; errors carry `__type` with the error code.
 * - CloudWatch: AWS JSON 1.0 with awsQueryCompatible; errors also carry the legacy query code in
 *   `x-amzn-query-error: <Code>;<Sender|Receiver>`.
 * - SageMaker Runtime: REST-JSON; the error code travels in `x-amzn-ErrorType`.
 */
import { randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import type { AwsError } from './aws-error';

export type Protocol = 'sagemaker' | 'cloudwatch' | 'runtime';

export const TARGET_PREFIX: Record<'sagemaker' | 'cloudwatch', string> = {
  sagemaker: 'SageMaker.',
  cloudwatch: 'GraniteServiceVersion20100801.',
};

const CONTENT_TYPE = {
  sagemaker: 'application/x-amz-json-1.1',
  cloudwatch: 'application/x-amz-json-1.0',
  runtime: 'application/json',
} as const;

function send(res: ServerResponse, status: number, headers: Record<string, string>, body: string): void {
  res.writeHead(status, {
    'x-amzn-RequestId': randomUUID(),
    'content-length': Buffer.byteLength(body).toString(),
    ...headers,
  });
  res.end(body);
}

export function sendResult(res: ServerResponse, protocol: Protocol, result: unknown): void {
  send(res, 200, { 'content-type': CONTENT_TYPE[protocol] }, JSON.stringify(result));
}

export function sendError(res: ServerResponse, protocol: Protocol, err: AwsError): void {
  const headers: Record<string, string> = { 'content-type': CONTENT_TYPE[protocol] };
  let body: Record<string, unknown>;
  switch (protocol) {
    case 'sagemaker':
      body = { __type: err.code, message: err.message, ...err.fields };
      break;
    case 'cloudwatch':
      headers['x-amzn-query-error'] = `${err.queryCode ?? err.code};${err.fault}`;
      body = {
        __type: `com.amazonaws.cloudwatch#${err.code}`,
        message: err.message,
        Message: err.message,
        ...err.fields,
      };
      break;
    case 'runtime':
      headers['x-amzn-ErrorType'] = err.code;
      body = { Message: err.message, message: err.message, ...err.fields };
      break;
  }
  send(res, err.status, headers, JSON.stringify(body));
}
