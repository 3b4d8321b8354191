import { ServiceError } from '@temporalio/client';
import { describe, expect, it } from 'vitest';
import { temporalUnavailable } from '../../../src/api/common/temporal-errors';

/** What the gRPC client throws: an Error with a status code, details and metadata. */
const grpcError = (code: number, details: string) =>
  Object.assign(new Error(`${code} ${details}`), { code, details, metadata: {} });
/** What the SDK throws for an update or a start: a ServiceError around it. */
const wrapped = (code: number, details: string) =>
  new ServiceError('Workflow Update failed', { cause: grpcError(code, details) });

const answer = (err: unknown) => {
  const http = temporalUnavailable(err);
  return http && { status: http.getStatus(), message: (http.getResponse() as { message: string }).message };
};

describe('Temporal errors as HTTP answers', () => {
  it('answers 429 for a server limit, bare or wrapped by the SDK, and says nothing was done', () => {
    const inFlight = 'limit on number of concurrent in-flight updates has been reached (10)';
    for (const err of [grpcError(8, inFlight), wrapped(8, inFlight)]) {
      expect(answer(err)).toEqual({
        status: 429,
        message: `Temporal refused the call for now (${inFlight}); nothing was done, retry in a moment`,
      });
    }
  });

  it('answers 409 with the way out once a run has taken every update the server allows', () => {
    const total =
      'The limit on the total number of distinct updates in this workflow has been reached (2000). Make sure any duplicate updates share an Update ID';
    const a = answer(wrapped(9, total))!;
    expect(a.status).toBe(409);
    expect(a.message).toMatch(
      /history\.maxTotalUpdates.*nothing was done: send it as a signal from the Temporal UI/,
    );
    // Another failed precondition is not this one: left to the caller (a 500 if nobody knows it).
    expect(answer(wrapped(9, 'something else'))).toBeUndefined();
  });

  it('answers 503 and 504 for an unreachable or slow server, also when the SDK wrapped the error', () => {
    expect(answer(wrapped(14, 'connection refused'))?.status).toBe(503);
    expect(answer(grpcError(14, 'connection refused'))?.status).toBe(503);
    expect(answer(grpcError(4, 'deadline exceeded'))?.status).toBe(504);
  });

  it('leaves everything else alone', () => {
    expect(answer(new Error('bug'))).toBeUndefined();
    expect(answer(new ServiceError('no cause'))).toBeUndefined();
    expect(temporalUnavailable(grpcError(5, 'not found'))).toBeUndefined();
  });
});
