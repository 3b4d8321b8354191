/**
 * Which failed state queries mean "no worker answered" (GET /model-versions/:id then answers from
 * the server, marked stale) and which are real errors. gRPC errors are built as grpc-js builds them.
 */
import { ServiceError } from '@temporalio/client';
import { describe, expect, it } from 'vitest';
import { isNoWorkerAnswer } from '../../../src/api/model-versions/server-view';

function grpcError(code: number, details: string): Error {
  return Object.assign(new Error(`${code} ${details}`), { code, details, metadata: {} });
}
const wrapped = (cause: Error) => new ServiceError('Failed to query Workflow', { cause });

describe('isNoWorkerAnswer', () => {
  it.each([
    ['our deadline passed (DEADLINE_EXCEEDED)', grpcError(4, 'Deadline exceeded')],
    ['our deadline timer cancelled the call (CANCELLED)', grpcError(1, 'Call cancelled')],
    ['no worker polls the task queue', grpcError(9, 'no poller seen for task queue recently')],
    ['the sticky worker is gone', grpcError(9, 'sticky worker unavailable, please use original task queue.')],
  ])('%s: no worker answered', (_, err) => {
    expect(isNoWorkerAnswer(err)).toBe(true);
    expect(isNoWorkerAnswer(wrapped(err))).toBe(true);
  });

  it.each([
    ['another failed precondition', grpcError(9, 'workflow is closed')],
    ['a bad argument', grpcError(3, 'query type not registered')],
    ['the server down', grpcError(14, 'connect ECONNREFUSED')],
    ['not a gRPC error at all', new Error('query handler threw')],
  ])('%s: a real error', (_, err) => {
    expect(isNoWorkerAnswer(err)).toBe(false);
    expect(isNoWorkerAnswer(wrapped(err))).toBe(false);
  });
});
