/**
 * The users of the production endpoints: invokes every InService endpoint whose name ends in
 * `-prod` at a steady rate, so the emulator's CloudWatch metrics have something to judge canaries by.
 */
import { ListEndpointsCommand, type SageMakerClient } from '@aws-sdk/client-sagemaker';
import { InvokeEndpointCommand, type SageMakerRuntimeClient } from '@aws-sdk/client-sagemaker-runtime';

export interface TrafficPump {
  stop(): Promise<void>;
}

const REFRESH_MS = 3_000;

export function startTrafficPump(
  clients: { sagemaker: SageMakerClient; runtime: SageMakerRuntimeClient },
  ratePerSecond: number,
): TrafficPump {
  let endpoints: string[] = [];
  let stopped = false;
  const refresh = async () => {
    try {
      const out = await clients.sagemaker.send(
        new ListEndpointsCommand({ StatusEquals: 'InService', MaxResults: 100 }),
      );
      endpoints = (out.Endpoints ?? []).map((e) => e.EndpointName ?? '').filter((n) => n.endsWith('-prod'));
    } catch {
      // The emulator is starting or stopping: keep the last list.
    }
  };
  const invoke = () => {
    for (const endpoint of endpoints) {
      clients.runtime
        .send(
          new InvokeEndpointCommand({
            EndpointName: endpoint,
            ContentType: 'application/json',
            Body: new TextEncoder().encode('{"instances":[[0.3,0.7]]}'),
          }),
        )
        // A failing invocation is exactly what the health checks count; nothing to do here.
        .catch(() => undefined);
    }
  };
  void refresh();
  const refresher = setInterval(() => void refresh(), REFRESH_MS);
  const invoker = setInterval(() => !stopped && invoke(), Math.max(10, 1000 / ratePerSecond));
  return {
    async stop() {
      stopped = true;
      clearInterval(refresher);
      clearInterval(invoker);
    },
  };
}
