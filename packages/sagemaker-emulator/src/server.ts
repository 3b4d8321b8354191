/**
 * The emulator's HTTP server: one port for SageMaker (AWS JSON 1.1), CloudWatch (AWS JSON 1.0,
 * query-compatible), SageMaker Runtime (REST-JSON `POST /endpoints/{name}/invocations`) and the
 * control API under /_emulator/. Started alone by `npm run emulator` (src/main.ts) and
 * in-process by tests and by `npm start`.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';
import { AwsError } from './aws-error';
import { handleControl } from './control-api';
import { EmulatorState } from './emulator-state';
import { sendError, sendResult, TARGET_PREFIX, type Protocol } from './protocols';
import { checkSignature } from './signature';
import type { TrafficRule } from './traffic-generator';
import { Input } from './wire';

const gunzipAsync = promisify(gunzip);
const INVOCATIONS_PATH = /^\/endpoints\/([^/]+)\/invocations$/;
/** SageMaker Runtime's payload limit. */
const MAX_BODY_BYTES = 6 * 1024 * 1024;

export interface EmulatorOptions {
  /** 0 picks a free port. Default 4566. */
  port?: number;
  host?: string;
  region?: string;
  accountId?: string;
  /** Period SageMaker metrics are aggregated and published at: 60 as on AWS, 1 for fast tests. */
  metricPeriodSeconds?: number;
  metricRetentionSeconds?: number;
  /** Creating → InService. */
  createDelayMs?: number;
  /** Updating → InService, for UpdateEndpoint and UpdateEndpointWeightsAndCapacities. */
  updateDelayMs?: number;
  traffic?: TrafficRule[];
  trafficTickMs?: number;
  stateFile?: string;
  now?: () => number;
}

export interface Emulator {
  url: string;
  port: number;
  /** Direct access for in-process tests; HTTP callers use /_emulator/. */
  state: EmulatorState;
  close(): Promise<void>;
}

export const EMULATOR_DEFAULTS = {
  port: 4566,
  host: '127.0.0.1',
  region: 'us-east-1',
  accountId: '123456789012',
  metricPeriodSeconds: 60,
  metricRetentionSeconds: 3 * 3600,
  createDelayMs: 3000,
  updateDelayMs: 2000,
  trafficTickMs: 100,
} as const;

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES)
      throw new AwsError('ValidationException', `Request body exceeds ${MAX_BODY_BYTES} bytes`, 413);
    chunks.push(chunk as Buffer);
  }
  const raw = Buffer.concat(chunks);
  // The CloudWatch client gzips large PutMetricData bodies.
  return req.headers['content-encoding'] === 'gzip' ? gunzipAsync(raw) : raw;
}

function parseJson(raw: Buffer): Record<string, unknown> {
  if (raw.length === 0) return {};
  try {
    const parsed = JSON.parse(raw.toString('utf8')) as unknown;
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed))
      return parsed as Record<string, unknown>;
  } catch {
    // answered below
  }
  throw new AwsError('SerializationException', 'The request body is not a JSON object', 400);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The error an injected fault raises, in the shape each service uses. */
function injectedFailure(protocol: Protocol, kind: 'throttle' | 'error' | 'deny'): AwsError {
  if (kind === 'deny') {
    return new AwsError(
      'AccessDeniedException',
      'User is not authorized to perform this action (injected fault)',
      protocol === 'cloudwatch' ? 403 : 400,
      ...(protocol === 'cloudwatch' ? ['AccessDenied'] : []),
    );
  }
  if (kind === 'throttle') {
    if (protocol === 'cloudwatch') return new AwsError('Throttling', 'Rate exceeded', 400, 'Throttling');
    return new AwsError('ThrottlingException', 'Rate exceeded', protocol === 'runtime' ? 429 : 400);
  }
  if (protocol === 'cloudwatch')
    return new AwsError(
      'InternalServiceFault',
      'Internal service error (injected fault)',
      500,
      'InternalServiceError',
    );
  return new AwsError('ServiceUnavailable', 'Service unavailable (injected fault)', 503);
}

function route(
  req: IncomingMessage,
): { protocol: Protocol; operation: string; endpointName?: string } | undefined {
  const target = req.headers['x-amz-target'];
  if (typeof target === 'string') {
    for (const protocol of ['sagemaker', 'cloudwatch'] as const) {
      if (target.startsWith(TARGET_PREFIX[protocol]))
        return { protocol, operation: target.slice(TARGET_PREFIX[protocol].length) };
    }
    return undefined;
  }
  const path = (req.url ?? '/').split('?')[0]!;
  const invoke = INVOCATIONS_PATH.exec(path);
  if (invoke && req.method === 'POST') {
    return { protocol: 'runtime', operation: 'InvokeEndpoint', endpointName: decodeURIComponent(invoke[1]!) };
  }
  return undefined;
}

export async function startEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
  const o = {
    ...EMULATOR_DEFAULTS,
    ...Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)),
  };
  const state = new EmulatorState(
    { accountId: o.accountId, region: o.region, now: options.now ?? Date.now },
    {
      metricPeriodSeconds: o.metricPeriodSeconds,
      metricRetentionSeconds: o.metricRetentionSeconds,
      createDelayMs: o.createDelayMs,
      updateDelayMs: o.updateDelayMs,
      traffic: options.traffic ?? [],
      trafficTickMs: o.trafficTickMs,
      stateFile: options.stateFile,
    },
  );

  async function handleAws(
    req: IncomingMessage,
    res: ServerResponse,
    r: NonNullable<ReturnType<typeof route>>,
  ) {
    try {
      checkSignature(req.headers);
      const raw = await readBody(req);
      const fault = state.faults.decide(r.operation);
      if (fault.delayMs > 0) await sleep(fault.delayMs);
      if (fault.failure) throw injectedFailure(r.protocol, fault.failure);

      if (r.protocol === 'runtime') {
        const outcome = state.invocations.invoke({
          endpointName: r.endpointName!,
          targetVariant: req.headers['x-amzn-sagemaker-target-variant'] as string | undefined,
          accept: req.headers.accept,
          body: raw.toString('utf8'),
        });
        await sleep(outcome.latencyMs);
        if (!outcome.ok) throw outcome.error;
        res.writeHead(200, {
          'content-type': outcome.contentType,
          'x-Amzn-Invoked-Production-Variant': outcome.variantName,
          'content-length': Buffer.byteLength(outcome.body).toString(),
        });
        res.end(outcome.body);
        return;
      }
      const operations = r.protocol === 'sagemaker' ? state.sageMaker : state.cloudWatch;
      const operation = operations[r.operation];
      if (!operation) {
        throw new AwsError(
          'UnknownOperationException',
          `The emulator does not implement ${r.operation}`,
          400,
        );
      }
      const result = operation(new Input(parseJson(raw)));
      if (r.protocol === 'sagemaker' && /^(Create|Update|Delete|AddTags)/.test(r.operation)) state.save();
      sendResult(res, r.protocol, result);
    } catch (err) {
      if (err instanceof AwsError) return sendError(res, r.protocol, err);
      console.error(`emulator: ${r.operation} failed`, err);
      sendError(
        res,
        r.protocol,
        new AwsError('InternalFailure', (err as Error).message, 500, 'InternalFailure'),
      );
    }
  }

  async function handleControlRequest(req: IncomingMessage, res: ServerResponse) {
    let body: unknown = undefined;
    try {
      const raw = await readBody(req);
      body = raw.length ? JSON.parse(raw.toString('utf8')) : undefined;
    } catch {
      res.writeHead(400, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: 'body is not JSON' }));
      return;
    }
    const out = handleControl(state, req.method ?? 'GET', (req.url ?? '/').split('?')[0]!, body);
    res.writeHead(out.status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(out.body));
  }

  const server = createServer((req, res) => {
    if ((req.url ?? '').startsWith('/_emulator')) return void handleControlRequest(req, res);
    const r = route(req);
    if (!r) {
      res.writeHead(404, {
        'content-type': 'application/json',
        'x-amzn-ErrorType': 'UnknownOperationException',
      });
      res.end(
        JSON.stringify({
          __type: 'UnknownOperationException',
          message: `No emulated AWS operation at ${req.method} ${req.url}`,
        }),
      );
      return;
    }
    void handleAws(req, res, r);
  });
  server.keepAliveTimeout = 5000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  state.traffic.start();
  return {
    url: `http://${o.host}:${port}`,
    port,
    state,
    async close() {
      state.traffic.stop();
      state.save();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
