/** Temporal client errors as HTTP answers; anything unrecognised stays a 500 (logged by Nest). */
import {
  ConflictException,
  GatewayTimeoutException,
  HttpException,
  HttpStatus,
  ServiceUnavailableException,
} from '@nestjs/common';
import {
  isGrpcServiceError,
  ServiceError,
  WorkflowUpdateRPCTimeoutOrCancelledError,
} from '@temporalio/client';

/** gRPC status codes (from the gRPC spec; @grpc/grpc-js is not a direct dependency). */
const grpcStatus = {
  DEADLINE_EXCEEDED: 4,
  RESOURCE_EXHAUSTED: 8,
  FAILED_PRECONDITION: 9,
  UNAVAILABLE: 14,
} as const;

export function temporalUnavailable(thrown: unknown): HttpException | undefined {
  if (thrown instanceof WorkflowUpdateRPCTimeoutOrCancelledError) {
    return new GatewayTimeoutException('the workflow did not answer in time; is a worker running?');
  }
  // Updates and starts wrap the server's answer in a ServiceError; its cause is the gRPC error.
  const err = thrown instanceof ServiceError && isGrpcServiceError(thrown.cause) ? thrown.cause : thrown;
  if (isGrpcServiceError(err)) {
    const code: number = err.code;
    if (code === grpcStatus.DEADLINE_EXCEEDED) {
      return new GatewayTimeoutException('Temporal did not answer in time');
    }
    if (code === grpcStatus.UNAVAILABLE) {
      return new ServiceUnavailableException('Temporal is not reachable');
    }
    // A server limit for now (10 updates in flight per run, history.maxInFlightUpdates; the
    // namespace's rate limits) that the client's own retries did not outlast. The call did nothing.
    if (code === grpcStatus.RESOURCE_EXHAUSTED) {
      const status = HttpStatus.TOO_MANY_REQUESTS;
      const message = `Temporal refused the call for now (${err.details}); nothing was done, retry in a moment`;
      return new HttpException({ statusCode: status, error: 'Too Many Requests', message }, status);
    }
    // A run takes at most history.maxTotalUpdates (2000) updates in its life; past that no command
    // reaches it through the API, so say how one still can.
    if (code === grpcStatus.FAILED_PRECONDITION && /total number of distinct updates/i.test(err.details)) {
      return new ConflictException(
        'this lifecycle has received the most commands the Temporal server allows one run (history.maxTotalUpdates); ' +
          'nothing was done: send it as a signal from the Temporal UI or CLI (README: commands are an update for the API and signals for the UI)',
      );
    }
  }
  return undefined;
}
