/**
 * The service as the tests see it: the Nest app listening on a real port (0 → any), a worker on its
 * own task queue running the real workflow bundle, the shared Temporal dev server, static tokens
 * for every persona. Requests go over real HTTP with fetch.
 */
import type { INestApplication } from '@nestjs/common';
import { Client, Connection } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { ErrorTypes } from '../../../src/shared/activity-contracts';
import { inject } from 'vitest';
import { Authenticator } from '../../../src/api/auth/authenticator';
import { StaticTokenTable, type StaticToken } from '../../../src/api/auth/static-tokens';
import { createApi, type ApiDependencies } from '../../../src/api/create-api';
import type { ServingLineageReader } from '../../../src/api/endpoints/endpoints.controller';
import type {
  RegistryStatus,
  StudioDecisionRefused,
  StudioDecisions,
} from '../../../src/api/events/studio-decisions';
import type { StudioIdentityConfig } from '../../../src/config';
import { connectTestTemporal, type TestTemporal } from '../../helpers/temporal';
import { createFakeSageMaker } from '../../helpers/fake-sagemaker';
import { servingLineageFixture } from './serving-lineage-fixture';

export const TOKENS = {
  pipeline: { token: 'tok-pipeline-0000000001', identity: 'pipeline@test', roles: ['pipeline'] },
  /** Registers and may approve in general, but never their own version. */
  pipelineApprover: {
    token: 'tok-pipeapprover-000001',
    identity: 'carol@test',
    roles: ['pipeline', 'approver'],
  },
  approver: { token: 'tok-approver-000000001', identity: 'alice@test', roles: ['approver'] },
  operator: { token: 'tok-operator-000000001', identity: 'oscar@test', roles: ['operator'] },
  viewer: { token: 'tok-viewer-00000000001', identity: 'vera@test', roles: ['viewer'] },
  eventbridge: { token: 'tok-eventbridge-000001', identity: 'eventbridge@test', roles: ['eventbridge'] },
} satisfies Record<string, StaticToken>;
export type Persona = keyof typeof TOKENS;

export interface HttpAnswer<T = Record<string, unknown>> {
  status: number;
  body: T;
}

/** One JSON request to a running API as a persona of TOKENS. */
export async function callApi<T = Record<string, unknown>>(
  baseUrl: string,
  method: string,
  path: string,
  as: Persona,
  body?: unknown,
): Promise<HttpAnswer<T>> {
  const res = await fetch(`${baseUrl}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${TOKENS[as].token}`,
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as T };
}

/** Studio users of the tests: bob is a distinct approver, carol-studio is carol (who registers too). */
export const STUDIO_IDENTITIES: StudioIdentityConfig = {
  identityMap: { bob: 'bob@test', 'carol-studio': TOKENS.pipelineApprover.identity },
  unmapped: 'refuse',
};

/** The Studio bridge's registry writes and notifications, recorded instead of sent. */
export interface RecordingStudioDecisions extends StudioDecisions {
  statusWrites: { modelPackageArn: string; status: RegistryStatus; description: string }[];
  notifications: StudioDecisionRefused[];
}

export function recordingStudioDecisions(): RecordingStudioDecisions {
  const statusWrites: RecordingStudioDecisions['statusWrites'] = [];
  const notifications: StudioDecisionRefused[] = [];
  return {
    identities: STUDIO_IDENTITIES,
    statusWrites,
    notifications,
    async setApprovalStatus(input) {
      statusWrites.push(input);
    },
    async notify(notification) {
      notifications.push(notification);
    },
  };
}

export interface ApiHarness {
  baseUrl: string;
  temporal: TestTemporal;
  studio: RecordingStudioDecisions;
  call<T = Record<string, unknown>>(
    method: string,
    path: string,
    options?: { as?: Persona; token?: string; body?: unknown; rawBody?: string },
  ): Promise<HttpAnswer<T>>;
  stop(): Promise<void>;
}

/** The shared in-memory SageMaker, with the real endpoint-lock activities on this test's Temporal. */
function fakeActivities(temporal: TestTemporal): object {
  return createFakeSageMaker({ temporal: { client: temporal.client, taskQueue: temporal.taskQueue } })
    .activities;
}

export async function startApiHarness(
  readServingLineage: ServingLineageReader = async (name) =>
    name === servingLineageFixture.endpointName ? servingLineageFixture : null,
): Promise<ApiHarness> {
  const temporal = await connectTestTemporal();
  const activities = fakeActivities(temporal);
  let stopWorker!: () => void;
  const workerStopped = new Promise<void>((resolve) => (stopWorker = resolve));
  const workerRun = temporal.withWorker(activities, () => workerStopped);
  const studio = recordingStudioDecisions();
  const app = await createTestApi(temporal.client, temporal.taskQueue, readServingLineage, studio);
  await app.listen(0, '127.0.0.1');
  const baseUrl = await app.getUrl();
  return {
    baseUrl,
    temporal,
    studio,
    async call(method, path, options = {}) {
      const token = options.token ?? (options.as ? TOKENS[options.as].token : undefined);
      const payload =
        options.rawBody ?? (options.body !== undefined ? JSON.stringify(options.body) : undefined);
      const res = await fetch(`${baseUrl}${path}`, {
        method,
        headers: {
          ...(token ? { authorization: `Bearer ${token}` } : {}),
          ...(payload !== undefined ? { 'content-type': 'application/json' } : {}),
        },
        body: payload,
      });
      const text = await res.text();
      let body: unknown;
      try {
        body = text ? JSON.parse(text) : {};
      } catch {
        body = { text }; // a non-JSON answer (only /metrics gives one) stays visible to the test
      }
      return { status: res.status, body: body as never };
    },
    async stop() {
      await app.close();
      stopWorker();
      await workerRun;
      await temporal.close();
    },
  };
}

export function createTestApi(
  client: Client,
  taskQueue: string,
  readServingLineage: ServingLineageReader,
  studioDecisions: StudioDecisions = recordingStudioDecisions(),
  extra: Partial<ApiDependencies> = {},
) {
  return createApi(
    {
      temporalClient: client,
      settings: { namespace: inject('temporalNamespace'), taskQueue, commandTimeoutMs: 20_000 },
      authenticator: new Authenticator(new StaticTokenTable(Object.values(TOKENS))),
      readServingLineage,
      studioDecisions,
      planRevert: async ({ endpointName }) => {
        throw ApplicationFailure.nonRetryable(
          `no endpoint named "${endpointName}"`,
          ErrorTypes.NoRevertTarget,
        );
      },
      ...extra,
    },
    { logger: false },
  );
}

/**
 * The app on the shared Temporal server with no worker of its own: the test starts and stops one
 * (on `temporal.taskQueue`) to see what reads answer while none runs.
 */
export async function startApiWithoutWorker(queryTimeoutMs: number): Promise<{
  temporal: TestTemporal;
  baseUrl: string;
  stop(): Promise<void>;
}> {
  const temporal = await connectTestTemporal();
  const app = await createTestApi(
    temporal.client,
    temporal.taskQueue,
    async () => null,
    recordingStudioDecisions(),
    {
      settings: {
        namespace: inject('temporalNamespace'),
        taskQueue: temporal.taskQueue,
        commandTimeoutMs: 20_000,
        queryTimeoutMs,
      },
    },
  );
  await app.listen(0, '127.0.0.1');
  return {
    temporal,
    baseUrl: await app.getUrl(),
    async stop() {
      await app.close();
      await temporal.close();
    },
  };
}

/** An API whose Temporal is unreachable, for the 503 of /health. */
export async function startApiWithoutTemporal(): Promise<{ baseUrl: string; stop(): Promise<void> }> {
  const connection = Connection.lazy({ address: '127.0.0.1:1', connectTimeout: 500 });
  const app: INestApplication = await createTestApi(new Client({ connection }), 'none', async () => null);
  await app.listen(0, '127.0.0.1');
  return { baseUrl: await app.getUrl(), stop: () => app.close() };
}
