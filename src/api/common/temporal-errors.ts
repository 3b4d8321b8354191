/** Temporal client errors as HTTP answers; anything unrecognised stays a 500 (logged by Nest). */
import { GatewayTimeoutException, HttpException, ServiceUnavailableException } from '@nestjs/common';
import { isGrpcServiceError, WorkflowUpdateRPCTimeoutOrCancelledError } from '@temporalio/client';

/** gRPC status codes (from the gRPC spec; @grpc/grpc-js is not a direct dependency). */
const grpcStatus = { DEADLINE_EXCEEDED: 4, UNAVAILABLE: 14 } as const;

export function temporalUnavailable(err: unknown): HttpException | undefined {
  if (err instanceof WorkflowUpdateRPCTimeoutOrCancelledError) {
    return new GatewayTimeoutException('the workflow did not answer in time; is a worker running?');
  }
  if (isGrpcServiceError(err)) {
    const code: number = err.code;
    if (code === grpcStatus.DEADLINE_EXCEEDED) {
      return new GatewayTimeoutException('Temporal did not answer in time');
    }
    if (code === grpcStatus.UNAVAILABLE) {
      return new ServiceUnavailableException('Temporal is not reachable');
    }
  }
  return undefined;
}
